package dev.burstgate.gateway.budget;

import dev.burstgate.gateway.access.Access;
import dev.burstgate.gateway.access.AccessRoutes;
import dev.burstgate.gateway.config.RedisConfigured;
import dev.burstgate.gateway.tenant.TenantRegistry;
import dev.burstgate.gateway.tenant.TenantsProperties;
import dev.burstgate.policies.policy.PolicyRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import java.math.BigDecimal;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;
import tools.jackson.databind.json.JsonMapper;

/**
 * The budget store — in Redis when {@code spring.data.redis.*} is set ({@link RedisConfigured}), in memory otherwise
 * (then nothing of the budgets touches Redis) — and {@code /admin/budgets}.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(BudgetProperties.class)
class BudgetConfiguration {

    private static final Logger log = LoggerFactory.getLogger(BudgetConfiguration.class);

    @Bean
    @Conditional(RedisNotConfigured.class)
    BudgetStore inMemoryBudgetStore(TenantsProperties props, InstantSource clock) {
        Map<String, BudgetLimits> limits = configuredLimits(props);
        log.info("budgets: kept in memory by this instance (set spring.data.redis.* to share them between instances)");
        return new InMemoryBudgetStore(tenant -> limits.getOrDefault(tenant, BudgetLimits.NONE), clock);
    }

    @Bean
    @Conditional(RedisConfigured.class)
    BudgetStore redisBudgetStore(
            ReactiveStringRedisTemplate redis, TenantsProperties props, BudgetProperties budgets, InstantSource clock) {
        Map<String, BudgetLimits> limits = configuredLimits(props);
        log.info("budgets: shared in Redis under {}:{tenant}:*", budgets.redisKeyPrefix());
        return new RedisBudgetStore(redis, tenant -> limits.getOrDefault(tenant, BudgetLimits.NONE), clock, budgets);
    }

    @Bean
    BudgetMeters budgetMeters(
            BudgetStore store, TenantRegistry tenants, MeterRegistry registry, BudgetProperties budgets) {
        return new BudgetMeters(store, tenants, registry, budgets.metersRefresh());
    }

    @Bean
    BudgetsEndpoint budgetsEndpoint(
            BudgetStore store, TenantRegistry tenants, PolicyRegistry policies, JsonMapper json) {
        return new BudgetsEndpoint(store, tenants, policies, json);
    }

    @Bean
    RouterFunction<ServerResponse> budgetsRoute(BudgetsEndpoint endpoint) {
        return AccessRoutes.route()
                .GET("/admin/budgets", Access.ADMIN, endpoint::list)
                .GET("/admin/budgets/{tenant}", Access.ADMIN, endpoint::get)
                .PUT("/admin/budgets/{tenant}", Access.ADMIN, endpoint::put)
                .build();
    }

    /**
     * The configured limits by tenant name; a limit that budgets cannot count exactly stops the start with a message
     * naming {@code burstgate.tenants[i].budget.daily|monthly}.
     */
    static Map<String, BudgetLimits> configuredLimits(TenantsProperties props) {
        Map<String, BudgetLimits> limits = new HashMap<>();
        List<TenantsProperties.TenantProperties> tenants = props.tenants();
        for (int i = 0; i < tenants.size(); i++) {
            TenantsProperties.TenantProperties t = tenants.get(i);
            TenantsProperties.Budget b = t.budget();
            check("burstgate.tenants[" + i + "].budget.daily", b.daily());
            check("burstgate.tenants[" + i + "].budget.monthly", b.monthly());
            limits.put(t.name(), BudgetLimits.of(b.daily(), b.monthly()));
        }
        return Map.copyOf(limits);
    }

    private static void check(String key, @Nullable BigDecimal value) {
        if (value == null) {
            return;
        }
        String problem = BudgetLimits.problem(value);
        if (problem != null) {
            throw new IllegalArgumentException(key + " " + problem);
        }
    }
}
