package dev.burstgate.policies.tuning;

import static org.assertj.core.api.Assertions.assertThat;

import dev.burstgate.policies.Tier;
import dev.burstgate.policies.classifier.ComplexityClassifier;
import dev.burstgate.policies.cost.PriceTable;
import dev.burstgate.policies.cost.Usage;
import dev.burstgate.policies.policy.Policy;
import dev.burstgate.policies.simulation.TrafficReader;
import dev.burstgate.policies.simulation.TrafficRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Known truth: every request's verdict is known, the tuner sees only those it shadowed, and the thresholds it settles
 * on are judged with all of them. Over 200 seeded runs (each seed shuffles the arrival order and draws the shadows),
 * with at most 5 % of requests shadowed and a target of 0.95, the settled {@code cloud-at} must keep a true quality
 * of at least 0.95 in at least 90 % of runs, at a median cost at most 1.15 times that of the cheapest threshold that
 * truly meets the target. Uniform shadowing with the same estimator is measured alongside, for scale.
 */
class TunerKnownTruthTest {

    static final int RUNS = 200;
    static final double TARGET = 0.95;
    static final double RATE = 0.05;
    static final Path DEV = Path.of("../../shared/datasets/routing-dev.jsonl");

    /** Scores and verdicts of a labelled data set, in file order. */
    record Labelled(String name, double[] scores, boolean[] acceptable) {}

    /** What 200 runs measured. */
    record Figures(double meetingTarget, double medianCostRatio, double medianCostRatioOnGrid, double meanShadowShare) {
        @Override
        public String toString() {
            return String.format(
                    Locale.ROOT,
                    "runs meeting the target %.1f %%, median cost ratio %.3f (vs the exact optimum) / %.3f (vs the "
                            + "best 0.01-grid threshold), shadowed %.2f %% of requests",
                    100 * meetingTarget,
                    medianCostRatio,
                    medianCostRatioOnGrid,
                    100 * meanShadowShare);
        }
    }

    @Test
    void onSyntheticTrafficTheSettledThresholdKeepsTheTargetAtNearTheLowestCost() {
        Labelled data = synthetic(10_000, 7);
        Figures targeted = measure(data, TunerSettings.of(TARGET, RATE));
        Figures uniform = measure(data, TunerSettings.of(TARGET, RATE).withTargeted(false));
        System.out.println("synthetic, targeted: " + targeted);
        System.out.println("synthetic, uniform:  " + uniform);
        assertThat(targeted.meetingTarget()).isGreaterThanOrEqualTo(0.90);
        assertThat(targeted.medianCostRatio()).isLessThanOrEqualTo(1.15);
        assertThat(targeted.meanShadowShare()).isLessThanOrEqualTo(RATE);
    }

    @Test
    void onTheDevSetTheSettledThresholdKeepsTheTargetAtNearTheLowestCost() throws Exception {
        Assumptions.assumeTrue(
                Files.isRegularFile(DEV),
                "../shared/datasets/routing-dev.jsonl is not here (it is not shipped); the synthetic test still runs");
        Labelled data = devSet();
        Figures targeted = measure(data, TunerSettings.of(TARGET, RATE));
        Figures uniform = measure(data, TunerSettings.of(TARGET, RATE).withTargeted(false));
        System.out.println("routing-dev (" + data.scores().length + " MMLU rows), targeted: " + targeted);
        System.out.println("routing-dev (" + data.scores().length + " MMLU rows), uniform:  " + uniform);
        assertThat(targeted.meetingTarget()).isGreaterThanOrEqualTo(0.90);
        assertThat(targeted.medianCostRatio()).isLessThanOrEqualTo(1.15);
        assertThat(targeted.meanShadowShare()).isLessThanOrEqualTo(RATE);
    }

    @Test
    void theTunerReadsOnlyTheVerdictsOfRequestsItShadowedAndNeverExceedsTheRate() {
        Labelled data = synthetic(5_000, 11);
        boolean[] asked = new boolean[data.scores().length];
        TuningReplay.Result r = TuningReplay.run(
                data.scores(),
                i -> {
                    asked[i] = true;
                    return data.acceptable()[i];
                },
                TunerSettings.of(TARGET, RATE),
                3);
        int[] shadowed = r.shadowed();
        boolean[] expected = new boolean[asked.length];
        for (int k = 0; k < shadowed.length; k++) {
            expected[shadowed[k]] = true;
            // at every moment, at most the rate of the requests seen so far
            assertThat(k + 1).isLessThanOrEqualTo((int) Math.floor(RATE * (shadowed[k] + 1) + 1e-9));
        }
        assertThat(asked).isEqualTo(expected);
        assertThat(r.proposal().shadowCalls()).isEqualTo(shadowed.length);
        assertThat(r.proposal().threshold()).isNotNull();
    }

