package dev.burstgate.gateway.policy;

import dev.burstgate.gateway.access.AccessRoutes;
import dev.burstgate.gateway.access.Access;
import dev.burstgate.gateway.config.BurstgateProperties;
import dev.burstgate.gateway.routing.PolicyRequestRouter;
import dev.burstgate.gateway.routing.RequestRouter;
import dev.burstgate.gateway.tier.TierDispatcher;
import dev.burstgate.policies.classifier.ComplexityClassifier;
import dev.burstgate.policies.cost.PriceTable;
import dev.burstgate.policies.policy.PolicyRegistry;
import dev.burstgate.policies.privacy.PiiDetector;
import dev.burstgate.policies.routing.LocalEngineState;
import dev.burstgate.policies.routing.Router;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.function.Supplier;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;
import tools.jackson.databind.json.JsonMapper;

/** The policy registry (presets plus {@code burstgate.policies-dir}), its hot reload, and routing with it. */
@Configuration(proxyBeanMethods = false)
class PolicyConfiguration {

  @Bean
  PolicyRegistry policyRegistry(BurstgateProperties props, InstantSource clock) {
    Path dir = props.policiesDir();
    if (dir == null) {
      return PolicyRegistry.presets(clock);
    }
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException("burstgate.policies-dir: '" + dir + "' is not a directory");
    }
    return PolicyRegistry.withDirectory(dir, clock);
  }

  @Bean
  PolicyWatcher policyWatcher(PolicyRegistry registry, BurstgateProperties props, MeterRegistry meters) {
    PolicyWatcher watcher = new PolicyWatcher(registry, props.policiesDir(), meters);
    if (registry.find(props.policy()).isEmpty()) {
      throw new IllegalArgumentException("burstgate.policy: no policy named '" + props.policy() + "'; known: "
          + String.join(", ", registry.names()));
    }
    return watcher;
  }

  @Bean
  ComplexityClassifier complexityClassifier() {
    return ComplexityClassifier.bundled();
  }

  @Bean
  RequestRouter requestRouter(PolicyRegistry registry, ComplexityClassifier classifier, PriceTable prices,
      ObjectProvider<Supplier<LocalEngineState>> localState, TierDispatcher dispatcher) {
    Supplier<LocalEngineState> local = localState.getIfAvailable(() -> () -> LocalEngineState.IDLE);
    return new PolicyRequestRouter(registry, classifier, new PiiDetector(), new Router(prices), local,
        dispatcher.backends());
  }

  @Bean
  PoliciesEndpoint policiesEndpoint(PolicyRegistry registry, PolicyWatcher watcher, JsonMapper json, BurstgateProperties props) {
    return new PoliciesEndpoint(registry, watcher, json, props.policy());
  }

  @Bean
  RouterFunction<ServerResponse> policiesRoute(PoliciesEndpoint endpoint) {
    return AccessRoutes.route().GET("/admin/policies", Access.ADMIN, endpoint::list).build();
  }
}
