package dev.burstgate.policies.replay;

import dev.burstgate.policies.Tier;
import dev.burstgate.policies.cost.Usage;
import dev.burstgate.policies.cost.Usd;
import dev.burstgate.policies.routing.RoutingRecord;
import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One request of the ledger with the routing inputs it was recorded with.
 *
 * @param id the request id
 * @param tenant the tenant
 * @param time when it arrived
 * @param policy the name of the policy that routed it
 * @param decidedTier the tier the router chose, or null when it refused the request
 * @param finalTier the tier that answered (or was tried last), or null
 * @param usage the tokens of its answer (none when nothing answered)
 * @param cost what it cost
 * @param cacheHit whether the response cache answered it
 * @param outcome {@code ok}, {@code fallback}, {@code rejected}, ...
 * @param routing what the router saw, and the attempts' service times
 */
public record RecordedRequest(
        String id,
        String tenant,
        Instant time,
        String policy,
        @Nullable Tier decidedTier,
        @Nullable Tier finalTier,
        Usage usage,
        Usd cost,
        boolean cacheHit,
        String outcome,
        RoutingRecord routing) {

    public RecordedRequest {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(usage, "usage");
        Objects.requireNonNull(cost, "cost");
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(routing, "routing");
    }

    /** Whether a tier answered: its usage is the answer's. */
    public boolean answered() {
        return finalTier != null && (usage.promptTokens() > 0 || usage.completionTokens() > 0);
    }

    /**
     * The measured service time of the attempt on {@code tier} that answered, or -1 when none did. The local tier's
     * excludes the queue wait the engine reported when the request arrived: what is left is the time it held a slot.
     */
    public long measuredMs(Tier tier) {
        for (RoutingRecord.ServiceTime a : routing.attempts()) {
            if (a.ok() && a.tier() == tier) {
                return tier == Tier.LOCAL
                        ? Math.max(0, a.ms() - routing.input().local().queueWaitMs())
                        : a.ms();
            }
        }
        return -1;
    }
}
