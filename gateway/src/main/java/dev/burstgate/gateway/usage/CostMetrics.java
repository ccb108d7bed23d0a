package dev.burstgate.gateway.usage;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Cost records as Micrometer meters: {@code burstgate_requests_total{tier,outcome}},
 * {@code burstgate_cost_usd_total{tier,tenant}}, {@code burstgate_baseline_usd_total{tenant}},
 * {@code burstgate_savings_usd_total{tenant}}, {@code burstgate_tokens_total{tier,kind}},
 * {@code burstgate_cache_hits_total}, {@code burstgate_cascade_total{policy,outcome}} (local answers a policy's
 * cascade judged: {@code kept} or {@code escalated}) and the timers
 * {@code burstgate_request_latency_seconds{tier,stream}} and {@code burstgate_time_to_first_byte_seconds{tier}}.
 * Meters are looked up once per tag combination and kept.
 */
public final class CostMetrics implements CostRecordListener {

    private final MeterRegistry registry;
    private final Map<String, Counter> requests = new ConcurrentHashMap<>();
    private final Map<String, Counter> cost = new ConcurrentHashMap<>();
    private final Map<String, TenantMeters> tenants = new ConcurrentHashMap<>();
    private final Map<String, TierMeters> tiers = new ConcurrentHashMap<>();
    private final Map<String, Counter> cascades = new ConcurrentHashMap<>();
    private final Counter cacheHits;

    public CostMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.cacheHits = Counter.builder("burstgate.cache.hits")
                .description("Answers served from the cache")
                .register(registry);
    }

    private record TenantMeters(Counter baseline, Counter savings) {}

    private record TierMeters(
            Counter promptTokens, Counter completionTokens, Timer latencyStream, Timer latencyPlain, Timer firstByte) {}

    @Override
    public void onRecord(CostRecord r) {
        String tier = r.finalTier() == null ? "none" : r.finalTier().label();
        String outcome = r.outcome().label();
        get(
                        requests,
                        tier + '\n' + outcome,
                        k -> Counter.builder("burstgate.requests")
                                .description("Requests by the tier that answered and how they ended")
                                .tags("tier", tier, "outcome", outcome)
                                .register(registry))
                .increment();
        if (!r.cost().isZero()) {
            // Prometheus sums doubles; the ledger keeps the exact decimal.
            get(
                            cost,
                            tier + '\n' + r.tenant(),
                            k -> Counter.builder("burstgate.cost.usd")
                                    .description("Spend in USD")
                                    .baseUnit("usd")
                                    .tags("tier", tier, "tenant", r.tenant())
                                    .register(registry))
                    .increment(r.cost().amount().doubleValue());
        }
        TenantMeters t = get(
                tenants,
                r.tenant(),
                k -> new TenantMeters(
                        Counter.builder("burstgate.baseline.usd")
                                .description("What the legacy API would have charged, in USD")
                                .tags("tenant", k)
                                .register(registry),
                        Counter.builder("burstgate.savings.usd")
                                .description("Baseline minus spend, in USD")
                                .tags("tenant", k)
                                .register(registry)));
        t.baseline().increment(r.baseline().amount().doubleValue());
        t.savings().increment(r.saving().amount().doubleValue());
        TierMeters m = get(
                tiers,
                tier,
                k -> new TierMeters(
                        Counter.builder("burstgate.tokens")
                                .tags("tier", k, "kind", "prompt")
                                .register(registry),
                        Counter.builder("burstgate.tokens")
                                .tags("tier", k, "kind", "completion")
                                .register(registry),
                        latency(k, true),
                        latency(k, false),
                        Timer.builder("burstgate.time.to.first.byte")
                                .tags("tier", k)
                                .publishPercentileHistogram()
                                .register(registry)));
        m.promptTokens().increment(r.usage().promptTokens());
        m.completionTokens().increment(r.usage().completionTokens());
        (r.stream() ? m.latencyStream() : m.latencyPlain()).record(r.latency());
        if (r.timeToFirstByte() != null) {
            m.firstByte().record(r.timeToFirstByte());
        }
        if (r.cacheHit()) {
            cacheHits.increment();
        }
        for (AttemptRecord a : r.attempts()) {
            if (a.judged()) {
                String verdict = a.outcome() == Outcome.ESCALATED ? "escalated" : "kept";
                get(
                                cascades,
                                r.policy() + '\n' + verdict,
                                k -> Counter.builder("burstgate.cascade")
                                        .description("Local answers a policy's cascade judged, kept or escalated")
                                        .tags("policy", r.policy(), "outcome", verdict)
                                        .register(registry))
                        .increment();
            }
        }
    }

    private Timer latency(String tier, boolean stream) {
        return Timer.builder("burstgate.request.latency")
                .description("Request latency to the last byte")
                .tags("tier", tier, "stream", Boolean.toString(stream))
                .publishPercentileHistogram()
                .register(registry);
    }

    private static <T> T get(Map<String, T> cache, String key, Function<String, T> create) {
        T v = cache.get(key);
        return v != null ? v : cache.computeIfAbsent(key, create);
    }
}
