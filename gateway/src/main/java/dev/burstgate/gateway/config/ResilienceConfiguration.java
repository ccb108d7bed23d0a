package dev.burstgate.gateway.config;

import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.bulkhead.BulkheadRegistry;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.micrometer.tagged.TaggedBulkheadMetrics;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.github.resilience4j.ratelimiter.RateLimiterRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Resilience4j registries with explicit configuration from {@code burstgate.resilience.*} (no hidden defaults), and
 * their meters on {@code /actuator/prometheus}.
 */
@Configuration(proxyBeanMethods = false)
class ResilienceConfiguration {

  @Bean
  CircuitBreakerRegistry circuitBreakerRegistry(BurstgateProperties props, MeterRegistry meters) {
    BurstgateProperties.Resilience r = props.resilience();
    CircuitBreakerConfig config = CircuitBreakerConfig.custom()
        .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
        .slidingWindowSize(r.slidingWindow())
        .minimumNumberOfCalls(Math.min(r.minimumCalls(), r.slidingWindow()))
        .failureRateThreshold(r.failureRateThreshold())
        .waitDurationInOpenState(r.openWait())
        .permittedNumberOfCallsInHalfOpenState(2)
        .automaticTransitionFromOpenToHalfOpenEnabled(false)
        .build();
    CircuitBreakerRegistry registry = CircuitBreakerRegistry.of(config);
    TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(registry).bindTo(meters);
    return registry;
  }

  @Bean
  BulkheadRegistry bulkheadRegistry(BurstgateProperties props, MeterRegistry meters) {
    BulkheadRegistry registry = BulkheadRegistry.of(BulkheadConfig.custom()
        .maxConcurrentCalls(props.resilience().maxConcurrent())
        .maxWaitDuration(Duration.ZERO)
        .build());
    TaggedBulkheadMetrics.ofBulkheadRegistry(registry).bindTo(meters);
    return registry;
  }

  @Bean
  RateLimiterRegistry rateLimiterRegistry() {
    return RateLimiterRegistry.ofDefaults();
  }
}
