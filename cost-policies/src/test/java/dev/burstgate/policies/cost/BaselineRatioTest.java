package dev.burstgate.policies.cost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The ratio estimator of the measured baseline: exact sums, the degenerate cases, and known truth — a population of
 * requests whose true ratio Σmeasured / Σassumed is computed from all of them, sampled uniformly again and again with
 * seeded draws; the 95 % interval must cover the true ratio in about 95 % of the samples.
 */
class BaselineRatioTest {

    static final TierPrice LEGACY = new TierPrice(Usd.of("0.002"), Usd.of("3.00"), Usd.of("15.00"));

    static BigDecimal usd(String v) {
        return new BigDecimal(v);
    }

    @Test
    void theRatioIsTheSumOfMeasuredOverTheSumOfAssumed() {
        BaselineRatio r = BaselineRatio.NONE
                .plus(usd("1.00"), usd("1.50"))
                .plus(usd("2.00"), usd("2.10"))
                .plus(usd("0.50"), usd("0.40"));
        BaselineRatio.Estimate e = r.estimate();
        assertThat(e).isNotNull();
        assertThat(e.samples()).isEqualTo(3);
        assertThat(e.ratio()).isEqualByComparingTo(usd("4.00").divide(usd("3.50"), java.math.MathContext.DECIMAL128));
        assertThat(e.low()).isNotNull();
        assertThat(e.high()).isNotNull();
        assertThat(e.low()).isLessThan(e.ratio());
        assertThat(e.high()).isGreaterThan(e.ratio());
    }

