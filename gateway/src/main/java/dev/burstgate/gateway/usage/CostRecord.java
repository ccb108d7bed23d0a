package dev.burstgate.gateway.usage;

import dev.burstgate.policies.Tier;
import dev.burstgate.policies.cost.Usage;
import dev.burstgate.policies.cost.Usd;
import dev.burstgate.policies.routing.RoutingRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Everything Burstgate knows about the cost of one request, published once the request has ended.
 *
 * @param requestId the {@code X-Burstgate-Request-Id}
 * @param decidedTier what the policy chose; null for a request rejected before routing
 * @param finalTier the tier that answered (or was last tried); null when none was tried
 * @param usage tokens of the answer
 * @param cost the sum of every billed attempt
 * @param baseline what the legacy tier would have charged for the same answer
 * @param timeToFirstByte null when no byte was sent
 * @param routing what the router saw and how long each tier tried took (the ledger's routing inputs); null when not
 *     known (a request refused before routing)
 */
public record CostRecord(
        String requestId,
        String tenant,
        Instant time,
        String policy,
        double complexity,
        @Nullable Tier decidedTier,
        @Nullable Tier finalTier,
        Usage usage,
        Usd cost,
        Usd baseline,
        @Nullable Duration timeToFirstByte,
        Duration latency,
        boolean cacheHit,
        boolean stream,
        Outcome outcome,
        String reason,
        List<AttemptRecord> attempts,
        @Nullable RoutingRecord routing) {

    /** A record without routing inputs. */
    public CostRecord(
            String requestId,
            String tenant,
            Instant time,
            String policy,
            double complexity,
            @Nullable Tier decidedTier,
            @Nullable Tier finalTier,
            Usage usage,
            Usd cost,
            Usd baseline,
            @Nullable Duration timeToFirstByte,
            Duration latency,
            boolean cacheHit,
            boolean stream,
            Outcome outcome,
            String reason,
            List<AttemptRecord> attempts) {
        this(
                requestId,
                tenant,
                time,
                policy,
                complexity,
                decidedTier,
                finalTier,
                usage,
                cost,
                baseline,
                timeToFirstByte,
                latency,
                cacheHit,
                stream,
                outcome,
                reason,
                attempts,
                null);
    }

    public Usd saving() {
        return baseline.minus(cost);
    }
}
