package dev.burstgate.gateway.tuning;

import dev.burstgate.gateway.access.Access;
import dev.burstgate.gateway.access.AccessRoutes;
import dev.burstgate.gateway.shadow.ShadowRunner;
import dev.burstgate.policies.cost.PriceTable;
import dev.burstgate.policies.policy.PolicyRegistry;
import java.nio.file.Path;
import java.time.InstantSource;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;
import tools.jackson.databind.json.JsonMapper;

/** Tuned thresholds: the service with its auto-apply scheduler, and the {@code /admin/policies/{name}/tuning} routes. */
@Configuration(proxyBeanMethods = false)
class TuningConfiguration {

    @Bean
    TuningService tuningService(
            PolicyRegistry registry, ShadowRunner runner, PriceTable prices, InstantSource clock, JsonMapper json) {
        Path dir = registry.overlayDirectory();
        if (dir == null) {
            throw new IllegalStateException("the policy registry has no tuning overlay directory");
        }
        return new TuningService(registry, runner, new TuningStore(dir, json), prices, clock, json);
    }

    @Bean
    TuningEndpoint tuningEndpoint(TuningService service, JsonMapper json) {
        return new TuningEndpoint(service, json);
    }

    @Bean
    RouterFunction<ServerResponse> tuningRoute(TuningEndpoint endpoint) {
        return AccessRoutes.route()
                .GET("/admin/policies/{name}/tuning", Access.ADMIN, endpoint::get)
                .GET("/admin/policies/{name}/tuning/audit", Access.ADMIN, endpoint::audit)
                .POST("/admin/policies/{name}/tuning/apply", Access.ADMIN, endpoint::apply)
                .POST("/admin/policies/{name}/tuning/rollback", Access.ADMIN, endpoint::rollback)
                .build();
    }
}
