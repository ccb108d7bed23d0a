package dev.burstgate.gateway.tier;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.resilience4j.bulkhead.BulkheadRegistry;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.support.StaticListableBeanFactory;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.reactive.ReactiveLoadBalancer;
import org.springframework.mock.env.MockEnvironment;
import org.springframework.web.reactive.function.client.WebClient;
import tools.jackson.databind.json.JsonMapper;

/**
 * The remote tiers' start-up lines: once any tier is configured, each unconfigured one is named OFF (and no simulated
 * node is started); in demo mode each unconfigured one is named SIMULATED, with the reason.
 */
@ExtendWith(OutputCaptureExtension.class)
class TierStartupLogTest {

    private static final SimulatedNodes NODES = new SimulatedNodes() {
        @Override
        public List<URI> cloudNodes() {
            return List.of(URI.create("http://127.0.0.1:10001"), URI.create("http://127.0.0.1:10002"));
        }

        @Override
        public URI legacyNode() {
            return URI.create("http://127.0.0.1:10003");
        }
    };

    private final TierConfiguration configuration = new TierConfiguration();
    private final CircuitBreakerRegistry breakers = CircuitBreakerRegistry.ofDefaults();

    @Test
    void withOneTierConfiguredTheUnconfiguredRemoteTiersAreLoggedOff(CapturedOutput output) {
        MockEnvironment env = new MockEnvironment().withProperty("burstgate.tiers.local.model", "/models/m.gguf");
        ObjectProvider<SimulatedNodes> none = new StaticListableBeanFactory().getBeanProvider(SimulatedNodes.class);

        CloudPool pool = cloudPool(env, none);
        TierBackend legacy = legacyTier(env, none);

        assertThat(pool.endpoints()).isEmpty();
        assertThat(legacy).isInstanceOf(DisabledTier.class);
        assertThat(output)
                .contains("cloud tier: OFF (not configured: set burstgate.tiers.cloud.endpoints")
                .contains("legacy tier: OFF (not configured: set burstgate.tiers.legacy.url")
                .doesNotContain("SIMULATED");
    }

    @Test
    void inDemoModeEachUnconfiguredTierIsLoggedSimulatedWithTheReason(CapturedOutput output) {
        MockEnvironment env = new MockEnvironment();

        CloudPool pool = cloudPool(env, simulated());
        TierBackend legacy = legacyTier(env, simulated());

        assertThat(pool.endpoints()).isEqualTo(NODES.cloudNodes());
        assertThat(legacy.simulated()).isTrue();
        assertThat(output)
                .contains("cloud tier: SIMULATED pool of 2 local-engine nodes", "(demo mode: no tier is configured;")
                .contains(
                        "legacy tier: SIMULATED by a local-engine node at http://127.0.0.1:10003 (demo mode: no tier is "
                                + "configured;");
    }

    @Test
    void demoTrueSimulatesOnlyTheUnconfiguredTiers(CapturedOutput output) {
        MockEnvironment env = new MockEnvironment()
                .withProperty("burstgate.tiers.cloud.endpoints", "http://node-a:8000")
                .withProperty("burstgate.demo", "true");

        CloudPool pool = cloudPool(env, simulated());
        TierBackend legacy = legacyTier(env, simulated());

        assertThat(pool.endpoints()).containsExactly(URI.create("http://node-a:8000"));
        assertThat(legacy.simulated()).isTrue();
        assertThat(output)
                .contains("cloud tier: pool of 1 endpoints [http://node-a:8000]")
                .contains(
                        "legacy tier: SIMULATED by a local-engine node at http://127.0.0.1:10003 (burstgate.demo=true;");
    }

    private static ObjectProvider<SimulatedNodes> simulated() {
        return new StaticListableBeanFactory(Map.of("simulatedNodes", NODES)).getBeanProvider(SimulatedNodes.class);
    }

    private CloudPool cloudPool(MockEnvironment env, ObjectProvider<SimulatedNodes> simulated) {
        return configuration.cloudPool(tiers(env), env, simulated, new NoLoadBalancers(), breakers);
    }

    /** The pool asks its load balancer only when routing, never at start-up. */
    private static final class NoLoadBalancers implements ReactiveLoadBalancer.Factory<ServiceInstance> {
        @Override
        public ReactiveLoadBalancer<ServiceInstance> getInstance(String serviceId) {
            throw new AssertionError("no load balancer at start-up");
        }

        @Override
        public <X> Map<String, X> getInstances(String name, Class<X> type) {
            throw new AssertionError("no load balancer at start-up");
        }

        @Override
        public <X> X getInstance(String name, Class<?> clazz, Class<?>... generics) {
            throw new AssertionError("no load balancer at start-up");
        }
    }

    private TierBackend legacyTier(MockEnvironment env, ObjectProvider<SimulatedNodes> simulated) {
        ResilienceProperties resilience =
                Binder.get(env).bindOrCreate("burstgate.resilience", ResilienceProperties.class);
        return configuration.legacyTier(
                tiers(env),
                resilience,
                env,
                simulated,
                WebClient.create(),
                JsonMapper.builder().build(),
                breakers,
                BulkheadRegistry.ofDefaults(),
                new NodeBench(
                        InstantSource.system(),
                        resilience.throttleBench(),
                        resilience.maxThrottleBench(),
                        new SimpleMeterRegistry()));
    }

    private static TiersProperties tiers(MockEnvironment env) {
        return Binder.get(env).bindOrCreate("burstgate.tiers", TiersProperties.class);
    }
}
