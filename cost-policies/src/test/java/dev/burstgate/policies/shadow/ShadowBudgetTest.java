package dev.burstgate.policies.shadow;

import static org.assertj.core.api.Assertions.assertThat;

import dev.burstgate.policies.cost.Usd;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ShadowBudgetTest {

    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2030-03-01T23:00:00Z"));
    private final InstantSource clock = now::get;

    @Test
    void reservesUntilTheNextCallCouldPassTheLimit() {
        ShadowBudget b = new ShadowBudget(Usd.of("3.30"), clock);
        Usd price = Usd.of("1.10");
        for (int i = 0; i < 3; i++) {
            ShadowBudget.Reservation r = b.reserve(price);
            assertThat(r).as("call %d", i).isNotNull();
            b.settle(r, price);
        }
        assertThat(b.reserve(price)).isNull();
        assertThat(b.reserve(Usd.ZERO)).isNotNull();
        assertThat(b.spentToday()).isEqualTo(Usd.of("3.30"));
    }

    @Test
    void openReservationsCountAgainstTheLimitAndSettleAtTheirActualCost() {
        ShadowBudget b = new ShadowBudget(Usd.of("1.00"), clock);
        ShadowBudget.Reservation first = b.reserve(Usd.of("0.60"));
        assertThat(b.reserve(Usd.of("0.50"))).isNull();
        b.settle(first, Usd.of("0.20"));
        assertThat(b.reserved()).isEqualTo(Usd.ZERO);
        assertThat(b.spentToday()).isEqualTo(Usd.of("0.20"));
        assertThat(b.reserve(Usd.of("0.80"))).isNotNull();
    }

    @Test
    void aNewUtcDayStartsFromNothingAndRestoreCountsOnlyToday() {
        ShadowBudget b = new ShadowBudget(Usd.of("1"), clock);
        LocalDate today = LocalDate.ofInstant(now.get(), ZoneOffset.UTC);
        b.restore(today.minusDays(1), Usd.of("5"));
        b.restore(today, Usd.of("0.75"));
        assertThat(b.spentToday()).isEqualTo(Usd.of("0.75"));
        assertThat(b.reserve(Usd.of("0.5"))).isNull();
        now.set(now.get().plus(Duration.ofHours(2)));
        assertThat(b.day()).isEqualTo(today.plusDays(1));
        assertThat(b.spentToday()).isEqualTo(Usd.ZERO);
        assertThat(b.reserve(Usd.of("1"))).isNotNull();
    }
}
