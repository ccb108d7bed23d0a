package dev.burstgate.gateway.budget;

import static org.assertj.core.api.Assertions.assertThat;

import dev.burstgate.gateway.testsupport.DataServices;
import dev.burstgate.policies.cost.Usd;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

/**
 * {@link RedisBudgetStore} on a real Redis: the in-memory store's semantics, atomic across store instances.
 *
 * <p>Redis expires the budget keys by its own clock, so the store's clock starts from the real present (today, UTC,
 * at 10:00) and tests that cross a period boundary move it relative to that start, never to a fixed date: keys of a
 * day already more than the retention in the past would be dropped by Redis the moment they are written.
 */
@Testcontainers
class RedisBudgetStoreIT {

    @Container
    static final GenericContainer<?> REDIS = DataServices.redis();

    static final List<LettuceConnectionFactory> factories = new ArrayList<>();
    static RedisClient client;
    static StatefulRedisConnection<String, String> connection;
    static RedisCommands<String, String> raw;

    final MutableClock clock = MutableClock.todayAt(LocalTime.of(10, 0));
    /** Each test uses its own tenant, so tests share the container without seeing each other. */
    final String tenant = "t" + Long.toHexString(ThreadLocalRandom.current().nextLong());

    static final BudgetProperties PROPS = new BudgetProperties(
            256,
            Duration.ofMinutes(15),
            Duration.ofDays(2),
            Duration.ofSeconds(5),
            "burstgate:budget",
            Duration.ofSeconds(15));

    @BeforeAll
    static void connect() {
        client = RedisClient.create(DataServices.redisUri(REDIS));
        connection = client.connect();
        raw = connection.sync();
    }

    @AfterAll
    static void disconnect() {
        connection.close();
        client.shutdown();
        factories.forEach(LettuceConnectionFactory::destroy);
    }

    /** A store with its own Redis connection, as a separate gateway instance would have. */
    RedisBudgetStore store(BudgetLimits configured, BudgetProperties props) {
        LettuceConnectionFactory f = new LettuceConnectionFactory(
                new RedisStandaloneConfiguration(REDIS.getHost(), REDIS.getMappedPort(DataServices.REDIS_PORT)));
        f.afterPropertiesSet();
        f.start();
        factories.add(f);
        return new RedisBudgetStore(
                new ReactiveStringRedisTemplate(f),
                t -> t.equals(tenant) ? configured : BudgetLimits.NONE,
                clock,
                props);
    }

    RedisBudgetStore store(BudgetLimits configured) {
        return store(configured, PROPS);
    }

    static BudgetLimits daily(String usd) {
        return new BudgetLimits(Usd.of(usd), null);
    }

    static Instant utcMidnight(LocalDate day) {
        return day.atStartOfDay(ZoneOffset.UTC).toInstant();
    }

    static Reservation granted(ReserveResult r) {
        assertThat(r).isInstanceOf(Reservation.class);
        return (Reservation) r;
    }

    @Test
    void grantsWhileSpentPlusReservedFitsTheLimitAndDeniesPastIt() {
        RedisBudgetStore store = store(daily("1.00"));
        granted(store.reserve(tenant, Usd.of("0.60")).block());
        granted(store.reserve(tenant, Usd.of("0.40")).block());

        assertThat(store.reserve(tenant, Usd.of("0.000000001")).block()).isInstanceOfSatisfying(Denial.class, d -> {
            assertThat(d.period()).isEqualTo(Denial.Period.DAILY);
            assertThat(d.limit()).isEqualTo(Usd.of("1"));
            assertThat(d.used()).isEqualTo(Usd.of("1"));
        });
        BudgetView v = store.view(tenant).block();
        assertThat(v.daily().reserved()).isEqualTo(Usd.of("1"));
        assertThat(v.daily().fractionUsed()).isEqualByComparingTo("1");
        assertThat(v.state().exhausted()).isTrue();
    }

    @Test
    void withoutLimitsEveryReservationIsGranted() {
        RedisBudgetStore store = store(BudgetLimits.NONE);
        for (int i = 0; i < 20; i++) {
            granted(store.reserve(tenant, Usd.of("1000")).block());
        }
        assertThat(store.view(tenant).block().monthly().reserved()).isEqualTo(Usd.of("20000"));
    }