    @Test
    void theIntervalMatchesTheDeltaMethodWithAStudentTQuantile() {
        double[] a = {1.0, 2.0, 0.5, 1.5, 3.0};
        double[] m = {1.2, 2.1, 0.7, 1.4, 3.9};
        BaselineRatio r = BaselineRatio.NONE;
        double sa = 0;
        double sm = 0;
        for (int i = 0; i < a.length; i++) {
            r = r.plus(BigDecimal.valueOf(a[i]), BigDecimal.valueOf(m[i]));
            sa += a[i];
            sm += m[i];
        }
        double ratio = sm / sa;
        double ss = 0;
        for (int i = 0; i < a.length; i++) {
            ss += Math.pow(m[i] - ratio * a[i], 2);
        }
        int n = a.length;
        double mean = sa / n;
        double se = Math.sqrt(ss / (n * (n - 1.0)) / (mean * mean));
        double t = 2.7764451051977987; // t(0.975, 4 degrees of freedom)
        BaselineRatio.Estimate e = r.estimate();
        assertThat(e).isNotNull();
        assertThat(e.ratio().doubleValue()).isCloseTo(ratio, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(e.low().doubleValue()).isCloseTo(ratio - t * se, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(e.high().doubleValue()).isCloseTo(ratio + t * se, org.assertj.core.data.Offset.offset(1e-9));
    }

    @Test
    void proportionalPairsGiveTheExactRatioWithNoWidth() {
        BaselineRatio r = BaselineRatio.NONE;
        for (int i = 1; i <= 20; i++) {
            BigDecimal a = usd("0.001").multiply(BigDecimal.valueOf(i * 37L));
            r = r.plus(a, a.multiply(usd("1.25")));
        }
        BaselineRatio.Estimate e = r.estimate();
        assertThat(e).isNotNull();
        assertThat(e.ratio()).isEqualByComparingTo("1.25");
        assertThat(e.low()).isEqualByComparingTo("1.25");
        assertThat(e.high()).isEqualByComparingTo("1.25");
    }

    @Test
    void noSamplesOrOnlyFreeOnesHaveNoEstimateAndOneSampleNoInterval() {
        assertThat(BaselineRatio.NONE.estimate()).isNull();
        assertThat(BaselineRatio.NONE.plus(BigDecimal.ZERO, usd("1")).estimate())
                .isNull();
        BaselineRatio.Estimate one = BaselineRatio.NONE.plus(usd("2"), usd("3")).estimate();
        assertThat(one).isNotNull();
        assertThat(one.ratio()).isEqualByComparingTo("1.5");
        assertThat(one.low()).isNull();
        assertThat(one.high()).isNull();
    }

    @Test
    void sumsOfGroupsAddUpToTheSumsOfAllPairs() {
        BaselineRatio left = BaselineRatio.NONE.plus(usd("1"), usd("2")).plus(usd("3"), usd("2.5"));
        BaselineRatio right = BaselineRatio.NONE.plus(usd("0.25"), usd("0.5"));
        BaselineRatio all = BaselineRatio.NONE
                .plus(usd("1"), usd("2"))
                .plus(usd("3"), usd("2.5"))
                .plus(usd("0.25"), usd("0.5"));
        BaselineRatio combined = left.plus(right);
        assertThat(combined.samples()).isEqualTo(3);
        assertThat(combined.estimate()).isEqualTo(all.estimate());
    }

    @Test
    void rejectsNegativeAmountsNamingThem() {
        assertThatThrownBy(() -> BaselineRatio.NONE.plus(usd("-1"), usd("1")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("assumed -1");
        assertThatThrownBy(() -> new BaselineRatio(
                        -1, BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO))
                .hasMessageContaining("samples");
    }

    /**
     * A population of requests priced per token: the gateway's prompt counts are off by a tokenizer factor with
     * per-request noise, and the legacy API's answers are longer, with a skewed length. Returns {assumed, measured}.
     */
    static double[][] population(int size, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        double[][] pairs = new double[size][2];
        for (int i = 0; i < size; i++) {
            long prompt = 20 + (long) (-400 * Math.log(1 - random.nextDouble()));
            long completion = 1 + (long) (-150 * Math.log(1 - random.nextDouble()));
            long legacyPrompt = Math.round(prompt * (1.12 + 0.08 * random.nextGaussian()));
            long legacyCompletion = Math.round(completion * Math.exp(0.25 + 0.5 * random.nextGaussian()));
            pairs[i][0] = LEGACY.cost(new Usage(prompt, completion)).amount().doubleValue();
            pairs[i][1] = LEGACY.cost(new Usage(Math.max(0, legacyPrompt), legacyCompletion))
                    .amount()
                    .doubleValue();
        }
        return pairs;
    }

    /** The share of {@code runs} uniform samples of {@code n} whose interval covers the population's ratio. */
    static double coverage(double[][] population, int n, int runs, long seed) {
        double sa = 0;
        double sm = 0;
        for (double[] p : population) {
            sa += p[0];
            sm += p[1];
        }
        double truth = sm / sa;
        SplittableRandom random = new SplittableRandom(seed);
        int covered = 0;
        for (int run = 0; run < runs; run++) {
            BaselineRatio r = BaselineRatio.NONE;
            for (int i = 0; i < n; i++) {
                double[] p = population[random.nextInt(population.length)];
                r = r.plus(BigDecimal.valueOf(p[0]), BigDecimal.valueOf(p[1]));
            }
            BaselineRatio.Estimate e = r.estimate();
            assertThat(e).isNotNull();
            if (e.low().doubleValue() <= truth && truth <= e.high().doubleValue()) {
                covered++;
            }
        }
        return (double) covered / runs;
    }

    /**
     * Measured with these seeds: 92.5 % at 200 samples, 90.2 % at 30. The population is heavy-tailed (exponential
     * lengths, the legacy answer's length times a log-normal factor), where a normal interval runs a little short; over
     * 2,000 runs the same population gives 93.7 % at 200 and 94 % at 1,000 samples.
     */
    @Test
    void theIntervalCoversTheTrueRatioInAbout95PercentOfSeededSamples() {
        double[][] population = population(100_000, 11);
        double large = coverage(population, 200, 1_000, 3);
        double small = coverage(population, 30, 1_000, 5);
        System.out.printf(Locale.ROOT, "coverage: n=200 %.1f %%, n=30 %.1f %%%n", 100 * large, 100 * small);
        assertThat(large).isBetween(0.91, 0.98);
        assertThat(small).isBetween(0.88, 0.98);
    }

    @Test
    void theIntervalNarrowsWithTheSquareRootOfTheSamples() {
        double[][] population = population(100_000, 11);
        double narrow = width(population, 800);
        double wide = width(population, 200);
        assertThat(narrow / wide).isBetween(0.35, 0.65);
    }

    static double width(double[][] population, int n) {
        SplittableRandom random = new SplittableRandom(17);
        BaselineRatio r = BaselineRatio.NONE;
        for (int i = 0; i < n; i++) {
            double[] p = population[random.nextInt(population.length)];
            r = r.plus(BigDecimal.valueOf(p[0]), BigDecimal.valueOf(p[1]));
        }
        BaselineRatio.Estimate e = r.estimate();
        assertThat(e).isNotNull();
        return e.high().doubleValue() - e.low().doubleValue();
    }
}
