package dev.burstgate.gateway.budget;

import dev.burstgate.gateway.config.RedisConfigured;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/** The opposite of {@link RedisConfigured}: no {@code spring.data.redis.*} connection key is set. */
final class RedisNotConfigured implements Condition {

    @Override
    public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
        return !RedisConfigured.configured(context.getEnvironment());
    }
}
