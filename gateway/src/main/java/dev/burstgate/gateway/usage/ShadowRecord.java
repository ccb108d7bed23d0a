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
 * @param seq the comparison's number within the request: 0 for a shadow call compared with the answer served,
 *     {@value #ESCALATION_SEQ} for a local answer a cascade discarded compared with the answer that replaced it (no
 *     shadow call: {@code usage} is zero and {@code cost} the judge call alone)
 * @param complexity the request's complexity score
 * @param confidence the local answer's confidence when known, else null
 * @param judge how the answers were compared: {@code exact}, {@code structural}, {@code tier:cloud}...
 * @param cost the shadow call plus the judge call, if any
 * @param judgeCost the judge call alone (zero for {@code exact} and {@code structural})
 * @param usage the shadow call's tokens
 * @param usageEstimated whether {@code usage} is not the tokens a shadow call reported: the shadow tier reported
 *     none, the call failed, or no call was made (the comparison of an escalated local answer with the answer that
 *     replaced it); only rows where it is false measure what the shadow tier charges
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
        Duration latency) {

    /** The {@code seq} of the comparison of a local answer a cascade discarded with the answer that replaced it. */
    public static final int ESCALATION_SEQ = 1;
}
