package dev.burstgate.gateway.usage;

import dev.burstgate.policies.Tier;
import dev.burstgate.policies.cost.Usage;
import dev.burstgate.policies.cost.Usd;
import dev.burstgate.policies.shadow.Verdict;
import java.time.Duration;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * One shadow comparison, published once it has been judged: the request's answer from the served tier was compared
 * with what the stronger tier answered to the same body. Kept in the ledger as a shadow attempt; never billed to the
 * tenant.
 *
 * @param requestId the compared request's {@code X-Burstgate-Request-Id}
 * @param seq the comparison's number within the request, from 0
 * @param complexity the request's complexity score
 * @param confidence the local answer's confidence when known, else null
 * @param judge how the answers were compared: {@code exact}, {@code structural}, {@code tier:cloud}...
 * @param cost the shadow call plus the judge call, if any
 * @param judgeCost the judge call alone (zero for {@code exact} and {@code structural})
 * @param usage the shadow call's tokens
 * @param usageEstimated whether {@code usage} is an estimate (the shadow tier reported none, or the call failed)
 *     rather than the tokens the shadow tier reported
 * @param latency how long the shadow call took
 */
public record ShadowRecord(
        String requestId,
        int seq,
        Instant time,
        String policy,
        Tier servedTier,
        Tier shadowTier,
        double complexity,
        @Nullable Double confidence,
        Verdict verdict,
        String judge,
        Usd cost,
        Usd judgeCost,
        Usage usage,
        boolean usageEstimated,
        Duration latency) {}
