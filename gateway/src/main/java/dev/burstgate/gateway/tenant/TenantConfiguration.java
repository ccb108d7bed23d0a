package dev.burstgate.gateway.tenant;

import dev.burstgate.gateway.config.RedisConfigured;
import dev.burstgate.gateway.policy.PolicyProperties;
import io.github.resilience4j.ratelimiter.RateLimiterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.cloud.gateway.filter.ratelimit.RedisRateLimiter;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * Tenants and their rate limits: counted in Redis when it is configured, in this instance's memory otherwise
 * (Resilience4j).
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(TenantsProperties.class)
class TenantConfiguration {

    private static final Logger log = LoggerFactory.getLogger(TenantConfiguration.class);

    @Bean
    TenantRegistry tenantRegistry(TenantsProperties tenants, PolicyProperties policies) {
        return new TenantRegistry(tenants, policies.policy());
    }

    @Bean
    RateLimiterRegistry rateLimiterRegistry() {
        return RateLimiterRegistry.ofDefaults();
    }

    @Bean
    RateLimits rateLimits(Environment env, RateLimiterRegistry registry, ObjectProvider<RedisRateLimiter> redis) {
        if (RedisConfigured.configured(env)) {
            RedisRateLimiter limiter = redis.getIfAvailable();
            if (limiter == null) {
                throw new IllegalStateException("spring.data.redis.* is set but no RedisRateLimiter is configured");
            }
            log.info("Tenant rate limits are shared through Redis");
            return new RedisRateLimits(limiter);
        }
        return new InMemoryRateLimits(registry);
    }
}
