package dev.burstgate.gateway.budget;

import dev.burstgate.gateway.tenant.Tenant;
import dev.burstgate.gateway.tenant.TenantRegistry;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Budget use per tenant as gauges, refreshed from the {@link BudgetStore} at a fixed interval (so a scrape never
 * waits on Redis): {@code burstgate_budget_used_ratio{tenant,period}} ((spent + reserved) / limit; absent for a
 * period without a limit), {@code burstgate_budget_spent_usd{tenant,period}} and
 * {@code burstgate_budget_limit_usd{tenant,period}}, with {@code period} = {@code day} or {@code month}.
 */
public final class BudgetMeters implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(BudgetMeters.class);

    private final BudgetStore store;
    private final TenantRegistry tenants;
    private final MeterRegistry registry;
    private final Duration interval;
    private final Map<String, Values> values = new ConcurrentHashMap<>();
    private volatile @Nullable Disposable refresher;

    /** The last values read for one tenant and period; NaN until read or without a limit. */
    private static final class Values {
        volatile double ratio = Double.NaN;
        volatile double spent = Double.NaN;
        volatile double limit = Double.NaN;
    }

    public BudgetMeters(BudgetStore store, TenantRegistry tenants, MeterRegistry registry, Duration interval) {
        this.store = store;
        this.tenants = tenants;
        this.registry = registry;
        this.interval = interval;
    }

    @Override
    public void start() {
        for (Tenant t : tenants.all()) {
            for (String period : List.of("day", "month")) {
                Values v = values.computeIfAbsent(t.name() + '\n' + period, k -> new Values());
                Gauge.builder("burstgate.budget.used.ratio", v, x -> x.ratio)
                        .description("Budget used: (spent + reserved) / limit")
                        .tags("tenant", t.name(), "period", period)
                        .register(registry);
                Gauge.builder("burstgate.budget.spent", v, x -> x.spent)
                        .baseUnit("usd")
                        .description("Spent in the period")
                        .tags("tenant", t.name(), "period", period)
                        .register(registry);
                Gauge.builder("burstgate.budget.limit", v, x -> x.limit)
                        .baseUnit("usd")
                        .description("The period's limit")
                        .tags("tenant", t.name(), "period", period)
                        .register(registry);
            }
        }
        refresher = Flux.interval(Duration.ZERO, interval)
                .onBackpressureDrop()
                .concatMap(tick -> refresh(), 1)
                .subscribe();
    }

    /** Reads every tenant's budget once; a failing read keeps the previous values. */
    Mono<Void> refresh() {
        return Flux.fromIterable(tenants.all())
                .flatMap(
                        t -> store.view(t.name())
                                .doOnNext(view -> {
                                    update(t.name() + "\nday", view.daily());
                                    update(t.name() + "\nmonth", view.monthly());
                                })
                                .onErrorResume(e -> {
                                    log.debug(
                                            "budget meters: could not read the budget of {}: {}",
                                            t.name(),
                                            e.toString());
                                    return Mono.empty();
                                }),
                        4)
                .then();
    }

    private void update(String key, BudgetView.PeriodView p) {
        Values v = values.get(key);
        if (v == null) {
            return;
        }
        var fraction = p.fractionUsed();
        v.ratio = fraction == null ? Double.NaN : fraction.doubleValue();
        v.spent = p.spent().amount().doubleValue();
        v.limit = p.limit() == null ? Double.NaN : p.limit().amount().doubleValue();
    }

    @Override
    public void stop() {
        Disposable d = refresher;
        if (d != null) {
            d.dispose();
        }
        refresher = null;
    }

    @Override
    public boolean isRunning() {
        return refresher != null;
    }
}
