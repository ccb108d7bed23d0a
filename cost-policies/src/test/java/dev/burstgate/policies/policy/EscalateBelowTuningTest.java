package dev.burstgate.policies.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.burstgate.policies.Tier;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * The cascade's {@code escalate-below} tuned from comparisons of local answers that carry a confidence, against a
 * known truth: confidence is uniform on [0, 1] and a kept local answer is acceptable with probability equal to its
 * confidence. Escalating the answers below {@code e} then loses {@code (1 − e)² / 2} of the quality, so the cheapest
 * {@code e} that holds 0.95 is {@code 1 − √0.1 ≈ 0.684}.
 */
class EscalateBelowTuningTest {

    private static final Map<Tier, Double> PRICES = Map.of(Tier.LOCAL, 0.02, Tier.CLOUD, 0.18, Tier.LEGACY, 1.10);
    private static final double TRUE_CHEAPEST = 1 - Math.sqrt(0.1);

    private static Policy policy(double escalateBelow, int minSamples, @Nullable String maxStep) {
        return Policy.parse(
                """
                name: cascaded
                thresholds: {cloud-at: 0.8, legacy-at: 0.95}
                fallback:
                  local: [cloud, legacy]
                cascade: {escalate-below: %s}
                tuning:
                  quality-target: 0.95
                  min-samples: %d
                %s""".formatted(escalateBelow, minSamples, maxStep == null ? "" : "  max-step: " + maxStep + "\n"),
                "cascaded.yaml");
    }

    private static double trueQuality(double escalateBelow) {
        double kept = 1 - escalateBelow;
        return 1 - kept * kept / 2;
    }

