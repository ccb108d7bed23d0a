package dev.burstgate.gateway.tier;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Resilience settings applied to every remote backend (each cloud node and the legacy API).
 *
 * @param firstByteTimeout how long an attempt may take to produce its first chunk (or whole answer)
 * @param idleTimeout how long a stream may stay silent between chunks
 * @param connectTimeout TCP connect timeout
 * @param maxConcurrent bulkhead: concurrent calls per backend
 * @param failureRateThreshold breaker opens at this failure percentage
 * @param slidingWindow calls the breaker looks at
 * @param minimumCalls calls before the breaker may judge
 * @param openWait how long an open breaker waits before letting trial calls through
 * @param connectRetries tries again on an endpoint that could not be reached when no other endpoint is left
 * @param throttleBench how long an endpoint that answers 429 without {@code Retry-After} is left alone
 * @param maxThrottleBench the longest an endpoint is left alone, whatever its {@code Retry-After} asks
 */
@Validated
@ConfigurationProperties(prefix = "burstgate.resilience")
public record ResilienceProperties(
        @DefaultValue("30s") Duration firstByteTimeout,
        @DefaultValue("60s") Duration idleTimeout,
        @DefaultValue("2s") Duration connectTimeout,
        @DefaultValue("64") @Min(1) int maxConcurrent,
        @DefaultValue("50") @Min(1) @Max(100) int failureRateThreshold,
        @DefaultValue("20") @Min(1) int slidingWindow,
        @DefaultValue("5") @Min(1) int minimumCalls,
        @DefaultValue("10s") Duration openWait,
        @DefaultValue("2") @Min(0) int connectRetries,
        @DefaultValue("1s") Duration throttleBench,
        @DefaultValue("5m") Duration maxThrottleBench) {

    public ResilienceProperties {
        if (throttleBench.isNegative() || maxThrottleBench.isNegative()) {
            throw new IllegalArgumentException("burstgate.resilience.throttle-bench (" + throttleBench
                    + ") and max-throttle-bench (" + maxThrottleBench + ") cannot be negative");
        }
    }
}
