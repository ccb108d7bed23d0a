package dev.burstgate.policies.shadow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class ShadowStatisticsTest {

    @Test
    void countsVerdictsByScoreBucketAndByConfidenceBucketWhenGiven() {
        ShadowStatistics s = new ShadowStatistics();
        s.record(0.05, null, Verdict.ACCEPTABLE);
        s.record(0.42, 0.91, Verdict.ACCEPTABLE);
        s.record(0.49, 0.35, Verdict.NOT_ACCEPTABLE);
        s.record(0.45, null, Verdict.ERROR);
        s.record(1.0, 1.0, Verdict.NOT_ACCEPTABLE);
        ShadowStatistics.Snapshot snap = s.snapshot();
        assertThat(snap.all().acceptable()).isEqualTo(2);
        assertThat(snap.all().notAcceptable()).isEqualTo(2);
        assertThat(snap.all().errors()).isEqualTo(1);
        ShadowStatistics.Bucket fourth = snap.byScore().get(4);
        assertThat(fourth.from()).isEqualTo(0.4);
        assertThat(fourth.to()).isEqualTo(0.5);
        assertThat(fourth.acceptable()).isEqualTo(1);
        assertThat(fourth.notAcceptable()).isEqualTo(1);
        assertThat(fourth.errors()).isEqualTo(1);
        assertThat(fourth.pAcceptable()).isEqualTo(0.5);
        assertThat(snap.byScore().get(9).notAcceptable()).isEqualTo(1);
        assertThat(snap.byScore().get(1).pAcceptable()).isNull();
        assertThat(snap.byConfidence().get(9).acceptable()).isEqualTo(1);
        assertThat(snap.byConfidence().get(9).notAcceptable()).isEqualTo(1);
        assertThat(snap.byConfidence().get(3).notAcceptable()).isEqualTo(1);
        assertThat(snap.byConfidence().stream()
                        .mapToLong(b -> b.acceptable() + b.notAcceptable() + b.errors())
                        .sum())
                .isEqualTo(3);
    }

    @Test
    void wilsonBoundsMatchKnownValues() {
        // 8 of 10 at 95 %: [0.4902, 0.9433]
        double[] w = ShadowStatistics.wilson(8, 10);
        assertThat(w[0]).isCloseTo(0.4902, within(1e-4));
        assertThat(w[1]).isCloseTo(0.9433, within(1e-4));
        // all successes: the upper bound is 1, the lower bound is below it
        double[] all = ShadowStatistics.wilson(20, 20);
        assertThat(all[1]).isEqualTo(1.0);
        assertThat(all[0]).isCloseTo(0.8389, within(1e-4));
        double[] none = ShadowStatistics.wilson(0, 5);
        assertThat(none[0]).isEqualTo(0.0);
        assertThat(none[1]).isCloseTo(0.4345, within(1e-4));
    }
}
