package dev.burstgate.policies.shadow;

import java.util.ArrayList;
import java.util.List;
import org.apache.commons.statistics.distribution.NormalDistribution;
import org.jspecify.annotations.Nullable;

/**
 * One policy's shadow verdicts: counts by complexity-score bucket and, when the local answer's confidence is known, by
 * confidence bucket ({@value #BUCKETS} buckets of 0.1 over [0, 1]), with P(cheaper answer acceptable) and its
 * two-sided Wilson score interval. Errors are counted but are no verdict: they are left out of P. Thread-safe.
 */
public final class ShadowStatistics {

    /** Buckets over [0, 1]. */
    public static final int BUCKETS = 10;
    /** The two-sided confidence of the intervals. */
    public static final double CONFIDENCE = 0.95;

    private static final double Z = NormalDistribution.of(0, 1).inverseCumulativeProbability(1 - (1 - CONFIDENCE) / 2);

    private final long[][] byScore = new long[BUCKETS][3];
    private final long[][] byConfidence = new long[BUCKETS][3];
    private final long[] totals = new long[3];

    /** Counts one verdict. */
    public synchronized void record(double score, @Nullable Double confidence, Verdict verdict) {
        int v = verdict.ordinal();
        totals[v]++;
        byScore[bucket(score)][v]++;
        if (confidence != null && !confidence.isNaN()) {
            byConfidence[bucket(confidence)][v]++;
        }
    }

    /** A copy of the figures now. */
    public synchronized Snapshot snapshot() {
        return new Snapshot(bucket(totals, 0, 1), buckets(byScore), buckets(byConfidence));
    }

    /**
     * The figures.
     *
     * @param all every verdict, over [0, 1]
     * @param byScore per complexity-score bucket, lowest first
     * @param byConfidence per local-confidence bucket, lowest first (all zero when no confidence was ever given)
     */
    public record Snapshot(Bucket all, List<Bucket> byScore, List<Bucket> byConfidence) {}

    /**
     * One bucket's counts and P(acceptable) = acceptable / (acceptable + not acceptable), null without verdicts.
     *
     * @param lower lower Wilson bound at {@link #CONFIDENCE}, null without verdicts
     * @param upper upper Wilson bound, null without verdicts
     */
    public record Bucket(
            double from,
            double to,
            long acceptable,
            long notAcceptable,
            long errors,
            @Nullable Double pAcceptable,
            @Nullable Double lower,
            @Nullable Double upper) {}

    /** The two-sided Wilson score interval for {@code successes} of {@code n} at {@link #CONFIDENCE}. */
    public static double[] wilson(long successes, long n) {
        if (n <= 0) {
            throw new IllegalArgumentException("n must be > 0 but was " + n);
        }
        double p = (double) successes / n;
        double z2n = Z * Z / n;
        double centre = (p + z2n / 2) / (1 + z2n);
        double half = Z * Math.sqrt(p * (1 - p) / n + z2n / (4.0 * n)) / (1 + z2n);
        return new double[] {Math.max(0.0, centre - half), Math.min(1.0, centre + half)};
    }

    private static List<Bucket> buckets(long[][] counts) {
        List<Bucket> out = new ArrayList<>(BUCKETS);
        for (int b = 0; b < BUCKETS; b++) {
            out.add(bucket(counts[b], (double) b / BUCKETS, (double) (b + 1) / BUCKETS));
        }
        return out;
    }

    private static Bucket bucket(long[] c, double from, double to) {
        long ok = c[Verdict.ACCEPTABLE.ordinal()];
        long bad = c[Verdict.NOT_ACCEPTABLE.ordinal()];
        long n = ok + bad;
        if (n == 0) {
            return new Bucket(from, to, ok, bad, c[Verdict.ERROR.ordinal()], null, null, null);
        }
        double[] w = wilson(ok, n);
        return new Bucket(from, to, ok, bad, c[Verdict.ERROR.ordinal()], (double) ok / n, w[0], w[1]);
    }

    /** The bucket of a value in [0, 1] (clamped; 1.0 is in the top bucket). */
    static int bucket(double value) {
        double v = Double.isNaN(value) ? 0.0 : Math.clamp(value, 0.0, 1.0);
        return Math.min(BUCKETS - 1, (int) Math.floor(v * BUCKETS + 1e-9));
    }
}
