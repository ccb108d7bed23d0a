package dev.burstgate.policies.tuning;

/**
 * How a {@link ThresholdTuner} shadows and when it proposes. Immutable; start from {@link #of(double, double)}.
 *
 * @param qualityTarget the quality to hold, in (0, 1]: the fraction of requests whose answer is acceptable compared
 *     with what the stronger tier would have answered
 * @param shadowRate the largest fraction of requests that may be shadowed, in [0, 1]; never exceeded at any moment
 * @param minSamples the fewest verdicts below a threshold before it may be proposed (also the fewest in all before
 *     anything is proposed)
 * @param confidence one-sided confidence of the lower quality bound, in (0.5, 1), e.g. 0.95
 * @param bins score bins over [0, 1]; proposed thresholds are multiples of {@code 1 / bins}
 * @param targeted true to shadow where the decision is uncertain (below the candidate threshold and a margin
 *     above it); false to shadow uniformly at {@code shadowRate}
 * @param focusMargin the share of all traffic above the point estimate of the threshold that targeted shadowing
 *     still covers, in [0, 1]
 * @param explore the share of the shadow budget spent outside the focus region when targeted, in [0, 1)
 */
public record TunerSettings(
        double qualityTarget,
        double shadowRate,
        int minSamples,
        double confidence,
        int bins,
        boolean targeted,
        double focusMargin,
        double explore) {

    /** Verdicts the focus region waits for before it narrows from all traffic. */
    static final int FOCUS_MIN_SAMPLES = 30;

    public TunerSettings {
        if (!(qualityTarget > 0 && qualityTarget <= 1)) {
            throw new IllegalArgumentException("qualityTarget must be in (0, 1] but was " + qualityTarget);
        }
        if (!(shadowRate >= 0 && shadowRate <= 1)) {
            throw new IllegalArgumentException("shadowRate must be in [0, 1] but was " + shadowRate);
        }
        if (minSamples < 1) {
            throw new IllegalArgumentException("minSamples must be >= 1 but was " + minSamples);
        }
        if (!(confidence > 0.5 && confidence < 1)) {
            throw new IllegalArgumentException("confidence must be in (0.5, 1) but was " + confidence);
        }
        if (bins < 2 || bins > 10_000) {
            throw new IllegalArgumentException("bins must be in [2, 10000] but was " + bins);
        }
        if (!(focusMargin >= 0 && focusMargin <= 1)) {
            throw new IllegalArgumentException("focusMargin must be in [0, 1] but was " + focusMargin);
        }
        if (!(explore >= 0 && explore < 1)) {
            throw new IllegalArgumentException("explore must be in [0, 1) but was " + explore);
        }
    }

    /**
     * Targeted shadowing, at least 100 verdicts, a one-sided 95 % bound, thresholds on a 0.01 grid, a focus margin of
     * 10 % of traffic and 5 % of the shadow budget spent exploring above it.
     */
    public static TunerSettings of(double qualityTarget, double shadowRate) {
        return new TunerSettings(qualityTarget, shadowRate, 100, 0.95, 100, true, 0.10, 0.05);
    }

    /** A copy that shadows uniformly (or targeted again). */
    public TunerSettings withTargeted(boolean on) {
        return new TunerSettings(qualityTarget, shadowRate, minSamples, confidence, bins, on, focusMargin, explore);
    }

    /** A copy with another minimum sample size. */
    public TunerSettings withMinSamples(int samples) {
        return new TunerSettings(qualityTarget, shadowRate, samples, confidence, bins, targeted, focusMargin, explore);
    }

    /** A copy with another one-sided confidence. */
    public TunerSettings withConfidence(double level) {
        return new TunerSettings(qualityTarget, shadowRate, minSamples, level, bins, targeted, focusMargin, explore);
    }
}
