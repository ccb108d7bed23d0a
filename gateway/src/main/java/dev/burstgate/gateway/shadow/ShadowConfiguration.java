package dev.burstgate.gateway.shadow;

import dev.burstgate.gateway.access.Access;
import dev.burstgate.gateway.access.AccessRoutes;
import dev.burstgate.gateway.budget.BudgetProperties;
import dev.burstgate.gateway.ledger.ShadowHistory;
import dev.burstgate.gateway.tier.TierBackend;
import dev.burstgate.gateway.usage.ShadowRecordListener;
import dev.burstgate.policies.cost.PriceTable;
import dev.burstgate.policies.policy.PolicyRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import java.security.SecureRandom;
import java.time.InstantSource;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;
import tools.jackson.databind.json.JsonMapper;

/**
 * Shadow comparisons: the runner the dispatcher hands watched answers to (a {@code ShadowHook}), fed to every
 * {@link ShadowRecordListener} (the ledger writer), and {@code GET /admin/policies/{name}/shadow}.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(ShadowProperties.class)
class ShadowConfiguration {

    @Bean
    ShadowRunner shadowRunner(
            PolicyRegistry policies,
            List<TierBackend> backends,
            PriceTable prices,
            ObjectProvider<ShadowRecordListener> listeners,
            ObjectProvider<ShadowHistory> history,
            ShadowProperties props,
            BudgetProperties budgets,
            InstantSource clock,
            MeterRegistry meters) {
        return new ShadowRunner(
                policies,
                backends,
                prices,
                listeners.orderedStream().toList(),
                history.getIfAvailable(),
                props,
                budgets.defaultCompletionTokens(),
                clock,
                new SecureRandom().nextLong(),
                meters);
    }

    @Bean
    ShadowEndpoint shadowEndpoint(PolicyRegistry policies, ShadowRunner runner, JsonMapper json) {
        return new ShadowEndpoint(policies, runner, json);
    }

    @Bean
    RouterFunction<ServerResponse> shadowRoute(ShadowEndpoint endpoint) {
        return AccessRoutes.route()
                .GET("/admin/policies/{name}/shadow", Access.ADMIN, endpoint::get)
                .build();
    }
}
