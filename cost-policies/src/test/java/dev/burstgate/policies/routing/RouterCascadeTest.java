package dev.burstgate.policies.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.burstgate.policies.Tier;
import dev.burstgate.policies.classifier.Complexity;
import dev.burstgate.policies.cost.PriceTable;
import dev.burstgate.policies.policy.Policy;
import java.util.List;
import org.junit.jupiter.api.Test;

/** When a route carries the policy's cascade: a local route with somewhere to escalate to, streamed only if buffered. */
class RouterCascadeTest {

    private static final Router ROUTER = new Router(PriceTable.defaults());

    private static final Policy CASCADING = Policy.parse("""
            name: cascading
            thresholds: {cloud-at: 0.5}
            fallback: {local: [cloud, legacy]}
            cascade: {escalate-below: 0.6}
            """, "cascading.yaml");

    private static RoutingInput score(double s) {
        return RoutingInput.of(new Complexity(s, List.of()));
    }

    private static RoutingDecision.Route route(Policy p, RoutingInput in) {
        return (RoutingDecision.Route) ROUTER.route(p, in);
    }

    @Test
    void aLocalRouteWithAFallbackChainCascades() {
        RoutingDecision.Route r = route(CASCADING, score(0.2));
        assertThat(r.tier()).isEqualTo(Tier.LOCAL);
        assertThat(r.fallbackChain()).containsExactly(Tier.CLOUD, Tier.LEGACY);
        assertThat(r.cascade()).isSameAs(CASCADING.cascade());
        // the reason is the router's as before: the dispatcher adds the escalation when there is one
        assertThat(r.reason()).isEqualTo("score 0.20 < 0.50 → local");
    }

    @Test
    void aRouteToAnotherTierDoesNotCascade() {
        assertThat(route(CASCADING, score(0.7)).cascade()).isNull();
    }

    @Test
    void aLocalRouteWithNothingToEscalateToDoesNotCascade() {
        RoutingDecision.Route r =
                route(CASCADING, score(0.2).withHealth(new TierHealth(java.util.EnumSet.of(Tier.LOCAL))));
        assertThat(r.tier()).isEqualTo(Tier.LOCAL);
        assertThat(r.fallbackChain()).isEmpty();
        assertThat(r.cascade()).isNull();
    }

    @Test
    void aForcedLocalTierDoesNotCascade() {
        RoutingDecision.Route r = route(CASCADING, score(0.2).withOverrides(new RequestOverrides(Tier.LOCAL, null)));
        assertThat(r.tier()).isEqualTo(Tier.LOCAL);
        assertThat(r.cascade()).isNull();
    }

    @Test
    void aStreamedRequestCascadesOnlyWithAStreamBuffer() {
        assertThat(route(CASCADING, score(0.2).withStream(true)).cascade()).isNull();
        Policy buffered = CASCADING.withCascade(
                new Policy.Cascade(0.6, Policy.Signal.MEAN_PROB, true, new Policy.StreamBuffer(32, 2000)));
        assertThat(route(buffered, score(0.2).withStream(true)).cascade()).isSameAs(buffered.cascade());
    }

    @Test
    void aLocalBurstToCloudDoesNotCascade() {
        RoutingDecision.Route r = route(CASCADING, score(0.2).withLocal(new LocalEngineState(5000, 3, true)));
        assertThat(r.tier()).isEqualTo(Tier.CLOUD);
        assertThat(r.cascade()).isNull();
    }

    @Test
    void aPolicyWithoutACascadeNeverCascades() {
        assertThat(route(CASCADING.withCascade(null), score(0.2)).cascade()).isNull();
    }
}
