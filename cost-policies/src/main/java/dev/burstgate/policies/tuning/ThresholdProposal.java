package dev.burstgate.policies.tuning;

import org.jspecify.annotations.Nullable;

/**
 * What a {@link ThresholdTuner} proposes at one moment.
 *
 * @param threshold the cheapest threshold (score at or above it goes to the stronger tier) whose lower quality bound
 *     meets the target, a multiple of {@code 1 / bins}; null while there are fewer than the minimum verdicts
 * @param quality the estimated quality at {@code threshold} (at 0 when none is proposed: everything stronger)
 * @param requests requests seen
 * @param shadowCalls requests chosen for shadowing
 * @param verdicts verdicts received
 * @param verdictsBelow verdicts of requests scored below {@code threshold}, the sample behind its estimate
 * @param reason one line for people, e.g. {@code "lower bound 0.9512 >= 0.95 with 412 verdicts below 0.26"}
 */
public record ThresholdProposal(
        @Nullable Double threshold,
        QualityEstimate quality,
        long requests,
        long shadowCalls,
        long verdicts,
        long verdictsBelow,
        String reason) {}
