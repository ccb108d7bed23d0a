package dev.burstgate.gateway.policy;

import dev.burstgate.gateway.access.Access;
import dev.burstgate.gateway.access.AccessRoutes;
import dev.burstgate.gateway.config.DataDirProperties;
import dev.burstgate.policies.policy.PolicyRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;
import tools.jackson.databind.json.JsonMapper;

/** The policy registry (presets plus {@code burstgate.policies-dir}), its hot reload, and {@code /admin/policies}. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(PolicyProperties.class)
class PolicyConfiguration {

    @Bean
    PolicyRegistry policyRegistry(PolicyProperties props, DataDirProperties data, InstantSource clock) {
        Path dir = props.policiesDir();
        if (dir != null && !Files.isDirectory(dir)) {
            throw new IllegalArgumentException("burstgate.policies-dir: '" + dir + "' is not a directory");
        }
        // tuned thresholds, applied on top of the policies' own (see the tuning package)
        return PolicyRegistry.withOverlays(dir, data.dataDir().resolve("tuning"), clock);
    }

    @Bean
    PolicyWatcher policyWatcher(PolicyRegistry registry, PolicyProperties props, MeterRegistry meters) {
        PolicyWatcher watcher = new PolicyWatcher(registry, props.policiesDir(), meters);
        if (registry.find(props.policy()).isEmpty()) {
            throw new IllegalArgumentException("burstgate.policy: no policy named '" + props.policy() + "'; known: "
                    + String.join(", ", registry.names()));
        }
        return watcher;
    }

    @Bean
    PoliciesEndpoint policiesEndpoint(
            PolicyRegistry registry, PolicyWatcher watcher, JsonMapper json, PolicyProperties props) {
        return new PoliciesEndpoint(registry, watcher, json, props.policy());
    }

    @Bean
    RouterFunction<ServerResponse> policiesRoute(PoliciesEndpoint endpoint) {
        return AccessRoutes.route()
                .GET("/admin/policies", Access.ADMIN, endpoint::list)
                .build();
    }
}
