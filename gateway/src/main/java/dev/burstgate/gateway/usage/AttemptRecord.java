package dev.burstgate.gateway.usage;

import dev.burstgate.policies.Tier;
import dev.burstgate.policies.cost.Usage;
import dev.burstgate.policies.cost.Usd;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * One try of one tier for a request.
 *
 * @param endpoint where it went ({@code in-process} for the local engine)
 * @param outcome {@link Outcome#OK} when it answered; {@link Outcome#ESCALATED} when a cascade discarded its answer;
 *     otherwise how it failed
 * @param usage tokens billed (estimated when the upstream reported none: {@code usageEstimated})
 * @param cost what this attempt costs; zero for an attempt that failed before the upstream did any work
 * @param error a short description of the failure (or of why the answer was escalated), or null
 * @param judged whether a policy's cascade judged the answer (kept it, or escalated: {@link Outcome#ESCALATED})
 * @param confidence the engine's confidence in the answer, in [0, 1], when a cascade judged it and the engine measured
 *     one; else null
 * @param latency from the start of the attempt to its end, when measured; else null
 */
public record AttemptRecord(
        Tier tier,
        String endpoint,
        Outcome outcome,
        Usage usage,
        boolean usageEstimated,
        Usd cost,
        @Nullable String error,
        boolean judged,
        @Nullable Double confidence,
        @Nullable Duration latency) {

    /** An attempt no cascade judged, its latency not measured. */
    public AttemptRecord(
            Tier tier,
            String endpoint,
            Outcome outcome,
            Usage usage,
            boolean usageEstimated,
            Usd cost,
            @Nullable String error) {
        this(tier, endpoint, outcome, usage, usageEstimated, cost, error, false, null, null);
    }
}
