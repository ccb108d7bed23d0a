package dev.burstgate.gateway.tenant;

import reactor.core.publisher.Mono;

/**
 * Per-tenant request rate limits ({@code burstgate.tenants[*].requests-per-second}). In memory per gateway instance
 * by default; shared by every instance through Redis when {@code spring.data.redis.*} is set.
 */
@FunctionalInterface
public interface RateLimits {

    /** Takes one permit for {@code tenant}; emits false when the tenant is over its limit. Never errors. */
    Mono<Boolean> tryAcquire(Tenant tenant);
}
