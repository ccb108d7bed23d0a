package dev.burstgate.policies.tuning;

import java.util.Locale;
import java.util.Objects;
import java.util.random.RandomGenerator;
import org.apache.commons.statistics.distribution.NormalDistribution;

/**
 * Learns, from shadow comparisons, the cheapest score threshold between a cheaper and a stronger tier that keeps a
 * quality target, e.g. {@code cloud-at} between local and cloud. Requests below the threshold go to the cheaper
 * tier.
 *
 * <p><b>Quality.</b> A request's answer is <em>acceptable</em> when it is as good as the stronger tier's answer to
 * the same request would have been (the cheaper tier right, or both wrong; the stronger tier's own answer always is).
 * The quality of a threshold {@code c} is the fraction of requests answered acceptably when those scored below
 * {@code c} go to the cheaper tier: {@code 1 − (1/N) Σ_{s_i < c} [cheaper answer of i not acceptable]}. It is 1 at
 * {@code c = 0} and falls as {@code c} rises.
 *
 * <p><b>Use.</b> For every request, in arrival order, call {@link #shouldShadow(double)} with its complexity score;
 * when it answers true, also ask the other tier and, once a judge has compared the two answers, call
 * {@link #record(double, boolean)}. {@link #propose()} gives the current proposal at any moment. The tuner never
 * needs, and never sees, a verdict for a request it did not choose.
 *
 * <p><b>Shadowing.</b> At most {@link TunerSettings#shadowRate()} of the requests seen so far are ever chosen. Until
 * {@value TunerSettings#FOCUS_MIN_SAMPLES} verdicts are in, requests are chosen uniformly; then (when targeted) the
 * budget goes to requests scored below the current point estimate of the threshold plus a margin of
 * {@link TunerSettings#focusMargin()} of the traffic — the only requests whose verdicts move the decision — with
 * {@link TunerSettings#explore()} of it kept for the rest, so that an estimate that was too low can recover.
 *
 * <p><b>Estimate.</b> Scores are binned ({@link TunerSettings#bins()} bins over [0, 1]). The rate of unacceptable
 * cheaper answers per bin is fitted non-decreasing in the score (isotonic regression weighted by verdicts: harder
 * prompts are no more often acceptable); a bin without verdicts takes the fitted rate of the nearest bin above it,
 * which is an upper bound under that structure. The quality loss of threshold {@code c} is the sum over bins below
 * {@code c} of (the bin's share of all requests seen) × (its fitted rate). Its bounds are the share of requests below
 * {@code c} times the Wilson score bounds (one-sided, at {@link TunerSettings#confidence()}) on the pooled rate,
 * from the verdicts below {@code c}. The proposal is the highest {@code c} on the bin grid whose lower quality bound
 * {@code 1 − upper loss} meets the target and that has at least {@link TunerSettings#minSamples()} verdicts below
 * it, scanning up from 0 and stopping at the first {@code c} with enough verdicts that misses.
 *
 * <p>Thread-safe: every method is synchronized, so the gateway may call it from request threads.
 */
public final class ThresholdTuner {

    /** Verdicts between two refreshes of the focus region. */
    private static final int REFRESH_EVERY = 25;

    private final TunerSettings settings;
    private final RandomGenerator random;
    private final double z;
    private final int bins;
    private final long[] requests;
    private final long[] verdicts;
    private final long[] unacceptable;
    private long total;
    private long shadows;
    private long verdictCount;
    private long verdictsAtRefresh;
    /** Bins below this index are the focus region; {@code bins} means all traffic. */
    private int focusBins;
    /** Requests seen so far in bins below {@link #focusBins}. */
    private long inFocus;

