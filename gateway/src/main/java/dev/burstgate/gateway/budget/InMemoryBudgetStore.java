package dev.burstgate.gateway.budget;

import dev.burstgate.policies.cost.Usd;
import java.time.Instant;
import java.time.InstantSource;
import java.time.LocalDate;
import java.time.YearMonth;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * The default {@link BudgetStore}: counters in this process, one lock per tenant, so each tenant's reserve, settle
 * and release are atomic and tenants do not contend. A period's counters are dropped once a later period has begun
 * and nothing is reserved in them any more. Nothing survives a restart and nothing is shared between instances: a
 * deployment of several gateways configures Redis ({@link RedisBudgetStore}).
 */
final class InMemoryBudgetStore implements BudgetStore {

    private static final Logger log = LoggerFactory.getLogger(InMemoryBudgetStore.class);

    private final Function<String, BudgetLimits> configured;
    private final InstantSource clock;
    private final ConcurrentMap<String, Account> accounts = new ConcurrentHashMap<>();

    InMemoryBudgetStore(Function<String, BudgetLimits> configured, InstantSource clock) {
        this.configured = Objects.requireNonNull(configured, "configured");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public Mono<BudgetView> view(String tenant) {
        return Mono.fromSupplier(() -> {
            Instant now = clock.instant();
            LocalDate day = Periods.day(now);
            YearMonth month = Periods.month(now);
            Account a = account(tenant);
            synchronized (a) {
                BudgetLimits limits = limits(tenant, a);
                Counter d = a.days.getOrDefault(day, Counter.EMPTY);
                Counter m = a.months.getOrDefault(month, Counter.EMPTY);
                return new BudgetView(
                        tenant,
                        new BudgetView.PeriodView(
                                day.toString(), limits.daily(), NanoUsd.usd(d.spent), NanoUsd.usd(d.reserved)),
                        new BudgetView.PeriodView(
                                month.toString(), limits.monthly(), NanoUsd.usd(m.spent), NanoUsd.usd(m.reserved)));
            }
        });
    }

    @Override
    public Mono<ReserveResult> reserve(String tenant, Usd amount) {
        return Mono.fromSupplier(() -> take(tenant, amount, false));
    }

    @Override
    public Mono<Reservation> reserveOverLimit(String tenant, Usd amount) {
        return Mono.fromSupplier(() -> (Reservation) take(tenant, amount, true));
    }

    private ReserveResult take(String tenant, Usd amount, boolean overLimit) {
        long nanos = NanoUsd.ceil(requireNonNegative(amount));
        Instant now = clock.instant();
        LocalDate day = Periods.day(now);
        YearMonth month = Periods.month(now);
        Account a = account(tenant);
        synchronized (a) {
            a.prune(day, month);
            Counter d = a.days.computeIfAbsent(day, k -> new Counter());
            Counter m = a.months.computeIfAbsent(month, k -> new Counter());
            if (!overLimit) {
                BudgetLimits limits = limits(tenant, a);
                Denial denied = check(tenant, amount, Denial.Period.DAILY, limits.daily(), d, nanos);
                if (denied == null) {
                    denied = check(tenant, amount, Denial.Period.MONTHLY, limits.monthly(), m, nanos);
                }
                if (denied != null) {
                    return denied;
                }
            }
            d.reserved += nanos;
            m.reserved += nanos;
            Reservation r = new Reservation(tenant, newId(), nanos, day, month);
            a.open.add(r.id());
            return r;
        }
    }

    private static @Nullable Denial check(
            String tenant, Usd amount, Denial.Period period, @Nullable Usd limit, Counter c, long nanos) {
        if (limit == null) {
            return null;
        }
        long used = c.spent + c.reserved;
        return used + nanos > NanoUsd.exact(limit)
                ? new Denial(tenant, amount, period, limit, NanoUsd.usd(used))
                : null;
    }

    @Override
    public Mono<Void> settle(Reservation reservation, Usd actualCost) {
        return Mono.fromRunnable(() -> {
            long actual = NanoUsd.ceil(requireNonNegative(actualCost));
            Account a = account(reservation.tenant());
            synchronized (a) {
                if (!a.open.remove(reservation.id())) {
                    log.warn(
                            "budget reservation {} of tenant {} was already settled or released; ignored",
                            reservation.id(),
                            reservation.tenant());
                    return;
                }
                Counter d = a.days.computeIfAbsent(reservation.day(), k -> new Counter());
                Counter m = a.months.computeIfAbsent(reservation.month(), k -> new Counter());
                d.reserved -= reservation.nanos();
                m.reserved -= reservation.nanos();
                d.spent += actual;
                m.spent += actual;
            }
        });
    }

    @Override
    public Mono<Void> setLimits(String tenant, BudgetLimits limits) {
        Objects.requireNonNull(limits, "limits");
        return Mono.fromRunnable(() -> {
            Account a = account(tenant);
            synchronized (a) {
                a.override = limits;
            }
        });
    }

    private BudgetLimits limits(String tenant, Account a) {
        return a.override != null ? a.override : configured.apply(tenant);
    }

    private Account account(String tenant) {
        return accounts.computeIfAbsent(tenant, k -> new Account());
    }

    private static Usd requireNonNegative(Usd amount) {
        if (amount.isNegative()) {
            throw new IllegalArgumentException("amount must be >= 0 but was " + amount);
        }
        return amount;
    }

    static String newId() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return java.util.HexFormat.of().toHexDigits(r.nextLong())
                + java.util.HexFormat.of().toHexDigits(r.nextLong());
    }

    /** Spend and reservations of one period, in nano-dollars. */
    private static final class Counter {
        static final Counter EMPTY = new Counter();
        long spent;
        long reserved;
    }

    /** One tenant's periods, open reservations and limit override; guarded by its own monitor. */
    private static final class Account {
        final Map<LocalDate, Counter> days = new HashMap<>();
        final Map<YearMonth, Counter> months = new HashMap<>();
        final Set<String> open = new HashSet<>();

        @Nullable
        BudgetLimits override;

        void prune(LocalDate today, YearMonth thisMonth) {
            days.entrySet().removeIf(e -> e.getKey().isBefore(today) && e.getValue().reserved == 0);
            months.entrySet().removeIf(e -> e.getKey().isBefore(thisMonth) && e.getValue().reserved == 0);
        }
    }
}
