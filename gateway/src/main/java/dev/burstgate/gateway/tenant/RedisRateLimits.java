package dev.burstgate.gateway.tenant;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.springframework.cloud.gateway.filter.ratelimit.RateLimiter.Response;
import org.springframework.cloud.gateway.filter.ratelimit.RedisRateLimiter;
import reactor.core.publisher.Mono;

/**
 * Rate limits shared by every gateway instance on one Redis: Spring Cloud Gateway's {@link RedisRateLimiter} (a token
 * bucket in a Lua script) with one configuration per tenant — replenish rate and burst capacity both equal to the
 * tenant's requests per second.
 *
 * <p>Like Spring Cloud Gateway's filter, a Redis failure lets the request through (the limiter logs it): a rate limit
 * is not worth an outage. Budgets, which are money, do not fail open.
 */
public final class RedisRateLimits implements RateLimits {

    private final RedisRateLimiter limiter;
    private final ConcurrentMap<String, String> configured = new ConcurrentHashMap<>();

    public RedisRateLimits(RedisRateLimiter limiter) {
        this.limiter = limiter;
    }

    @Override
    public Mono<Boolean> tryAcquire(Tenant tenant) {
        String id = "burstgate-tenant:" + tenant.name();
        configured.computeIfAbsent(id, k -> {
            limiter.getConfig()
                    .put(
                            k,
                            new RedisRateLimiter.Config()
                                    .setReplenishRate(tenant.requestsPerSecond())
                                    .setBurstCapacity(tenant.requestsPerSecond())
                                    .setRequestedTokens(1));
            return k;
        });
        return limiter.isAllowed(id, tenant.name()).map(Response::isAllowed);
    }
}
