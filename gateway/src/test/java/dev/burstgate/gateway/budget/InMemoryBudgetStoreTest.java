package dev.burstgate.gateway.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.burstgate.policies.budget.BudgetState;
import dev.burstgate.policies.cost.Usd;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class InMemoryBudgetStoreTest {

    private final MutableClock clock = new MutableClock("2026-11-29T10:00:00Z");

    private BudgetStore store(Map<String, BudgetLimits> limits) {
        return new InMemoryBudgetStore(t -> limits.getOrDefault(t, BudgetLimits.NONE), clock);
    }

    private static BudgetLimits daily(String usd) {
        return new BudgetLimits(Usd.of(usd), null);
    }

    private static Reservation granted(ReserveResult r) {
        assertThat(r).isInstanceOf(Reservation.class);
        return (Reservation) r;
    }

    @Test
    void grantsWhileSpentPlusReservedFitsTheLimitAndDeniesPastIt() {
        BudgetStore store = store(Map.of("acme", daily("1.00")));
        Reservation a = granted(store.reserve("acme", Usd.of("0.60")).block());
        Reservation b = granted(store.reserve("acme", Usd.of("0.40")).block());
        ReserveResult c = store.reserve("acme", Usd.of("0.000000001")).block();

        assertThat(c).isInstanceOfSatisfying(Denial.class, d -> {
            assertThat(d.period()).isEqualTo(Denial.Period.DAILY);
            assertThat(d.limit()).isEqualTo(Usd.of("1.00"));
            assertThat(d.used()).isEqualTo(Usd.of("1.00"));
            assertThat(d.message()).contains("daily budget of $1.000000");
        });
        assertThat(a.amount()).isEqualTo(Usd.of("0.6"));
        assertThat(b.day()).hasToString("2026-11-29");
        assertThat(b.month()).hasToString("2026-11");
    }

    @Test
    void withoutLimitsEveryReservationIsGranted() {
        BudgetStore store = store(Map.of());
        for (int i = 0; i < 100; i++) {
            granted(store.reserve("free-for-all", Usd.of("1000")).block());
        }
        BudgetView v = store.view("free-for-all").block();
        assertThat(v.daily().reserved()).isEqualTo(Usd.of("100000"));
        assertThat(v.daily().limit()).isNull();
        assertThat(v.daily().fractionUsed()).isNull();
        assertThat(v.state()).isEqualTo(new BudgetState(null, Usd.of("100000"), null, Usd.of("100000")));
    }

    @Test
    void concurrentReservationsNeverPassTheLimit() throws Exception {
        // 50 requests' worth of budget, 16 threads racing 800 reservations.
        BudgetStore store = store(Map.of("acme", daily("9.00")));
        int threads = 16;
        int perThread = 50;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Integer>> results = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            results.add(pool.submit(() -> {
                start.await();
                int granted = 0;
                for (int i = 0; i < perThread; i++) {
                    if (store.reserve("acme", Usd.of("0.18")).block() instanceof Reservation r) {
                        granted++;
                        if (i % 2 == 0) {
                            store.settle(r, Usd.of("0.18")).block();
                        }
                    }
                }
                return granted;
            }));
        }
        start.countDown();
        int granted = 0;
        for (Future<Integer> f : results) {
            granted += f.get();
        }
        pool.shutdown();

        assertThat(granted).isEqualTo(50);
        BudgetView v = store.view("acme").block();
        assertThat(v.daily().committed()).isEqualTo(Usd.of("9.00"));
        assertThat(v.monthly().committed()).isEqualTo(Usd.of("9.00"));
    }

    @Test
    void settleReplacesTheReservationByTheActualCostExactly() {
        BudgetStore store = store(Map.of("acme", daily("1")));
        Reservation r1 = granted(store.reserve("acme", Usd.of("0.5")).block());
        Reservation r2 = granted(store.reserve("acme", Usd.of("0.3")).block());
        store.settle(r1, Usd.of("0.1")).block();
        store.settle(r2, Usd.of("0.2")).block();

        BudgetView v = store.view("acme").block();
        assertThat(v.daily().spent().amount()).isEqualByComparingTo("0.3"); // exactly, not 0.30000000000000004
        assertThat(v.daily().reserved()).isEqualTo(Usd.ZERO);
        assertThat(v.monthly().spent()).isEqualTo(Usd.of("0.3"));
        assertThat(v.daily().fractionUsed()).isEqualByComparingTo("0.3");
    }

    @Test
    void anActualCostAboveTheReservationIsCountedInFull() {
        BudgetStore store = store(Map.of("acme", daily("1")));
        Reservation r = granted(store.reserve("acme", Usd.of("0.18")).block());
        store.settle(r, Usd.of("1.25")).block();

        BudgetView v = store.view("acme").block();
        assertThat(v.daily().spent()).isEqualTo(Usd.of("1.25"));
        assertThat(v.state().exhausted()).isTrue();
        assertThat(store.reserve("acme", Usd.ZERO).block()).isInstanceOf(Denial.class);
    }

    @Test
    void releaseGivesEverythingBack() {
        BudgetStore store = store(Map.of("acme", daily("1.10")));
        Reservation r = granted(store.reserve("acme", Usd.of("1.10")).block());
        assertThat(store.reserve("acme", Usd.of("0.18")).block()).isInstanceOf(Denial.class);
        store.release(r).block();

        BudgetView v = store.view("acme").block();
        assertThat(v.daily().spent()).isEqualTo(Usd.ZERO);
        assertThat(v.daily().reserved()).isEqualTo(Usd.ZERO);
        granted(store.reserve("acme", Usd.of("1.10")).block());
    }

    @Test
    void aSecondSettleOrReleaseOfTheSameReservationCountsNothing() {
        BudgetStore store = store(Map.of());
        Reservation r = granted(store.reserve("acme", Usd.of("0.18")).block());
        store.settle(r, Usd.of("0.18")).block();
        store.settle(r, Usd.of("0.18")).block();
        store.release(r).block();

        BudgetView v = store.view("acme").block();
        assertThat(v.daily().spent()).isEqualTo(Usd.of("0.18"));
        assertThat(v.daily().reserved()).isEqualTo(Usd.ZERO);
    }

    @Test
    void theMonthlyLimitRefusesEvenWhenTheDayHasRoom() {
        BudgetStore store = store(Map.of("acme", new BudgetLimits(Usd.of("5"), Usd.of("6"))));
        store.settle(granted(store.reserve("acme", Usd.of("4")).block()), Usd.of("4"))
                .block();
        clock.advance(Duration.ofDays(1));
        store.settle(granted(store.reserve("acme", Usd.of("1.5")).block()), Usd.of("1.5"))
                .block();

        assertThat(store.reserve("acme", Usd.of("1")).block()).isInstanceOfSatisfying(Denial.class, d -> {
            assertThat(d.period()).isEqualTo(Denial.Period.MONTHLY);
            assertThat(d.used()).isEqualTo(Usd.of("5.5"));
        });
        granted(store.reserve("acme", Usd.of("0.5")).block());
    }

    @Test
    void aNewUtcDayStartsFromZeroWhileTheMonthCarriesOn() {
        BudgetStore store = store(Map.of("acme", new BudgetLimits(Usd.of("1"), Usd.of("100"))));
        clock.set("2026-11-29T23:59:59Z");
        store.settle(granted(store.reserve("acme", Usd.of("1")).block()), Usd.of("1"))
                .block();
        assertThat(store.reserve("acme", Usd.of("0.01")).block()).isInstanceOf(Denial.class);

        clock.set("2026-11-30T00:00:00Z");
        BudgetView v = store.view("acme").block();
        assertThat(v.daily().period()).isEqualTo("2026-11-30");
        assertThat(v.daily().spent()).isEqualTo(Usd.ZERO);
        assertThat(v.monthly().spent()).isEqualTo(Usd.of("1"));
        granted(store.reserve("acme", Usd.of("1")).block());

        clock.set("2026-12-01T00:00:00Z");
        BudgetView december = store.view("acme").block();
        assertThat(december.monthly().period()).isEqualTo("2026-12");
        assertThat(december.monthly().committed()).isEqualTo(Usd.ZERO);
    }

    @Test
    void aReservationSettlesAgainstTheDayAndMonthItWasTakenIn() {
        BudgetStore store = store(Map.of("acme", daily("2")));
        clock.set("2026-11-30T23:59:50Z");
        Reservation r = granted(store.reserve("acme", Usd.of("1.10")).block());

        clock.set("2026-12-01T00:00:10Z");
        granted(store.reserve("acme", Usd.of("2")).block()); // a new day and month: the old reservation does not count
        store.settle(r, Usd.of("1.10")).block();

        BudgetView v = store.view("acme").block();
        assertThat(v.daily().spent()).isEqualTo(Usd.ZERO);
        assertThat(v.daily().reserved()).isEqualTo(Usd.of("2"));
        assertThat(v.monthly().spent()).isEqualTo(Usd.ZERO);
        clock.set("2026-11-30T23:59:59Z");
        BudgetView before = store.view("acme").block();
        assertThat(before.daily().spent()).isEqualTo(Usd.of("1.10"));
        assertThat(before.daily().reserved()).isEqualTo(Usd.ZERO);
        assertThat(before.monthly().spent()).isEqualTo(Usd.of("1.10"));
    }

    @Test
    void anOverrideReplacesTheConfiguredLimitsAndNullMeansNone() {
        BudgetStore store = store(Map.of("acme", daily("1")));
        store.setLimits("acme", new BudgetLimits(null, Usd.of("0.5"))).block();

        assertThat(store.limits("acme").block()).isEqualTo(new BudgetLimits(null, Usd.of("0.5")));
        granted(store.reserve("acme", Usd.of("0.5")).block());
        assertThat(store.reserve("acme", Usd.of("0.01")).block())
                .isInstanceOfSatisfying(
                        Denial.class, d -> assertThat(d.period()).isEqualTo(Denial.Period.MONTHLY));
        assertThat(store.limits("other").block()).isEqualTo(BudgetLimits.NONE);
    }

    @Test
    void anOverLimitReservationIsGrantedAndCounted() {
        BudgetStore store = store(Map.of("acme", daily("0.02")));
        store.settle(granted(store.reserve("acme", Usd.of("0.02")).block()), Usd.of("0.02"))
                .block();
        Reservation r = store.reserveOverLimit("acme", Usd.of("0.02")).block();
        store.settle(r, Usd.of("0.02")).block();

        BudgetView v = store.view("acme").block();
        assertThat(v.daily().spent()).isEqualTo(Usd.of("0.04"));
        assertThat(v.daily().fractionUsed()).isEqualByComparingTo("2");
    }

    @Test
    void aZeroLimitRefusesAnySpend() {
        BudgetStore store = store(Map.of("acme", daily("0")));
        assertThat(store.reserve("acme", Usd.of("0.000000001")).block()).isInstanceOf(Denial.class);
        assertThat(store.state("acme").block().exhausted()).isTrue();
    }

    @Test
    void aCostFinerThanANanoDollarIsRoundedUp() {
        BudgetStore store = store(Map.of());
        Reservation r = granted(store.reserve("acme", Usd.of("0.0000000001")).block());
        assertThat(r.nanos()).isEqualTo(1);
        store.settle(r, Usd.of("0.0000000015")).block();
        assertThat(store.view("acme").block().daily().spent()).isEqualTo(Usd.of("0.000000002"));
    }

    @Test
    void negativeAmountsAreRefusedAsProgrammingErrors() {
        BudgetStore store = store(Map.of());
        assertThatThrownBy(() -> store.reserve("acme", Usd.of("-1")).block())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-1");
    }

    @Test
    void limitsMustBeCountableExactly() {
        assertThatThrownBy(() -> new BudgetLimits(Usd.of("0.0000000001"), null))
                .hasMessage("daily must have at most 9 decimals but was 0.0000000001");
        assertThatThrownBy(() -> new BudgetLimits(null, Usd.of("1000000.01")))
                .hasMessageContaining("monthly must be at most 1000000");
        assertThatThrownBy(() -> new BudgetLimits(Usd.of("-1"), null)).hasMessageContaining("daily must be >= 0");
    }
}