    /** 200 seeded runs: shuffle, replay, judge the settled threshold with all labels. */
    static Figures measure(Labelled data, TunerSettings settings) {
        Truth truth = Truth.of(data);
        int n = data.scores().length;
        int meeting = 0;
        double[] ratios = new double[RUNS];
        double[] gridRatios = new double[RUNS];
        long shadowed = 0;
        for (int run = 0; run < RUNS; run++) {
            int[] order = shuffled(n, 1000 + run);
            double[] scores = new double[n];
            for (int i = 0; i < n; i++) {
                scores[i] = data.scores()[order[i]];
            }
            TuningReplay.Result r = TuningReplay.run(scores, i -> data.acceptable()[order[i]], settings, 5000 + run);
            Double settled = r.proposal().threshold();
            double c = settled == null ? 0.0 : settled;
            if (truth.quality(c) >= TARGET) {
                meeting++;
            }
            ratios[run] = truth.cost(c) / truth.cheapestCost;
            gridRatios[run] = truth.cost(c) / truth.cheapestGridCost;
            shadowed += r.shadowed().length;
        }
        return new Figures((double) meeting / RUNS, median(ratios), median(gridRatios), (double) shadowed / RUNS / n);
    }

    /** True quality and cost of any cloud-at, computed with every label; local and cloud priced per query. */
    static final class Truth {
        final double[] sorted;
        final boolean[] sortedAcceptable;
        final int[] unacceptableBelow;
        final double local;
        final double cloud;
        double cheapestCost;
        double cheapestGridCost;

        private Truth(Labelled data) {
            int n = data.scores().length;
            Integer[] idx = new Integer[n];
            for (int i = 0; i < n; i++) {
                idx[i] = i;
            }
            Arrays.sort(idx, (a, b) -> Double.compare(data.scores()[a], data.scores()[b]));
            sorted = new double[n];
            sortedAcceptable = new boolean[n];
            unacceptableBelow = new int[n + 1];
            for (int i = 0; i < n; i++) {
                sorted[i] = data.scores()[idx[i]];
                sortedAcceptable[i] = data.acceptable()[idx[i]];
                unacceptableBelow[i + 1] = unacceptableBelow[i] + (sortedAcceptable[i] ? 0 : 1);
            }
            PriceTable prices = PriceTable.defaults();
            Usage usage = new Usage(100, 200);
            local = prices.cost(Tier.LOCAL, usage).amount().doubleValue();
            cloud = prices.cost(Tier.CLOUD, usage).amount().doubleValue();
        }

        static Truth of(Labelled data) {
            Truth t = new Truth(data);
            int n = t.sorted.length;
            // the exact optimum: the most requests to local (a cut between two distinct scores) keeping the target
            t.cheapestCost = t.cloud;
            for (int k = 0; k <= n; k++) {
                boolean cut = k == 0 || k == n || t.sorted[k] > t.sorted[k - 1];
                if (cut && 1.0 - (double) t.unacceptableBelow[k] / n >= TARGET) {
                    t.cheapestCost = Math.min(t.cheapestCost, (k * t.local + (n - k) * t.cloud) / n);
                }
            }
            t.cheapestGridCost = t.cloud;
            for (int j = 0; j <= 100; j++) {
                if (t.quality(j / 100.0) >= TARGET) {
                    t.cheapestGridCost = Math.min(t.cheapestGridCost, t.cost(j / 100.0));
                }
            }
            return t;
        }

        /** Requests the router sends to local under {@code cloud-at = c}. */
        int localCount(double c) {
            Policy.Thresholds thresholds = new Policy.Thresholds(c, null);
            int k = 0;
            while (k < sorted.length && thresholds.tierFor(sorted[k]) == Tier.LOCAL) {
                k++;
            }
            return k;
        }

        double quality(double c) {
            return 1.0 - (double) unacceptableBelow[localCount(c)] / sorted.length;
        }

        double cost(double c) {
            int k = localCount(c);
            return (k * local + (sorted.length - k) * cloud) / sorted.length;
        }
    }

    /**
     * A labelled set with a known structure: scores spread over [0, 1] (the mean of two uniforms), and a cheaper
     * answer unacceptable with probability 0.02 + 0.40·score, bent by ±0.03 so that it is not exactly linear.
     */
    static Labelled synthetic(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        double[] scores = new double[n];
        boolean[] acceptable = new boolean[n];
        for (int i = 0; i < n; i++) {
            double s = (random.nextDouble() + random.nextDouble()) / 2;
            double p = 0.02 + 0.40 * s + 0.03 * Math.sin(12 * s);
            scores[i] = s;
            acceptable[i] = random.nextDouble() >= p;
        }
        return new Labelled("synthetic", scores, acceptable);
    }

    /** The MMLU rows of the dev set: the bundled classifier's score, and weak answer acceptable = weak right or strong wrong. */
    static Labelled devSet() throws Exception {
        List<TrafficRecord> rows =
                new TrafficReader(false).read(DEV, bytes -> {}).rows();
        ComplexityClassifier classifier = ComplexityClassifier.bundled();
        List<Double> scores = new ArrayList<>();
        List<Boolean> acceptable = new ArrayList<>();
        for (TrafficRecord r : rows) {
            Boolean weak = r.correctOn(Tier.LOCAL);
            Boolean strong = r.correctOn(Tier.CLOUD);
            if (weak == null || strong == null) {
                continue;
            }
            scores.add(classifier.classify(r.messages()).score());
            acceptable.add(weak || !strong);
        }
        double[] s = scores.stream().mapToDouble(Double::doubleValue).toArray();
        boolean[] a = new boolean[acceptable.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = acceptable.get(i);
        }
        return new Labelled("routing-dev", s, a);
    }

    static int[] shuffled(int n, long seed) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        int m = v.length / 2;
        return v.length % 2 == 1 ? v[m] : (v[m - 1] + v[m]) / 2;
    }
}
