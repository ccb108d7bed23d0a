package dev.burstgate.gateway.config;

import java.util.List;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Matches when Redis is configured with {@code spring.data.redis.*} (host, url, port, sentinel or cluster). Budgets
 * and rate limits are shared through Redis only then; without it they are kept in memory and nothing connects to
 * Redis.
 */
public final class RedisConfigured implements Condition {

    private static final List<String> KEYS = List.of(
            "spring.data.redis.host",
            "spring.data.redis.url",
            "spring.data.redis.port",
            "spring.data.redis.sentinel.master",
            "spring.data.redis.cluster.nodes");

    @Override
    public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
        return configured(context.getEnvironment());
    }

    /** True when any of the Redis connection keys is set. */
    public static boolean configured(Environment env) {
        for (String key : KEYS) {
            String v = env.getProperty(key);
            if (v != null && !v.isBlank()) {
                return true;
            }
        }
        return false;
    }
}
