package dev.burstgate.gateway.tenant;

import dev.burstgate.gateway.config.RedisConfigured;
import io.github.resilience4j.ratelimiter.RateLimiterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.cloud.gateway.filter.ratelimit.RedisRateLimiter;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/** Chooses where tenant rate limits are counted: Redis when configured, this instance's memory otherwise. */
@Configuration(proxyBeanMethods = false)
public class RateLimitConfiguration {

  private static final Logger log = LoggerFactory.getLogger(RateLimitConfiguration.class);

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
