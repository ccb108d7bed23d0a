package dev.burstgate.gateway.tier;

import dev.burstgate.policies.policy.Policy;

/**
 * How sure a tier's model was of its answer, as the local engine measures it from the probabilities of the tokens it
 * sampled.
 *
 * @param tokens tokens scored
 * @param meanProb the geometric mean of the sampled tokens' probabilities, in [0, 1]
 * @param minProb the least likely sampled token's probability, in [0, 1]
 * @param meanEntropy the mean entropy, in nats, of the top candidates at each token
 */
public record AnswerConfidence(int tokens, double meanProb, double minProb, double meanEntropy) {

    public AnswerConfidence {
        if (!(meanProb >= 0 && meanProb <= 1) || !(minProb >= 0 && minProb <= 1)) {
            throw new IllegalArgumentException(
                    "probabilities must be in [0, 1], got mean " + meanProb + " and min " + minProb);
        }
    }

    /** The figure a cascade compares with its {@code escalate-below}. */
    public double signal(Policy.Signal signal) {
        return switch (signal) {
            case MEAN_PROB -> meanProb;
            case MIN_PROB -> minProb;
        };
    }
}
