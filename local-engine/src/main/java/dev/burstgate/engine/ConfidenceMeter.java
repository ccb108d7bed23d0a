package dev.burstgate.engine;

import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Adds up one answer's {@link Confidence} token by token: from the top candidates' probabilities (the in-process
 * engine), or from the sampled token's own log-probability and the top candidates' (an OpenAI-style {@code logprobs}
 * answer, as llama-server gives in runner mode). Not thread safe: one answer's reader feeds it.
 */
public final class ConfidenceMeter {

    /** Probabilities at or below this count as this (a log of zero would be minus infinity). */
    static final double FLOOR = 1e-12;

    private int tokens;
    private double sumLogprob;
    private double minLogprob;
    private double sumEntropy;
    private int outside;

    /**
     * One sampled token.
     *
     * @param text  the token's text as the engine emitted it
     * @param top   the top candidates, text to probability, as llama.cpp reported them; null or empty: the token is not
     *              scored (its text arrived merged with another's)
     */
    void accept(String text, @Nullable Map<String, Float> top) {
        if (top == null || top.isEmpty()) {
            return;
        }
        double sum = 0;
        double last = 1;
        for (Float p : top.values()) {
            double v = p == null ? 0 : Math.max(0, p.doubleValue());
            sum += v;
            last = Math.min(last, v);
        }
        Float own = top.get(text);
        double p;
        if (own != null) {
            p = own;
        } else {
            outside++;
            p = Math.min(last, Math.max(0, 1 - sum));
        }
        double logprob = Math.log(Math.max(FLOOR, Math.min(1, p)));
        double entropy = 0;
        if (sum > 0) {
            for (Float q : top.values()) {
                double v = q == null ? 0 : Math.max(0, q.doubleValue()) / sum;
                if (v > 0) {
                    entropy -= v * Math.log(v);
                }
            }
        }
        minLogprob = tokens == 0 ? logprob : Math.min(minLogprob, logprob);
        tokens++;
        sumLogprob += logprob;
        sumEntropy += entropy;
    }

    /**
     * One sampled token whose own log-probability is known.
     *
     * @param logprob the sampled token's natural log-probability
     * @param top the top candidates' log-probabilities (empty: the entropy counts as 0)
     * @param inTop whether the sampled token is among {@code top}
     */
    public void accept(double logprob, double[] top, boolean inTop) {
        double own = Math.max(Math.log(FLOOR), Math.min(0, logprob));
        double sum = 0;
        for (double q : top) {
            sum += Math.exp(Math.min(0, q));
        }
        double entropy = 0;
        if (sum > 0) {
            for (double q : top) {
                double v = Math.exp(Math.min(0, q)) / sum;
                if (v > 0) {
                    entropy -= v * Math.log(v);
                }
            }
        }
        if (!inTop) {
            outside++;
        }
        minLogprob = tokens == 0 ? own : Math.min(minLogprob, own);
        tokens++;
        sumLogprob += own;
        sumEntropy += entropy;
    }

    /** The answer's confidence so far ({@link Confidence#NONE} before any token). */
    public Confidence result() {
        if (tokens == 0) {
            return Confidence.NONE;
        }
        double mean = sumLogprob / tokens;
        return new Confidence(tokens, mean, Math.min(minLogprob, mean), sumEntropy / tokens, outside);
    }
}