    /**
     * @param settings target, shadow rate and estimation settings
     * @param random the source of shadow draws (seed it for a reproducible replay)
     */
    public ThresholdTuner(TunerSettings settings, RandomGenerator random) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.random = Objects.requireNonNull(random, "random");
        this.z = NormalDistribution.of(0, 1).inverseCumulativeProbability(settings.confidence());
        this.bins = settings.bins();
        this.requests = new long[bins];
        this.verdicts = new long[bins];
        this.unacceptable = new long[bins];
        this.focusBins = bins;
    }

    public TunerSettings settings() {
        return settings;
    }

    /**
     * Counts one request and decides whether to shadow it.
     *
     * @param score the request's complexity score, in [0, 1] (clamped)
     * @return true when the other tier should be asked too and the two answers compared
     */
    public synchronized boolean shouldShadow(double score) {
        int b = bin(score);
        requests[b]++;
        total++;
        if (b < focusBins) {
            inFocus++;
        }
        double rate = settings.shadowRate();
        if (shadows + 1 > rate * total) {
            return false;
        }
        double p;
        if (!settings.targeted() || focusBins >= bins || inFocus == total) {
            p = rate;
        } else {
            double share = (double) inFocus / total;
            p = b < focusBins ? (1 - settings.explore()) * rate / share : settings.explore() * rate / (1 - share);
        }
        if (random.nextDouble() < Math.min(1.0, p)) {
            shadows++;
            return true;
        }
        return false;
    }

    /**
     * Records the verdict of a shadowed request.
     *
     * @param score the score the request was shadowed with
     * @param acceptable whether the cheaper tier's answer was as good as the stronger tier's
     */
    public synchronized void record(double score, boolean acceptable) {
        int b = bin(score);
        verdicts[b]++;
        if (!acceptable) {
            unacceptable[b]++;
        }
        verdictCount++;
        if (settings.targeted()
                && verdictCount >= TunerSettings.FOCUS_MIN_SAMPLES
                && verdictCount - verdictsAtRefresh >= REFRESH_EVERY) {
            refreshFocus();
        }
    }

    /**
     * Counts one request that was compared, and its verdict, without a shadow draw: for verdicts already taken
     * elsewhere (the gateway's shadow comparisons), where every compared request is both seen and shadowed.
     *
     * @param score the request's complexity score, in [0, 1] (clamped)
     * @param acceptable whether the cheaper tier's answer was as good as the stronger tier's
     */
    public synchronized void observe(double score, boolean acceptable) {
        int b = bin(score);
        requests[b]++;
        total++;
        shadows++;
        if (b < focusBins) {
            inFocus++;
        }
        record(score, acceptable);
    }

    /** The cheapest threshold meeting the target now, or none yet (fewer verdicts than the minimum). */
    public synchronized ThresholdProposal propose() {
        if (verdictCount < settings.minSamples()) {
            return new ThresholdProposal(
                    null,
                    QualityEstimate.exact(settings.confidence()),
                    total,
                    shadows,
                    verdictCount,
                    0,
                    verdictCount + " verdicts < " + settings.minSamples() + " needed");
        }
        double[] rates = rates();
        int best = scan(rates, z, settings.minSamples());
        Point p = point(rates, best);
        QualityEstimate q = estimate(p);
        String reason = best == 0
                ? "no threshold above 0 keeps a lower bound >= " + fmt(settings.qualityTarget()) + " with "
                        + settings.minSamples() + "+ verdicts below it"
                : "lower bound " + fmt(q.lower()) + " >= " + fmt(settings.qualityTarget()) + " with " + p.verdictsBelow
                        + " verdicts below " + threshold(best);
        return new ThresholdProposal(threshold(best), q, total, shadows, verdictCount, p.verdictsBelow, reason);
    }

    /**
     * The estimated quality of an arbitrary threshold (e.g. the one in force), from the verdicts so far; exactly 1 at
     * 0. A threshold between two grid points is estimated at the next grid point up (slightly pessimistic). With no
     * verdicts below it the bounds are 0 and 1.
     */
    public synchronized QualityEstimate estimate(double threshold) {
        int j = (int) Math.ceil(Math.clamp(threshold, 0.0, 1.0) * bins - 1e-9);
        return estimate(point(rates(), j));
    }

    public synchronized long requests() {
        return total;
    }

    public synchronized long shadowCalls() {
        return shadows;
    }

    public synchronized long verdicts() {
        return verdictCount;
    }

    /** The bin of a score: scores below {@code j / bins} are exactly those in bins below {@code j}. */
    int bin(double score) {
        double s = Double.isNaN(score) ? 0.0 : Math.clamp(score, 0.0, 1.0);
        int b = Math.min(bins - 1, (int) Math.floor(s * bins));
        while (b + 1 < bins && s >= threshold(b + 1)) {
            b++;
        }
        while (b > 0 && s < threshold(b)) {
            b--;
        }
        return b;
    }

    private double threshold(int j) {
        return (double) j / bins;
    }

    private void refreshFocus() {
        verdictsAtRefresh = verdictCount;
        int estimate = scan(rates(), 0.0, TunerSettings.FOCUS_MIN_SAMPLES);
        long below = 0;
        for (int b = 0; b < estimate; b++) {
            below += requests[b];
        }
        double wanted = (double) below / total + settings.focusMargin();
        int j = estimate;
        long covered = below;
        while (j < bins && (double) covered / total < wanted) {
            covered += requests[j];
            j++;
        }
        focusBins = Math.max(1, j);
        inFocus = 0;
        for (int b = 0; b < focusBins; b++) {
            inFocus += requests[b];
        }
    }

    /** Per bin, the fitted rate of unacceptable cheaper answers (non-decreasing); NaN everywhere without verdicts. */
    private double[] rates() {
        int sampled = 0;
        for (long v : verdicts) {
            if (v > 0) {
                sampled++;
            }
        }
        double[] rates = new double[bins];
        if (sampled == 0) {
            java.util.Arrays.fill(rates, Double.NaN);
            return rates;
        }
        double[] values = new double[sampled];
        double[] weights = new double[sampled];
        int[] at = new int[sampled];
        int i = 0;
        for (int b = 0; b < bins; b++) {
            if (verdicts[b] > 0) {
                values[i] = (double) unacceptable[b] / verdicts[b];
                weights[i] = verdicts[b];
                at[i] = b;
                i++;
            }
        }
        double[] fitted = Isotonic.nonDecreasing(values, weights);
        int next = sampled - 1;
        for (int b = bins - 1; b >= 0; b--) {
            while (next > 0 && at[next - 1] >= b) {
                next--;
            }
            // the nearest sampled bin at or above b, or the top sampled bin above all of them
            rates[b] = at[next] >= b ? fitted[next] : fitted[sampled - 1];
        }
        return rates;
    }

    /** The highest grid index whose bound meets the target, scanning up and stopping at the first miss. */
    private int scan(double[] rates, double zValue, int minBelow) {
        if (Double.isNaN(rates[0]) || total == 0) {
            return 0;
        }
        double allowed = 1 - settings.qualityTarget();
        int best = 0;
        double loss = 0;
        long below = 0;
        long ks = 0;
        for (int j = 1; j <= bins; j++) {
            int b = j - 1;
            below += requests[b];
            loss += requests[b] * rates[b];
            ks += verdicts[b];
            if (ks < minBelow) {
                continue;
            }
            if (lossBounds(below, loss / total, ks, zValue).upper() <= allowed + 1e-12) {
                best = j;
            } else {
                break;
            }
        }
        return best;
    }

    /** Bounds on the loss share of the requests below a threshold. */
    private record Bounds(double lower, double upper) {}

    /**
     * Wilson score bounds on the loss share {@code l} of the requests below a threshold ({@code below} of them), from
     * {@code ks} verdicts: the share of requests times the bounds on the pooled rate of unacceptable answers below the
     * threshold. Unlike a plain normal bound they do not shrink to nothing when few unacceptable answers were seen.
     */
    private Bounds lossBounds(long below, double l, long ks, double zValue) {
        if (below == 0) {
            return new Bounds(0, 0);
        }
        double share = (double) below / total;
        if (ks == 0) {
            return new Bounds(0, share);
        }
        double rate = Math.clamp(l / share, 0.0, 1.0);
        double z2n = zValue * zValue / ks;
        double centre = (rate + z2n / 2) / (1 + z2n);
        double half = zValue * Math.sqrt(rate * (1 - rate) / ks + z2n / (4.0 * ks)) / (1 + z2n);
        return new Bounds(share * Math.max(0.0, centre - half), share * Math.min(1.0, centre + half));
    }

    private record Point(double loss, Bounds bounds, long verdictsBelow) {}

    private Point point(double[] rates, int j) {
        if (j == 0 || total == 0) {
            return new Point(0, new Bounds(0, 0), 0);
        }
        double loss = 0;
        long below = 0;
        long ks = 0;
        for (int b = 0; b < j; b++) {
            below += requests[b];
            ks += verdicts[b];
            if (requests[b] > 0) {
                loss += requests[b] * (Double.isNaN(rates[b]) ? 1.0 : rates[b]);
            }
        }
        double l = loss / total;
        return new Point(l, lossBounds(below, l, ks, z), ks);
    }

    private QualityEstimate estimate(Point p) {
        double value = 1 - p.loss;
        return new QualityEstimate(
                value,
                Math.min(value, 1 - p.bounds.upper()),
                Math.max(value, 1 - p.bounds.lower()),
                settings.confidence());
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }

    @Override
    public synchronized String toString() {
        return "ThresholdTuner[requests=" + total + ", shadows=" + shadows + ", verdicts=" + verdictCount + "]";
    }
}
