package dev.burstgate.policies.classifier;

import java.util.List;
import java.util.Objects;

/**
 * How demanding a prompt looks.
 *
 * @param score 0 (trivial) to 1 (hard); policies compare it with their thresholds
 * @param reasons the top contributing features in plain words, strongest first (e.g. {@code "math notation"})
 * @param truncated true when the conversation was longer than {@link ComplexityClassifier#MAX_ANALYSED_CHARS}
 *     characters and only that prefix was analysed (its size still counts in full); a reason says so too
 */
public record Complexity(double score, List<String> reasons, boolean truncated) {

    public Complexity {
        if (!(score >= 0.0 && score <= 1.0)) {
            throw new IllegalArgumentException("score must be in [0, 1] but was " + score);
        }
        reasons = List.copyOf(Objects.requireNonNull(reasons, "reasons"));
    }

    /** A complexity that was fully analysed. */
    public Complexity(double score, List<String> reasons) {
        this(score, reasons, false);
    }
}
