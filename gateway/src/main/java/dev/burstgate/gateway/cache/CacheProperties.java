package dev.burstgate.gateway.cache;

import jakarta.validation.constraints.Min;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Exact-match cache of deterministic non-streamed answers.
 *
 * @param enabled whether answers are cached at all
 * @param maxEntries the most answers kept
 * @param ttl how long an answer is kept
 */
@Validated
@ConfigurationProperties(prefix = "burstgate.cache")
public record CacheProperties(
        @DefaultValue("true") boolean enabled,
        @DefaultValue("10000") @Min(0) long maxEntries,
        @DefaultValue("10m") Duration ttl) {}
