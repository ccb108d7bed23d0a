package dev.burstgate.gateway.usage;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * Cost records as Micrometer meters: {@code burstgate_requests_total{tier,outcome}},
 * {@code burstgate_cost_usd_total{tier,tenant}}, {@code burstgate_baseline_usd_total{tenant}},
 * {@code burstgate_savings_usd_total{tenant}}, {@code burstgate_tokens_total{tier,kind}} and latency timers
 * {@code burstgate_request_latency_seconds{tier,stream}} / {@code burstgate_time_to_first_byte_seconds{tier}}.
 */
public final class CostMetrics implements CostRecordListener {

  private final MeterRegistry registry;

  public CostMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  @Override
  public void onRecord(CostRecord r) {
    String tier = r.finalTier() == null ? "none" : r.finalTier().name().toLowerCase(java.util.Locale.ROOT);
    Counter.builder("burstgate.requests").description("Requests by the tier that answered and how they ended")
        .tags("tier", tier, "outcome", r.outcome().label()).register(registry).increment();
    if (!r.cost().isZero()) {
      // Costs are summed as doubles by Prometheus; the ledger keeps the exact decimal.
      Counter.builder("burstgate.cost.usd").description("Spend in USD").baseUnit("usd")
          .tags("tier", tier, "tenant", r.tenant()).register(registry).increment(r.cost().amount().doubleValue());
    }
    Counter.builder("burstgate.baseline.usd").description("What the legacy API would have charged, in USD")
        .tags("tenant", r.tenant()).register(registry).increment(r.baseline().amount().doubleValue());
    Counter.builder("burstgate.savings.usd").description("Baseline minus spend, in USD")
        .tags("tenant", r.tenant()).register(registry).increment(r.saving().amount().doubleValue());
    Counter.builder("burstgate.tokens").tags("tier", tier, "kind", "prompt").register(registry)
        .increment(r.usage().promptTokens());
    Counter.builder("burstgate.tokens").tags("tier", tier, "kind", "completion").register(registry)
        .increment(r.usage().completionTokens());
    if (r.cacheHit()) {
      Counter.builder("burstgate.cache.hits").register(registry).increment();
    }
    Timer.builder("burstgate.request.latency").description("Request latency to the last byte")
        .tags("tier", tier, "stream", Boolean.toString(r.stream())).publishPercentileHistogram()
        .register(registry).record(r.latency());
    if (r.timeToFirstByte() != null) {
      Timer.builder("burstgate.time.to.first.byte").tags("tier", tier).publishPercentileHistogram()
          .register(registry).record(r.timeToFirstByte());
    }
  }
}
