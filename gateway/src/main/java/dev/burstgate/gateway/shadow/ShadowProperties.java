package dev.burstgate.gateway.shadow;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * {@code burstgate.shadow.*}: how shadow comparisons run. What is shadowed, and how much it may cost, is each
 * policy's {@code shadow} block.
 *
 * @param enabled false to shadow nothing, whatever the policies say
 * @param workers threads that make shadow and judge calls (off the request path)
 * @param queueCapacity comparisons waiting for a worker; one more is dropped and counted
 *     ({@code burstgate_shadow_skipped_total{why="queue_full"}})
 * @param callTimeout the longest one shadow or judge call may take
 * @param judgeMaxTokens {@code max_tokens} of a judge call (its answer is one word)
 */
@Validated
@ConfigurationProperties(prefix = "burstgate.shadow")
public record ShadowProperties(
        @DefaultValue("true") boolean enabled,
        @DefaultValue("2") @Min(1) @Max(64) int workers,
        @DefaultValue("64") @Min(1) int queueCapacity,
        @DefaultValue("120s") @NotNull Duration callTimeout,
        @DefaultValue("16") @Min(1) int judgeMaxTokens) {

    public ShadowProperties {
        if (callTimeout.isNegative() || callTimeout.isZero()) {
            throw new IllegalArgumentException("burstgate.shadow.call-timeout must be positive but was " + callTimeout);
        }
    }
}