    @Test
    void concurrentReservationsFromTwoInstancesNeverPassTheLimit() {
        RedisBudgetStore a = store(daily("9.00"));
        RedisBudgetStore b = store(daily("9.00"));
        List<ReserveResult> results = Flux.range(0, 400)
                .flatMap(
                        i -> (i % 2 == 0 ? a : b)
                                .reserve(tenant, Usd.of("0.18"))
                                .subscribeOn(Schedulers.parallel()),
                        64)
                .collectList()
                .block();

        assertThat(results).filteredOn(r -> r instanceof Reservation).hasSize(50);
        assertThat(results).filteredOn(r -> r instanceof Denial).hasSize(350);
        assertThat(a.view(tenant).block().daily().reserved()).isEqualTo(Usd.of("9.00"));
    }

    @Test
    void settleReplacesTheReservationByTheActualCostExactlyAndReleaseGivesItBack() {
        RedisBudgetStore store = store(daily("1"));
        Reservation r1 = granted(store.reserve(tenant, Usd.of("0.5")).block());
        Reservation r2 = granted(store.reserve(tenant, Usd.of("0.3")).block());
        Reservation r3 = granted(store.reserve(tenant, Usd.of("0.2")).block());
        store.settle(r1, Usd.of("0.1")).block();
        store.settle(r2, Usd.of("0.2")).block();
        store.release(r3).block();

        BudgetView v = store.view(tenant).block();
        assertThat(v.daily().spent()).isEqualTo(Usd.of("0.3"));
        assertThat(v.daily().reserved()).isEqualTo(Usd.ZERO);
        assertThat(v.monthly().spent()).isEqualTo(Usd.of("0.3"));
        assertThat(raw.hlen(store.tenantPrefix(tenant) + "reservations")).isZero();
        assertThat(raw.zcard(store.tenantPrefix(tenant) + "leases")).isZero();
    }

    @Test
    void countersLiveUnderTheDocumentedKeysAndExpireAfterTheirPeriodEnds() {
        RedisBudgetStore store = store(daily("5"));
        store.settle(granted(store.reserve(tenant, Usd.of("1.10")).block()), Usd.of("1.10"))
                .block();

        LocalDate today = clock.date();
        YearMonth thisMonth = YearMonth.from(today);
        String day = "burstgate:budget:{" + tenant + "}:day:" + today; // e.g. ...:day:2026-11-29
        String month = "burstgate:budget:{" + tenant + "}:month:" + thisMonth; // e.g. ...:month:2026-11
        assertThat(raw.hgetall(day)).isEqualTo(Map.of("spent", "1100000000", "reserved", "0"));
        assertThat(raw.hgetall(month)).isEqualTo(Map.of("spent", "1100000000", "reserved", "0"));
        // end of the period + 2 days of retention
        assertThat(raw.pexpiretime(day))
                .isEqualTo(utcMidnight(today.plusDays(1 + 2)).toEpochMilli());
        assertThat(raw.pexpiretime(month))
                .isEqualTo(utcMidnight(thisMonth.plusMonths(1).atDay(1).plusDays(2))
                        .toEpochMilli());
        granted(store.reserve(tenant, Usd.of("0.18"))
                .block()); // open: its bookkeeping outlives its lease, then expires
        long bookkeeping = Duration.ofMinutes(15).plus(Duration.ofDays(2)).toMillis();
        assertThat(raw.pttl(store.tenantPrefix(tenant) + "leases")).isBetween(bookkeeping - 60_000, bookkeeping);
        assertThat(raw.pttl(store.tenantPrefix(tenant) + "reservations")).isBetween(bookkeeping - 60_000, bookkeeping);
    }

    @Test
    void aLimitOverrideIsSharedByEveryInstance() {
        RedisBudgetStore a = store(daily("100"));
        RedisBudgetStore b = store(daily("100"));
        a.setLimits(tenant, new BudgetLimits(Usd.of("0.5"), null)).block();

        assertThat(raw.hgetall(a.limitsKey(tenant))).isEqualTo(Map.of("daily", "500000000", "monthly", "none"));
        assertThat(b.limits(tenant).block()).isEqualTo(new BudgetLimits(Usd.of("0.5"), null));
        granted(b.reserve(tenant, Usd.of("0.5")).block());
        assertThat(b.reserve(tenant, Usd.of("0.01")).block()).isInstanceOf(Denial.class);

        a.setLimits(tenant, BudgetLimits.NONE).block();
        assertThat(b.view(tenant).block().daily().limit()).isNull();
        granted(b.reserve(tenant, Usd.of("1000")).block());
    }

