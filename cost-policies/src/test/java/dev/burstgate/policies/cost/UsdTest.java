package dev.burstgate.policies.cost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class UsdTest {

    @Test
    void addsTenCentsTenTimesToExactlyOneDollar() {
        Usd sum = Usd.ZERO;
        for (int i = 0; i < 10; i++) {
            sum = sum.plus(Usd.of("0.10"));
        }
        assertThat(sum).isEqualTo(Usd.of("1"));
        assertThat(sum.toString()).isEqualTo("1.000000");
    }

    @Test
    void equalAmountsWithDifferentScalesAreEqualAndHashAlike() {
        assertThat(Usd.of("0.10")).isEqualTo(Usd.of("0.1")).hasSameHashCodeAs(Usd.of("0.1000"));
    }

    @Test
    void rendersAtLeastSixDecimalsAndMoreWhenNeeded() {
        assertThat(Usd.of("1.1").toString()).isEqualTo("1.100000");
        assertThat(Usd.of("0.00000015").toString()).isEqualTo("0.00000015");
        assertThat(Usd.of("-0.5").toString()).isEqualTo("-0.500000");
    }

    @Test
    void pricesTokensPerMillionExactly() {
        assertThat(Usd.of("0.15").perMillionTimes(1)).isEqualTo(Usd.of("0.00000015"));
        assertThat(Usd.of("2.50").perMillionTimes(1_000_000)).isEqualTo(Usd.of("2.5"));
        assertThat(Usd.of("3").perMillionTimes(333_333)).isEqualTo(Usd.of("0.999999"));
    }

    @Test
    void convertsMicroDollarsBothWays() {
        assertThat(Usd.ofMicros(180_000)).isEqualTo(Usd.of("0.18"));
        assertThat(Usd.of("0.0000015").toMicrosRounded()).isEqualTo(2);
        assertThat(Usd.of("1.10").toMicrosRounded()).isEqualTo(1_100_000);
    }

    @Test
    void multipliesByWholeCounts() {
        assertThat(Usd.of("0.02").times(13_819)).isEqualTo(Usd.of("276.38"));
    }

    @Test
    void rejectsTextThatIsNotAnAmountNamingTheValue() {
        assertThatThrownBy(() -> Usd.of("1,10"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1,10");
    }
}
