package dev.burstgate.policies.replay;

import dev.burstgate.policies.Tier;
import dev.burstgate.policies.cost.Usage;
import dev.burstgate.policies.cost.Usd;
import dev.burstgate.policies.policy.Policy;
import dev.burstgate.policies.routing.RoutingRecord;
import dev.burstgate.policies.shadow.Verdict;
import java.time.Instant;
import java.util.List;
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
 * @param judged the local answer a policy's cascade judged (kept or escalated), or null when no cascade judged one
 * @param shadows the recorded shadow comparisons of its answer with a stronger tier's (verdict errors left out)
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
        RoutingRecord routing,
        @Nullable Judged judged,
        List<Shadow> shadows) {

    public RecordedRequest {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(usage, "usage");
        Objects.requireNonNull(cost, "cost");
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(routing, "routing");
        shadows = List.copyOf(shadows);
    }

    /** A request no cascade judged and no shadow compared. */
    public RecordedRequest(
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
        this(
                id,
                tenant,
                time,
                policy,
                decidedTier,
                finalTier,
                usage,
                cost,
                cacheHit,
                outcome,
                routing,
                null,
                List.of());
    }

    /**
     * The local answer a cascade judged, as the ledger's attempt row has it.
     *
     * @param usage the local answer's tokens (billed whether kept or escalated)
     * @param confidence the confidence figure the cascade compared with its {@code escalate-below}, or null when the
     *     local tier measured none
     * @param signal which figure {@code confidence} is, or null when the ledger does not say (it says so only in the
     *     reason of an escalation on confidence; otherwise the recorded policy's cascade tells)
     * @param escalated whether the cascade escalated it
     * @param structural whether it was escalated for its shape (JSON that does not parse, no tool call where one was
     *     required, an answer cut by {@code max_tokens}) rather than for its confidence
     */
    public record Judged(
            Usage usage,
            @Nullable Double confidence,
            Policy.@Nullable Signal signal,
            boolean escalated,
            boolean structural) {
        public Judged {
            Objects.requireNonNull(usage, "usage");
            if (structural && !escalated) {
                throw new IllegalArgumentException("a structural escalation is an escalation");
            }
        }
    }

    /**
     * One recorded shadow comparison: the answer served on {@code served} judged against {@code shadow}'s answer to the
     * same request.
     *
     * @param served the tier whose answer was judged
     * @param shadow the stronger tier it was compared with
     * @param acceptable whether the judge found the served answer as good ({@link Verdict#ACCEPTABLE})
     */
    public record Shadow(Tier served, Tier shadow, boolean acceptable) {
        public Shadow {
            Objects.requireNonNull(served, "served");
            Objects.requireNonNull(shadow, "shadow");
        }
    }

    /**
     * The verdict on the answer of {@code tier} against the strongest tier it was compared with, or null when none was
     * recorded.
     */
    public @Nullable Shadow verdictOn(Tier tier) {
        Shadow best = null;
        for (Shadow s : shadows) {
            if (s.served() == tier
                    && s.shadow().ordinal() > tier.ordinal()
                    && (best == null || s.shadow().ordinal() > best.shadow().ordinal())) {
                best = s;
            }
        }
        return best;
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