    /** Local answers with confidences uniform on [{@code from}, 1], acceptable with probability equal to it. */
    private static List<PolicyTuning.Sample> knownTruth(int n, double from, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<PolicyTuning.Sample> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            double confidence = from + (1 - from) * random.nextDouble();
            boolean ok = random.nextDouble() < confidence;
            out.add(new PolicyTuning.Sample(0.8 * random.nextDouble(), Tier.LOCAL, Tier.CLOUD, ok, confidence));
        }
        return out;
    }

    private static PolicyTuning.Change escalate(PolicyTuning.Report r) {
        return r.changes().stream()
                .filter(c -> c.field().equals("escalate-below"))
                .findFirst()
                .orElseThrow();
    }

    @Test
    void proposesAnEscalateBelowThatTrulyHoldsTheTargetAndIsNotMuchCostlierThanTheTrueCheapest() {
        for (long seed = 1; seed <= 5; seed++) {
            PolicyTuning.Report r = PolicyTuning.propose(policy(0.3, 200, null), knownTruth(20_000, 0, seed), PRICES);
            Double e = r.proposedEscalateBelow();
            assertThat(e).as("seed " + seed).isNotNull();
            assertThat(trueQuality(e)).as("seed " + seed + ", e " + e).isGreaterThanOrEqualTo(0.95);
            // escalations are the share of answers below e (confidence is uniform): at most 5 points more
            assertThat(e - TRUE_CHEAPEST).as("seed " + seed + ", e " + e).isBetween(0.0, 0.05);
            PolicyTuning.Change c = escalate(r);
            assertThat(c.current()).isEqualTo(0.3);
            assertThat(c.proposedQuality().lower()).isGreaterThanOrEqualTo(0.95);
            assertThat(c.currentQuality().value()).isBetween(0.73, 0.77); // truth: 1 − 0.7² / 2 = 0.755
            assertThat(c.reason()).contains("verdicts at confidence >= " + e);
            assertThat(r.currentEscalateBelow()).isEqualTo(0.3);
            assertThat(r.differs()).isTrue();
        }
    }

    @Test
    void costPer1000CountsEveryEscalationAsTheLocalPricePlusTheNextTiers() {
        List<PolicyTuning.Sample> samples = knownTruth(5_000, 0, 7);
        PolicyTuning.Report r = PolicyTuning.propose(policy(0.3, 200, null), samples, PRICES);
        assertThat(r.currentUsdPer1000()).isCloseTo(expectedCost(samples, 0.8, 0.3), within());
        Double proposedCost = r.proposedUsdPer1000();
        assertThat(proposedCost)
                .isCloseTo(expectedCost(samples, r.proposed().cloudAt(), r.proposedEscalateBelow()), within());
        // every score is below 0.8, so without escalations all would cost the local price
        assertThat(r.currentUsdPer1000()).isGreaterThan(0.02 * 1000 + 0.18 * 1000 * 0.25);
    }

    private static org.assertj.core.data.Offset<Double> within() {
        return org.assertj.core.data.Offset.offset(1e-9);
    }

    private static double expectedCost(List<PolicyTuning.Sample> samples, double cloudAt, double escalateBelow) {
        double sum = 0;
        for (PolicyTuning.Sample s : samples) {
            if (s.score() >= cloudAt) {
                sum += 0.18;
            } else {
                sum += 0.02;
                if (s.confidence() < escalateBelow) {
                    sum += 0.18;
                }
            }
        }
        return sum * 1000 / samples.size();
    }

    @Test
    void belowTheMinimumOfItsOwnVerdictsNoEscalateBelowIsProposed() {
        List<PolicyTuning.Sample> samples = new ArrayList<>(knownTruth(199, 0, 3));
        for (int i = 0; i < 500; i++) {
            samples.add(new PolicyTuning.Sample(0.1 + 0.6 * i / 500, Tier.LOCAL, Tier.CLOUD, true));
        }
        PolicyTuning.Report r = PolicyTuning.propose(policy(0.3, 200, null), samples, PRICES);
        PolicyTuning.Change c = escalate(r);
        assertThat(c.proposed()).isNull();
        assertThat(c.verdicts()).isEqualTo(199);
        assertThat(c.reason()).isEqualTo("199 verdicts < 200 needed");
        assertThat(r.proposed()).as("cloud-at has its verdicts").isNotNull();
        assertThat(r.proposedEscalateBelow()).as("kept as it is").isEqualTo(0.3);

        PolicyTuning.Report none = PolicyTuning.propose(policy(0.3, 200, null), knownTruth(199, 0, 4), PRICES);
        assertThat(none.proposed()).isNull();
        assertThat(none.proposedEscalateBelow()).isNull();
        assertThat(none.differs()).isFalse();
    }

    @Test
    void aStepIsLimitedByMaxStep() {
        PolicyTuning.Report r = PolicyTuning.propose(policy(0.3, 200, "0.1"), knownTruth(20_000, 0, 5), PRICES);
        assertThat(r.proposedEscalateBelow()).isEqualTo(0.4);
        assertThat(escalate(r).reason()).contains("limited to a step of 0.1");
    }

    @Test
    void neverProposesBelowTheLowestConfidenceCompared() {
        List<PolicyTuning.Sample> samples = new ArrayList<>();
        SplittableRandom random = new SplittableRandom(6);
        for (int i = 0; i < 2_000; i++) {
            // the escalate-below in force is 0.6: only answers at or above it were kept and compared, all acceptable
            samples.add(new PolicyTuning.Sample(
                    0.5 * random.nextDouble(), Tier.LOCAL, Tier.CLOUD, true, 0.6 + 0.4 * random.nextDouble()));
        }
        PolicyTuning.Report r = PolicyTuning.propose(policy(0.6, 200, null), samples, PRICES);
        assertThat(r.proposedEscalateBelow()).isEqualTo(0.6);
        assertThat(escalate(r).reason())
                .contains("no answer below confidence 0.6 was compared")
                .contains("escalated");
        assertThat(r.proposedUsdPer1000()).isLessThanOrEqualTo(r.currentUsdPer1000());

        // nor above the value in force when no answer between the two was compared
        PolicyTuning.Report lower = PolicyTuning.propose(policy(0.5, 200, null), samples, PRICES);
        assertThat(lower.proposedEscalateBelow()).isEqualTo(0.5);
    }

    @Test
    void comparisonsOfEscalatedAnswersLiftTheCensoringAndTuneEscalateBelowAlone() {
        // in force: 0.9. Kept answers (>= 0.9) compared by shadow calls; escalated ones (< 0.9) with the answer that
        // replaced them, at the same rate: together the known truth over all confidences
        List<PolicyTuning.Sample> samples = new ArrayList<>();
        for (PolicyTuning.Sample s : knownTruth(20_000, 0, 9)) {
            boolean escalated = s.confidence() < 0.9;
            samples.add(new PolicyTuning.Sample(
                    s.score(), Tier.LOCAL, Tier.CLOUD, s.acceptable(), s.confidence(), escalated));
        }
        PolicyTuning.Report r = PolicyTuning.propose(policy(0.9, 200, null), samples, PRICES);
        Double e = r.proposedEscalateBelow();
        assertThat(e).isNotNull();
        assertThat(trueQuality(e)).isGreaterThanOrEqualTo(0.95);
        assertThat(e - TRUE_CHEAPEST).isBetween(0.0, 0.05);
        assertThat(escalate(r).verdicts()).isEqualTo(20_000);
        assertThat(r.proposedUsdPer1000()).isLessThan(r.currentUsdPer1000());

        // cloud-at sees the kept answers only
        List<PolicyTuning.Sample> kept =
                samples.stream().filter(s -> !s.escalated()).toList();
        PolicyTuning.Change cloudAt = r.changes().getFirst();
        assertThat(cloudAt.field()).isEqualTo("cloud-at");
        assertThat(cloudAt.verdicts()).isEqualTo(kept.size());
        assertThat(cloudAt.proposed())
                .isEqualTo(PolicyTuning.propose(policy(0.9, 200, null), kept, PRICES)
                        .changes()
                        .getFirst()
                        .proposed());
    }

    @Test
    void anAnswerWhoseConfidenceIsExactlyTheValueCountsAsKept() {
        List<PolicyTuning.Sample> samples = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            // at 0.5 every answer is acceptable, below it none is
            samples.add(new PolicyTuning.Sample(0.1, Tier.LOCAL, Tier.CLOUD, true, 0.5));
        }
        PolicyTuning.Report r = PolicyTuning.propose(policy(0.7, 100, null), samples, PRICES);
        assertThat(r.proposedEscalateBelow()).isEqualTo(0.5);
        assertThat(escalate(r).proposedQuality().value()).isEqualTo(1.0);
    }

    @Test
    void aPolicyWithoutACascadeProposesNoEscalateBelow() {
        Policy plain = Policy.parse("""
                name: plain
                thresholds: {cloud-at: 0.8}
                tuning: {quality-target: 0.95, min-samples: 100}
                """, "plain.yaml");
        PolicyTuning.Report r = PolicyTuning.propose(plain, knownTruth(1_000, 0, 8), PRICES);
        assertThat(r.currentEscalateBelow()).isNull();
        assertThat(r.proposedEscalateBelow()).isNull();
        assertThat(r.changes()).extracting(PolicyTuning.Change::field).containsExactly("cloud-at");
    }
}
