package dev.burstgate.policies.tuning;

/**
 * An estimated quality with its interval: {@code lower} is the one-sided lower confidence bound the tuner holds to
 * the target, {@code upper} the symmetric upper one.
 *
 * @param value the point estimate
 * @param lower lower bound at {@code confidence}
 * @param upper upper bound at {@code confidence}
 * @param confidence the one-sided confidence of each bound, e.g. 0.95
 */
public record QualityEstimate(double value, double lower, double upper, double confidence) {

    /** Exactly 1 with no uncertainty: everything goes to the stronger tier. */
    static QualityEstimate exact(double confidence) {
        return new QualityEstimate(1.0, 1.0, 1.0, confidence);
    }

    public QualityEstimate {
        if (!(lower <= value && value <= upper)) {
            throw new IllegalArgumentException(
                    "need lower <= value <= upper but was " + lower + ", " + value + ", " + upper);
        }
    }
}
