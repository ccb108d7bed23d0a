package dev.burstgate.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfidenceMeterTest {

    private static Map<String, Float> top(Object... textAndProb) {
        Map<String, Float> m = new LinkedHashMap<>();
        for (int i = 0; i < textAndProb.length; i += 2) {
            m.put((String) textAndProb[i], ((Number) textAndProb[i + 1]).floatValue());
        }
        return m;
    }

    @Test
    void theScoreIsTheGeometricMeanOfTheSampledTokensProbabilities() {
        ConfidenceMeter meter = new ConfidenceMeter();
        meter.accept("a", top("a", 0.5, "b", 0.25, "c", 0.25));
        meter.accept("x", top("y", 0.6, "x", 0.2, "z", 0.2));
        Confidence c = meter.result();
        assertThat(c.tokens()).isEqualTo(2);
        assertThat(c.outsideTopK()).isZero();
        // float probabilities: compare at float precision
        assertThat(c.meanLogprob()).isCloseTo((Math.log(0.5) + Math.log(0.2)) / 2, within(1e-6));
        assertThat(c.score()).isCloseTo(Math.sqrt(0.5 * 0.2), within(1e-6));
        assertThat(c.minLogprob()).isCloseTo(Math.log(0.2), within(1e-6));
        assertThat(c.minProb()).isCloseTo(0.2, within(1e-6));
        double h1 = -(0.5 * Math.log(0.5) + 2 * 0.25 * Math.log(0.25));
        double h2 = -(0.6 * Math.log(0.6) + 2 * 0.2 * Math.log(0.2));
        assertThat(c.meanEntropy()).isCloseTo((h1 + h2) / 2, within(1e-6));
    }

    @Test
    void theEntropyIsOfTheTopCandidatesRenormalised() {
        ConfidenceMeter meter = new ConfidenceMeter();
        // two candidates holding half the mass between them, equally: renormalised, a fair coin
        meter.accept("a", top("a", 0.25, "b", 0.25));
        assertThat(meter.result().meanEntropy()).isCloseTo(Math.log(2), within(1e-9));
    }

    @Test
    void aSampledTokenOutsideTheTopCandidatesCountsWithItsLargestPossibleProbability() {
        ConfidenceMeter meter = new ConfidenceMeter();
        // the mass left (0.1) is below the last candidate's probability (0.2): the token had at most 0.1
        meter.accept("q", top("a", 0.5, "b", 0.2, "c", 0.2));
        // here the last candidate's (0.05) is below the mass left (0.45)
        meter.accept("r", top("a", 0.3, "b", 0.2, "c", 0.05));
        Confidence c = meter.result();
        assertThat(c.outsideTopK()).isEqualTo(2);
        assertThat(c.minProb()).isCloseTo(0.05, within(1e-6));
        assertThat(c.score()).isCloseTo(Math.sqrt(0.1 * 0.05), within(1e-6));
    }

    @Test
    void tokensWithoutCandidatesAreNotScored() {
        ConfidenceMeter meter = new ConfidenceMeter();
        meter.accept("merged", Map.of());
        meter.accept("merged", null);
        assertThat(meter.result()).isEqualTo(Confidence.NONE);
        assertThat(Confidence.NONE.score()).isEqualTo(1.0);
        meter.accept("a", top("a", 1.0));
        assertThat(meter.result().tokens()).isEqualTo(1);
        assertThat(meter.result().score()).isEqualTo(1.0);
        assertThat(meter.result().meanEntropy()).isZero();
    }

    @Test
    void aZeroProbabilityIsFloored() {
        ConfidenceMeter meter = new ConfidenceMeter();
        meter.accept("z", top("a", 1.0, "z", 0.0));
        Confidence c = meter.result();
        assertThat(c.minLogprob()).isEqualTo(Math.log(ConfidenceMeter.FLOOR));
        assertThat(c.score()).isCloseTo(ConfidenceMeter.FLOOR, within(1e-15));
    }

    @Test
    void aConfidenceRefusesImpossibleFigures() {
        assertThatThrownBy(() -> new Confidence(1, 0.1, -1, 0, 0)).hasMessageContaining("min <= mean <= 0");
        assertThatThrownBy(() -> new Confidence(1, -1, -0.5, 0, 0)).hasMessageContaining("min <= mean <= 0");
        assertThatThrownBy(() -> new Confidence(1, -1, -1, -0.1, 0)).hasMessageContaining("meanEntropy");
        assertThatThrownBy(() -> new Confidence(1, -1, -1, 0, 2)).hasMessageContaining("outsideTopK");
    }

    @Test
    void reportedLogProbabilitiesAreTakenAsTheyAreWithTheTopCandidatesEntropy() {
        ConfidenceMeter meter = new ConfidenceMeter();
        meter.accept(Math.log(0.5), new double[] {Math.log(0.5), Math.log(0.25), Math.log(0.25)}, true);
        // a token sampled outside the top candidates: its own log-probability counts
        meter.accept(Math.log(0.01), new double[] {Math.log(0.6), Math.log(0.2), Math.log(0.2)}, false);
        Confidence c = meter.result();
        assertThat(c.tokens()).isEqualTo(2);
        assertThat(c.outsideTopK()).isEqualTo(1);
        assertThat(c.meanLogprob()).isCloseTo((Math.log(0.5) + Math.log(0.01)) / 2, within(1e-12));
        assertThat(c.score()).isCloseTo(Math.sqrt(0.5 * 0.01), within(1e-12));
        assertThat(c.minProb()).isCloseTo(0.01, within(1e-12));
        double h1 = -(0.5 * Math.log(0.5) + 2 * 0.25 * Math.log(0.25));
        double h2 = -(0.6 * Math.log(0.6) + 2 * 0.2 * Math.log(0.2));
        assertThat(c.meanEntropy()).isCloseTo((h1 + h2) / 2, within(1e-12));
    }
}
