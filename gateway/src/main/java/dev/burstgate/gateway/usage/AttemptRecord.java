package dev.burstgate.gateway.usage;

import dev.burstgate.policies.Tier;
import dev.burstgate.policies.cost.Usage;
import dev.burstgate.policies.cost.Usd;
import org.jspecify.annotations.Nullable;

/**
 * One try of one tier for a request.
 *
 * @param endpoint where it went ({@code in-process} for the local engine)
 * @param outcome {@link Outcome#OK} when it answered; otherwise how it failed
 * @param usage tokens billed (estimated when the upstream reported none: {@code usageEstimated})
 * @param cost what this attempt costs; zero for an attempt that failed before the upstream did any work
 * @param error a short description of the failure, or null
 */
public record AttemptRecord(
        Tier tier,
        String endpoint,
        Outcome outcome,
        Usage usage,
        boolean usageEstimated,
        Usd cost,
        @Nullable String error) {}
