package dev.burstgate.engine;

/**
 * How sure the model was of one answer, from the probabilities llama.cpp reports for the tokens it sampled: for every
 * sampled token, the {@link ChatRequest#confidence() requested} top {@value #TOP_K} candidates of the model's
 * distribution (before sampling: the softmax of the logits, so temperature and top-p do not change it) with their
 * probabilities. Only produced when the engine {@link LocalEngine#measuresConfidence() measures confidence}, which
 * with de.kherud:llama 4.2.0 it cannot (its {@code n_probs} aborts the process).
 *
 * <p>{@link #score()} is the one figure a policy compares: the geometric mean of the sampled tokens' probabilities,
 * {@code exp(meanLogprob)}, in [0, 1]. 1 means every token was certain; 0.5 means the model gave its tokens even odds
 * on average. {@link #minProb()} is the weakest token's probability.
 *
 * <p>A sampled token the top candidates do not hold (sampling at a temperature may pick one) counts with the
 * largest probability it can have had: the smaller of the last candidate's probability and the mass the candidates
 * leave, so the figures are upper bounds in that case ({@link #outsideTopK()} says how often). Tokens whose text
 * arrived merged with the next token's (bytes of one character split over tokens) are not scored.
 *
 * @param tokens       sampled tokens scored
 * @param meanLogprob  mean natural log-probability of the scored tokens (0 when none)
 * @param minLogprob   the lowest of them (0 when none)
 * @param meanEntropy  mean entropy, in nats, of the top candidates' distribution renormalised to sum to 1 (0 when
 *                     none): high when the model hesitated between several candidates
 * @param outsideTopK  scored tokens that were not among the top candidates
 */
public record Confidence(int tokens, double meanLogprob, double minLogprob, double meanEntropy, int outsideTopK) {

    /** Candidates reported per sampled token. */
    public static final int TOP_K = 5;

    /** No token scored: no evidence of doubt. */
    public static final Confidence NONE = new Confidence(0, 0, 0, 0, 0);

    public Confidence {
        if (tokens < 0) {
            throw new IllegalArgumentException("tokens must be >= 0, got " + tokens);
        }
        if (!(meanLogprob <= 0) || !(minLogprob <= meanLogprob)) {
            throw new IllegalArgumentException(
                    "log-probabilities must satisfy min <= mean <= 0, got min " + minLogprob + ", mean " + meanLogprob);
        }
        if (!(meanEntropy >= 0)) {
            throw new IllegalArgumentException("meanEntropy must be >= 0, got " + meanEntropy);
        }
        if (outsideTopK < 0 || outsideTopK > tokens) {
            throw new IllegalArgumentException("outsideTopK must be in [0, tokens], got " + outsideTopK);
        }
    }

    /**
     * The geometric mean of the sampled tokens' probabilities, {@code exp(meanLogprob)}, in [0, 1]; 1 when no token
     * was scored.
     */
    public double score() {
        return Math.exp(meanLogprob);
    }

    /** The probability of the least likely sampled token, {@code exp(minLogprob)}; 1 when no token was scored. */
    public double minProb() {
        return Math.exp(minLogprob);
    }
}
