package dev.burstgate.gateway.routing;

import dev.burstgate.gateway.tier.TierBackend;
import dev.burstgate.policies.capability.TierCapabilities;
import dev.burstgate.policies.classifier.ComplexityClassifier;
import dev.burstgate.policies.cost.PriceTable;
import dev.burstgate.policies.policy.PolicyRegistry;
import dev.burstgate.policies.privacy.PiiDetector;
import dev.burstgate.policies.routing.LocalEngineState;
import dev.burstgate.policies.routing.Router;
import java.util.List;
import java.util.function.Supplier;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Routing: the complexity classifier and the policy router, fed with the local engine's load and the tiers' health. */
@Configuration(proxyBeanMethods = false)
class RoutingConfiguration {

    @Bean
    ComplexityClassifier complexityClassifier() {
        return ComplexityClassifier.bundled();
    }

    @Bean
    RequestRouter requestRouter(
            PolicyRegistry registry,
            ComplexityClassifier classifier,
            PriceTable prices,
            TierCapabilities capabilities,
            ObjectProvider<Supplier<LocalEngineState>> localState,
            List<TierBackend> backends) {
        Supplier<LocalEngineState> local = localState.getIfAvailable(() -> () -> LocalEngineState.IDLE);
        return new PolicyRequestRouter(
                registry, classifier, new PiiDetector(), new Router(prices, capabilities), local, backends);
    }
}
