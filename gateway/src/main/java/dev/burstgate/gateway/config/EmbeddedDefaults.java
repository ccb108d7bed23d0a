package dev.burstgate.gateway.config;

import java.util.Map;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Defaults that depend on what is configured, added with the lowest precedence so any explicit setting wins: the
 * Redis health indicator is on only when Redis is configured ({@link RedisConfigured}), so a gateway running on its
 * embedded defaults reports UP without a Redis server.
 */
public final class EmbeddedDefaults implements EnvironmentPostProcessor {

    static final String SOURCE = "burstgateEmbeddedDefaults";

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        environment
                .getPropertySources()
                .addLast(new MapPropertySource(
                        SOURCE,
                        Map.of(
                                "management.health.redis.enabled",
                                Boolean.toString(RedisConfigured.configured(environment)))));
    }
}
