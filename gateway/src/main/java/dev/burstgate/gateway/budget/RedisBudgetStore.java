package dev.burstgate.gateway.budget;

import dev.burstgate.policies.cost.Usd;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.LocalDate;
import java.time.YearMonth;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * A {@link BudgetStore} in Redis, shared by every gateway instance configured with the same Redis: reserve, settle
 * and state are Lua scripts ({@link RedisScripts}), each atomic across instances.
 *
 * <p>Keys, with {@code P} = {@code burstgate.budgets.redis-key-prefix} (default {@code burstgate:budget}):
 * <ul>
 *   <li>{@code P:{tenant}:day:2026-11-29}, {@code P:{tenant}:month:2026-11} — hashes with {@code spent} and
 *       {@code reserved} in nano-dollars; they expire {@code burstgate.budgets.retention} after their period ends;
 *   <li>{@code P:{tenant}:limits} — the admin API's limit overrides, fields {@code daily} and {@code monthly}, each
 *       nano-dollars or {@code none} (no limit); without a field the configured limit applies;
 *   <li>{@code P:{tenant}:reservations} and {@code P:{tenant}:leases} — open reservations and their lease deadlines
 *       ({@code burstgate.budgets.reservation-timeout}), so a reservation of a gateway that died is given back.
 * </ul>
 * Every call fails after {@code burstgate.budgets.redis-timeout}; a failed call is an error for the caller, never a
 * silent grant.
 */
final class RedisBudgetStore implements BudgetStore {

    private final ReactiveStringRedisTemplate redis;
    private final Function<String, BudgetLimits> configured;
    private final InstantSource clock;
    private final String prefix;
    private final Duration retention;
    private final Duration lease;
    private final Duration timeout;

    RedisBudgetStore(
            ReactiveStringRedisTemplate redis,
            Function<String, BudgetLimits> configured,
            InstantSource clock,
            BudgetProperties props) {
        this.redis = Objects.requireNonNull(redis, "redis");
        this.configured = Objects.requireNonNull(configured, "configured");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.prefix = props.redisKeyPrefix();
        this.retention = props.retention();
        this.lease = props.reservationTimeout();
        this.timeout = props.redisTimeout();
    }

    /** {@code P:{tenant}:} — the common part of a tenant's keys; the braces make it a Redis Cluster hash tag. */
    String tenantPrefix(String tenant) {
        return prefix + ":{" + tenant + "}:";
    }

    String dayKey(String tenant, LocalDate day) {
        return tenantPrefix(tenant) + "day:" + day;
    }

    String monthKey(String tenant, YearMonth month) {
        return tenantPrefix(tenant) + "month:" + month;
    }

    String limitsKey(String tenant) {
        return tenantPrefix(tenant) + "limits";
    }

    private String reservationsKey(String tenant) {
        return tenantPrefix(tenant) + "reservations";
    }

    private String leasesKey(String tenant) {
        return tenantPrefix(tenant) + "leases";
    }

    @Override
    public Mono<BudgetView> view(String tenant) {
        return Mono.defer(() -> {
            Instant now = clock.instant();
            LocalDate day = Periods.day(now);
            YearMonth month = Periods.month(now);
            List<String> keys = List.of(
                    dayKey(tenant, day),
                    monthKey(tenant, month),
                    limitsKey(tenant),
                    reservationsKey(tenant),
                    leasesKey(tenant));
            List<String> args = List.of(Long.toString(now.toEpochMilli()), tenantPrefix(tenant));
            return one(redis.execute(RedisScripts.STATE, keys, args)).map(r -> {
                BudgetLimits conf = configured.apply(tenant);
                Usd daily = limit(number(r, 4), conf.daily());
                Usd monthly = limit(number(r, 5), conf.monthly());
                return new BudgetView(
                        tenant,
                        new BudgetView.PeriodView(
                                day.toString(), daily, NanoUsd.usd(number(r, 0)), NanoUsd.usd(number(r, 1))),
                        new BudgetView.PeriodView(
                                month.toString(), monthly, NanoUsd.usd(number(r, 2)), NanoUsd.usd(number(r, 3))));
            });
        });
    }

    private static @Nullable Usd limit(long override, @Nullable Usd configured) {
        if (override == -2) {
            return configured;
        }
        return override == -1 ? null : NanoUsd.usd(override);
    }