    @Test
    void theMonthlyLimitRefusesEvenWhenTheDayHasRoom() {
        // Two consecutive days of one month whose keys Redis still keeps: today and tomorrow, or yesterday and today on
        // the last day of a month (yesterday's keys live until two days after today).
        LocalDate today = clock.date();
        if (today.getMonth() != today.plusDays(1).getMonth()) {
            clock.advance(Duration.ofDays(-1));
        }
        RedisBudgetStore store = store(new BudgetLimits(Usd.of("5"), Usd.of("6")));
        store.settle(granted(store.reserve(tenant, Usd.of("4")).block()), Usd.of("4"))
                .block();
        clock.advance(Duration.ofDays(1));
        store.settle(granted(store.reserve(tenant, Usd.of("1.5")).block()), Usd.of("1.5"))
                .block();

        assertThat(store.reserve(tenant, Usd.of("1")).block()).isInstanceOfSatisfying(Denial.class, d -> {
            assertThat(d.period()).isEqualTo(Denial.Period.MONTHLY);
            assertThat(d.used()).isEqualTo(Usd.of("5.5"));
        });
    }

    @Test
    void aReservationSettlesAgainstTheDayAndMonthItWasTakenIn() {
        RedisBudgetStore store = store(daily("2"));
        // Forward from today to the end of this month, so the keys of the period left behind are still kept by Redis.
        YearMonth thisMonth = YearMonth.from(clock.date());
        Instant nextMonth = utcMidnight(thisMonth.plusMonths(1).atDay(1));
        clock.set(nextMonth.minusSeconds(10));
        Reservation r = granted(store.reserve(tenant, Usd.of("1.10")).block());

        clock.set(nextMonth.plusSeconds(10));
        granted(store.reserve(tenant, Usd.of("2")).block());
        store.settle(r, Usd.of("1.10")).block();

        BudgetView v = store.view(tenant).block();
        assertThat(v.daily().period())
                .isEqualTo(thisMonth.plusMonths(1).atDay(1).toString());
        assertThat(v.daily().spent()).isEqualTo(Usd.ZERO);
        assertThat(v.daily().reserved()).isEqualTo(Usd.of("2"));
        assertThat(raw.hgetall(store.dayKey(tenant, thisMonth.atEndOfMonth())))
                .isEqualTo(Map.of("spent", "1100000000", "reserved", "0"));
        assertThat(raw.hgetall(store.monthKey(tenant, thisMonth)))
                .isEqualTo(Map.of("spent", "1100000000", "reserved", "0"));
    }

    @Test
    void aReservationWhoseLeasePassedIsGivenBackAndALateSettleOnlyAddsTheSpend() {
        RedisBudgetStore dead = store(
                daily("1.20"),
                new BudgetProperties(
                        256,
                        Duration.ofMinutes(1),
                        Duration.ofDays(2),
                        Duration.ofSeconds(5),
                        "burstgate:budget",
                        Duration.ofSeconds(15)));
        Reservation held = granted(dead.reserve(tenant, Usd.of("1.10")).block()); // its gateway dies holding it
        assertThat(dead.reserve(tenant, Usd.of("0.18")).block()).isInstanceOf(Denial.class);

        clock.advance(Duration.ofMinutes(2));
        RedisBudgetStore alive = store(daily("1.20"));
        assertThat(alive.view(tenant).block().daily().reserved()).isEqualTo(Usd.ZERO);
        granted(alive.reserve(tenant, Usd.of("0.18")).block());

        dead.settle(held, Usd.of("0.02")).block();
        BudgetView v = alive.view(tenant).block();
        assertThat(v.daily().spent()).isEqualTo(Usd.of("0.02"));
        assertThat(v.daily().reserved()).isEqualTo(Usd.of("0.18"));
    }

    @Test
    void anOverLimitReservationIsGrantedAndCounted() {
        RedisBudgetStore store = store(daily("0.02"));
        store.settle(granted(store.reserve(tenant, Usd.of("0.02")).block()), Usd.of("0.02"))
                .block();
        Reservation r = store.reserveOverLimit(tenant, Usd.of("0.02")).block();
        store.settle(r, Usd.of("0.02")).block();

        assertThat(store.view(tenant).block().daily().spent()).isEqualTo(Usd.of("0.04"));
    }

    @Test
    void aZeroReservationIsGrantedWithinTheLimitAndReleasedCleanly() {
        RedisBudgetStore store = store(daily("1"));
        Reservation r = granted(store.reserve(tenant, Usd.ZERO).block());
        store.release(r).block();
        BudgetView v = store.view(tenant).block();
        assertThat(v.daily().committed()).isEqualTo(Usd.ZERO);
        assertThat(raw.hlen(store.tenantPrefix(tenant) + "reservations")).isZero();
    }
}
