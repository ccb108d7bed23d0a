package dev.burstgate.gateway.tenant;

import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.ratelimiter.RateLimiterRegistry;
import java.time.Duration;
import reactor.core.publisher.Mono;

/**
 * Rate limits of one gateway instance: a Resilience4j {@link RateLimiter} per tenant ({@code tenant:<name>} in the
 * registry, so its meters are published), refreshed every second, never waiting for a permit.
 */
public final class InMemoryRateLimits implements RateLimits {

    private static final Mono<Boolean> ALLOWED = Mono.just(Boolean.TRUE);
    private static final Mono<Boolean> REFUSED = Mono.just(Boolean.FALSE);

    private final RateLimiterRegistry registry;

    public InMemoryRateLimits(RateLimiterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public Mono<Boolean> tryAcquire(Tenant tenant) {
        RateLimiter limiter = registry.rateLimiter(
                "tenant:" + tenant.name(),
                () -> RateLimiterConfig.custom()
                        .limitForPeriod(tenant.requestsPerSecond())
                        .limitRefreshPeriod(Duration.ofSeconds(1))
                        .timeoutDuration(Duration.ZERO)
                        .build());
        return limiter.acquirePermission() ? ALLOWED : REFUSED;
    }
}