    @Override
    public Mono<ReserveResult> reserve(String tenant, Usd amount) {
        return take(tenant, amount, false);
    }

    @Override
    public Mono<Reservation> reserveOverLimit(String tenant, Usd amount) {
        return take(tenant, amount, true).cast(Reservation.class);
    }

    private Mono<ReserveResult> take(String tenant, Usd amount, boolean overLimit) {
        return Mono.defer(() -> {
            if (amount.isNegative()) {
                return Mono.error(new IllegalArgumentException("amount must be >= 0 but was " + amount));
            }
            long nanos = NanoUsd.ceil(amount);
            Instant now = clock.instant();
            LocalDate day = Periods.day(now);
            YearMonth month = Periods.month(now);
            BudgetLimits conf = configured.apply(tenant);
            String id = InMemoryBudgetStore.newId();
            List<String> keys = List.of(
                    dayKey(tenant, day),
                    monthKey(tenant, month),
                    limitsKey(tenant),
                    reservationsKey(tenant),
                    leasesKey(tenant));
            List<String> args = List.of(
                    Long.toString(now.toEpochMilli()),
                    tenantPrefix(tenant),
                    Long.toString(nanos),
                    conf.daily() == null ? "" : Long.toString(NanoUsd.exact(conf.daily())),
                    conf.monthly() == null ? "" : Long.toString(NanoUsd.exact(conf.monthly())),
                    Long.toString(Periods.endOf(day, retention).toEpochMilli()),
                    Long.toString(Periods.endOf(month, retention).toEpochMilli()),
                    id,
                    Long.toString(now.plus(lease).toEpochMilli()),
                    overLimit ? "1" : "0",
                    day.toString(),
                    month.toString(),
                    Long.toString(lease.plus(retention).toMillis()));
            return one(redis.execute(RedisScripts.RESERVE, keys, args)).map(r -> {
                if (number(r, 0) == 1) {
                    return new Reservation(tenant, id, nanos, day, month);
                }
                Denial.Period period = number(r, 1) == 1 ? Denial.Period.DAILY : Denial.Period.MONTHLY;
                return new Denial(tenant, amount, period, NanoUsd.usd(number(r, 2)), NanoUsd.usd(number(r, 3)));
            });
        });
    }

    @Override
    public Mono<Void> settle(Reservation reservation, Usd actualCost) {
        return Mono.defer(() -> {
            if (actualCost.isNegative()) {
                return Mono.error(new IllegalArgumentException("actualCost must be >= 0 but was " + actualCost));
            }
            String tenant = reservation.tenant();
            List<String> keys = List.of(
                    dayKey(tenant, reservation.day()),
                    monthKey(tenant, reservation.month()),
                    reservationsKey(tenant),
                    leasesKey(tenant));
            List<String> args = List.of(
                    reservation.id(),
                    Long.toString(reservation.nanos()),
                    Long.toString(NanoUsd.ceil(actualCost)),
                    Long.toString(Periods.endOf(reservation.day(), retention).toEpochMilli()),
                    Long.toString(Periods.endOf(reservation.month(), retention).toEpochMilli()));
            return redis.execute(RedisScripts.SETTLE, keys, args)
                    .timeout(timeout)
                    .then();
        });
    }

    @Override
    public Mono<Void> setLimits(String tenant, BudgetLimits limits) {
        return Mono.defer(() -> redis.opsForHash()
                .putAll(limitsKey(tenant), Map.of("daily", field(limits.daily()), "monthly", field(limits.monthly())))
                .timeout(timeout)
                .then());
    }

    private static String field(@Nullable Usd limit) {
        return limit == null ? "none" : Long.toString(NanoUsd.exact(limit));
    }

    /**
     * The script's one reply, delivered on the parallel scheduler: what follows (routing, the attempt) must not run on
     * the Redis connection's I/O thread, which every request shares.
     */
    @SuppressWarnings("rawtypes")
    private Mono<List<?>> one(Flux<List> replies) {
        return replies.next()
                .<List<?>>map(l -> l)
                .switchIfEmpty(Mono.error(() -> new IllegalStateException("budget script returned nothing")))
                .timeout(timeout)
                .publishOn(Schedulers.parallel());
    }

    private static long number(List<?> reply, int index) {
        Object v = reply.get(index);
        if (v instanceof Number n) {
            return n.longValue();
        }
        return Long.parseLong(String.valueOf(v));
    }
}
