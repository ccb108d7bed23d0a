package dev.burstgate.policies.routing;

import dev.burstgate.policies.Tier;
import org.jspecify.annotations.Nullable;

/**
 * What the client asked for explicitly.
 *
 * @param forcedTier the tier named by the request's {@code model} field ({@code local}, {@code cloud},
 *     {@code legacy}), or null for {@code auto}
 * @param maxLatencyMs the {@code X-Burstgate-Max-Latency-Ms} header, or null
 */
public record RequestOverrides(
        @Nullable Tier forcedTier, @Nullable Long maxLatencyMs) {

    /** Nothing asked. */
    public static final RequestOverrides NONE = new RequestOverrides(null, null);

    public RequestOverrides {
        if (maxLatencyMs != null && maxLatencyMs <= 0) {
            throw new IllegalArgumentException("maxLatencyMs must be > 0 but was " + maxLatencyMs);
        }
    }

    /**
     * The tier a {@code model} value forces: {@code local|cloud|legacy} (any case) force that tier; anything else
     * ({@code auto}, an alias) forces nothing.
     */
    public static @Nullable Tier forcedTierOf(@Nullable String model) {
        return Tier.fromLabel(model).orElse(null);
    }
}
