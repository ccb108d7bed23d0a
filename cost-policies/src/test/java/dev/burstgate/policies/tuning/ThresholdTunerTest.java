package dev.burstgate.policies.tuning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.burstgate.policies.Tier;
import dev.burstgate.policies.policy.Policy;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ThresholdTunerTest {

    @Test
    void isotonicRegressionPoolsAdjacentViolatorsByWeight() {
        assertThat(Isotonic.nonDecreasing(new double[] {1, 3, 2, 4}, new double[] {1, 1, 1, 1}))
                .containsExactly(1, 2.5, 2.5, 4);
        assertThat(Isotonic.nonDecreasing(new double[] {0.5, 0.1, 0.0}, new double[] {2, 1, 1}))
                .containsExactly(0.275, 0.275, 0.275);
        assertThat(Isotonic.nonDecreasing(new double[] {0.1, 0.2}, new double[] {5, 1}))
                .containsExactly(0.1, 0.2);
        assertThat(Isotonic.nonDecreasing(new double[] {}, new double[] {})).isEmpty();
    }

    @Test
    void aScoreIsBelowAProposedThresholdExactlyWhenTheRouterSendsItToTheCheaperTier() {
        ThresholdTuner tuner = new ThresholdTuner(TunerSettings.of(0.95, 0.05), new SplittableRandom(1));
        SplittableRandom random = new SplittableRandom(2);
        double[] edgy = {0.0, 0.01, 0.29, 0.3, 0.2999999999999, Math.nextDown(0.29), 0.57, 0.58, 0.99, 1.0};
        for (int t = 0; t < 20_000; t++) {
            double s = t < edgy.length ? edgy[t] : random.nextDouble();
            int j = random.nextInt(101);
            boolean below = tuner.bin(s) < j;
            assertThat(below)
                    .as("score %s, cloud-at %s", s, j / 100.0)
                    .isEqualTo(new Policy.Thresholds(j / 100.0, null).tierFor(s) == Tier.LOCAL);
        }
    }

    @Test
    void nothingIsProposedBelowTheMinimumSampleSize() {
        ThresholdTuner tuner =
                new ThresholdTuner(TunerSettings.of(0.95, 1.0).withMinSamples(50), new SplittableRandom(1));
        for (int i = 0; i < 49; i++) {
            assertThat(tuner.shouldShadow(i / 49.0)).isTrue();
            tuner.record(i / 49.0, true);
        }
        ThresholdProposal p = tuner.propose();
        assertThat(p.threshold()).isNull();
        assertThat(p.verdicts()).isEqualTo(49);
        assertThat(p.reason()).isEqualTo("49 verdicts < 50 needed");
        assertThat(tuner.shouldShadow(0.5)).isTrue();
        tuner.record(0.5, true);
        assertThat(tuner.propose().threshold()).isNotNull();
    }

    @Test
    void whenTheCheaperTierIsAlwaysAcceptableEverythingGoesToItAndWhenNeverNothingDoes() {
        ThresholdTuner good = new ThresholdTuner(TunerSettings.of(0.95, 1.0), new SplittableRandom(1));
        ThresholdTuner bad = new ThresholdTuner(TunerSettings.of(0.95, 1.0), new SplittableRandom(1));
        SplittableRandom random = new SplittableRandom(3);
        for (int i = 0; i < 2000; i++) {
            double s = random.nextDouble();
            good.shouldShadow(s);
            good.record(s, true);
            bad.shouldShadow(s);
            bad.record(s, false);
        }
        ThresholdProposal all = good.propose();
        assertThat(all.threshold()).isEqualTo(1.0);
        assertThat(all.quality().lower()).isGreaterThanOrEqualTo(0.95);
        ThresholdProposal none = bad.propose();
        assertThat(none.threshold()).isEqualTo(0.0);
        assertThat(none.quality()).isEqualTo(new QualityEstimate(1, 1, 1, 0.95));
        assertThat(none.reason()).startsWith("no threshold above 0");
    }

    @Test
    void theProposalIsTheHighestThresholdWhoseLowerBoundMeetsTheTarget() {
        // unacceptable with probability = score; with every request judged the estimate is nearly exact
        ThresholdTuner tuner = new ThresholdTuner(TunerSettings.of(0.95, 1.0), new SplittableRandom(1));
        SplittableRandom random = new SplittableRandom(4);
        for (int i = 0; i < 200_000; i++) {
            double s = random.nextDouble();
            tuner.shouldShadow(s);
            tuner.record(s, random.nextDouble() >= s);
        }
        ThresholdProposal p = tuner.propose();
        // loss(c) = c² / 2 = 0.05 at c = 0.316
        assertThat(p.threshold()).isCloseTo(0.31, within(0.015));
        assertThat(p.quality().lower()).isGreaterThanOrEqualTo(0.95);
        assertThat(tuner.estimate(p.threshold() + 0.02).lower()).isLessThan(0.95);
        assertThat(tuner.estimate(0.0)).isEqualTo(new QualityEstimate(1, 1, 1, 0.95));
        assertThat(tuner.estimate(0.5).value()).isCloseTo(1 - 0.125, within(0.005));
    }

    @Test
    void targetedShadowingSpendsTheBudgetBelowTheThresholdAndAMarginAboveIt() {
        TunerKnownTruthTest.Labelled data = TunerKnownTruthTest.synthetic(20_000, 5);
        TunerSettings settings = TunerSettings.of(0.95, 0.05);
        TuningReplay.Result targeted = TuningReplay.run(data.scores(), i -> data.acceptable()[i], settings, 1);
        TuningReplay.Result uniform =
                TuningReplay.run(data.scores(), i -> data.acceptable()[i], settings.withTargeted(false), 1);
        double c = targeted.proposal().threshold() == null
                ? 0
                : targeted.proposal().threshold();
        assertThat(c).isGreaterThan(0.1);
        int[] everyone =
                java.util.stream.IntStream.range(0, data.scores().length).toArray();
        double traffic = shareBelow(data.scores(), everyone, c + 0.1);
        assertThat(shareBelow(data.scores(), uniform.shadowed(), c + 0.1)).isCloseTo(traffic, within(0.05));
        assertThat(shareBelow(data.scores(), targeted.shadowed(), c + 0.1))
                .isGreaterThan(0.8)
                .isGreaterThan(traffic + 0.2);
        assertThat(targeted.shadowed().length).isBetween(800, 1000);
        assertThat(targeted.proposal().verdictsBelow())
                .isGreaterThan(uniform.proposal().verdictsBelow() * 3 / 2);
    }

    @Test
    void aRateOfZeroNeverShadows() {
        ThresholdTuner tuner = new ThresholdTuner(TunerSettings.of(0.95, 0.0), new SplittableRandom(1));
        for (int i = 0; i < 1000; i++) {
            assertThat(tuner.shouldShadow(i / 1000.0)).isFalse();
        }
        assertThat(tuner.propose().threshold()).isNull();
        assertThat(tuner.requests()).isEqualTo(1000);
        assertThat(tuner.shadowCalls()).isZero();
    }

    @Test
    void settingsOutOfRangeAreRefusedNamingTheField() {
        assertThatThrownBy(() -> TunerSettings.of(1.2, 0.05)).hasMessageContaining("qualityTarget");
        assertThatThrownBy(() -> TunerSettings.of(0.95, 1.5)).hasMessageContaining("shadowRate");
        assertThatThrownBy(() -> TunerSettings.of(0.95, 0.05).withMinSamples(0)).hasMessageContaining("minSamples");
        assertThatThrownBy(() -> TunerSettings.of(0.95, 0.05).withConfidence(0.4))
                .hasMessageContaining("confidence");
        assertThatThrownBy(() -> new QualityEstimate(0.9, 0.95, 1, 0.95)).hasMessageContaining("lower <= value");
    }

    private static double shareBelow(double[] scores, int[] rows, double c) {
        int below = 0;
        for (int i : rows) {
            if (scores[i] < c) {
                below++;
            }
        }
        return (double) below / rows.length;
    }
}
