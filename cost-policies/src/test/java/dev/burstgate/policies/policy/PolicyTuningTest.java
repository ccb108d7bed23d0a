package dev.burstgate.policies.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.burstgate.policies.Tier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PolicyTuningTest {

    private static final Map<Tier, Double> PRICES = Map.of(Tier.LOCAL, 0.02, Tier.CLOUD, 0.18, Tier.LEGACY, 1.10);

    /**
     * Local answers are always acceptable below a score of 0.4 and half the time above: a threshold {@code c > 0.4}
     * loses {@code (c − 0.4) / 2}, so the highest one that keeps 0.95 is 0.5, and a lower bound puts the proposal a
     * little under it.
     */
    private static List<PolicyTuning.Sample> knownTruth(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<PolicyTuning.Sample> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            double score = random.nextDouble();
            boolean ok = score < 0.4 || random.nextBoolean();
            out.add(new PolicyTuning.Sample(score, Tier.LOCAL, Tier.CLOUD, ok));
        }
        return out;
    }

    private static Policy.Tuning rules(int minSamples, Double maxStep) {
        return new Policy.Tuning(0.95, true, minSamples, Duration.ofHours(1), maxStep);
    }

    @Test
    void proposesTheCheapestCloudAtWhoseLowerBoundHoldsTheTarget() {
        Policy.Thresholds current = new Policy.Thresholds(0.8, 0.95);
        PolicyTuning.Report r = PolicyTuning.propose(current, rules(200, null), knownTruth(20_000, 1), PRICES);
        assertThat(r.proposed()).isNotNull();
        assertThat(r.proposed().cloudAt()).isBetween(0.43, 0.50);
        assertThat(r.proposed().legacyAt()).as("no cloud verdicts: kept").isEqualTo(0.95);
        assertThat(r.differs()).isTrue();
        PolicyTuning.Change c = r.changes().getFirst();
        assertThat(c.field()).isEqualTo("cloud-at");
        assertThat(c.proposedQuality().lower()).isGreaterThanOrEqualTo(0.95);
        assertThat(c.currentQuality().value()).isBetween(0.77, 0.83);
        assertThat(r.proposedUsdPer1000()).isGreaterThan(r.currentUsdPer1000());
        assertThat(r.samples()).isEqualTo(20_000);
    }

    @Test
    void proposesNothingBelowTheMinimumSampleSize() {
        PolicyTuning.Report r =
                PolicyTuning.propose(new Policy.Thresholds(0.8, null), rules(500, null), knownTruth(499, 2), PRICES);
        assertThat(r.proposed()).isNull();
        assertThat(r.differs()).isFalse();
        assertThat(r.none()).contains("499 verdicts < 500 needed");
    }

    @Test
    void neverProposesBeyondTheScoresCompared() {
        List<PolicyTuning.Sample> all = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            all.add(new PolicyTuning.Sample(0.25 * i / 1000, Tier.LOCAL, Tier.CLOUD, true));
        }
        PolicyTuning.Report r = PolicyTuning.propose(new Policy.Thresholds(0.3, null), rules(100, null), all, PRICES);
        assertThat(r.proposed().cloudAt()).isEqualTo(0.25);
    }

    @Test
    void aStepIsLimitedByMaxStep() {
        PolicyTuning.Report r =
                PolicyTuning.propose(new Policy.Thresholds(0.8, null), rules(200, 0.1), knownTruth(20_000, 3), PRICES);
        assertThat(r.proposed().cloudAt()).isEqualTo(0.7);
        assertThat(r.changes().getFirst().reason()).contains("limited to a step of 0.1");
    }

    @Test
    void everyLocalAnswerUnacceptableProposesEverythingToTheStrongerTier() {
        List<PolicyTuning.Sample> all = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            all.add(new PolicyTuning.Sample(0.1 + i * 0.01, Tier.LOCAL, Tier.LEGACY, false));
        }
        PolicyTuning.Report r = PolicyTuning.propose(new Policy.Thresholds(0.9, 0.95), rules(10, null), all, PRICES);
        assertThat(r.proposed()).isEqualTo(new Policy.Thresholds(0.0, 0.95));
    }

    @Test
    void cloudVerdictsTuneLegacyAtAndCloudAtStaysBelowIt() {
        List<PolicyTuning.Sample> all = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            all.add(new PolicyTuning.Sample(0.5 + 0.5 * i / 400, Tier.CLOUD, Tier.LEGACY, false));
        }
        PolicyTuning.Report r = PolicyTuning.propose(new Policy.Thresholds(0.6, 0.9), rules(100, null), all, PRICES);
        assertThat(r.proposed()).isEqualTo(new Policy.Thresholds(0.0, 0.0));
    }
}
