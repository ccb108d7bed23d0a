package dev.burstgate.policies.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.burstgate.policies.Tier;
import dev.burstgate.policies.capability.Capability;
import dev.burstgate.policies.capability.RequestNeeds;
import dev.burstgate.policies.capability.TierCapabilities;
import dev.burstgate.policies.classifier.Complexity;
import dev.burstgate.policies.cost.PriceTable;
import dev.burstgate.policies.policy.Policy;
import dev.burstgate.policies.policy.PolicyRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The router sends a request only to tiers that can serve what it needs. */
class RouterCapabilitiesTest {

    private static final PolicyRegistry PRESETS = PolicyRegistry.presets(InstantSource.system());
    private static final Policy BALANCED = PRESETS.get("balanced");

    /** Local serves tools and JSON within 2,048 tokens; cloud serves everything but vision; legacy everything. */
    private static final Router ROUTER = new Router(
            PriceTable.defaults(),
            TierCapabilities.defaults(2048L)
                    .with(
                            Tier.CLOUD,
                            new TierCapabilities.Of(EnumSet.complementOf(EnumSet.of(Capability.VISION)), 32_768L)));

    private static RoutingInput easy(Map<Capability, String> needs) {
        return RoutingInput.of(new Complexity(0.1, List.of())).withNeeds(new RequestNeeds(needs, 50));
    }

    @Test
    void aTextChatIsRoutedAsBefore() {
        RoutingDecision d = ROUTER.route(BALANCED, easy(Map.of()));
        assertThat(d).isEqualTo(new RoutingDecision.Route(Tier.LOCAL, List.of(Tier.CLOUD, Tier.LEGACY), d.reason()));
        assertThat(d.reason()).doesNotContain("needs");
    }

    @Test
    void toolsAndJsonOutputStayLocalBecauseTheLocalTierServesThem() {
        RoutingDecision d = ROUTER.route(
                BALANCED, easy(Map.of(Capability.TOOLS, "tools", Capability.JSON_SCHEMA, "response_format")));
        assertThat(((RoutingDecision.Route) d).tier()).isEqualTo(Tier.LOCAL);
    }

    @Test
    void anImageSkipsEveryTierWithoutVisionAndTheReasonSaysSo() {
        RoutingDecision d = ROUTER.route(BALANCED, easy(Map.of(Capability.VISION, "messages[0].content[1]")));
        assertThat(d).isInstanceOf(RoutingDecision.Route.class);
        RoutingDecision.Route r = (RoutingDecision.Route) d;
        assertThat(r.tier()).isEqualTo(Tier.LEGACY);
        // the fallback chain skips cloud, which cannot see images either
        assertThat(r.fallbackChain()).isEmpty();
        assertThat(r.reason()).isEqualTo("score 0.10 < 0.45 → local; needs image content → legacy");
    }

    @Test
    void aPromptLongerThanTheLocalContextGoesToTheNextTierThatHoldsIt() {
        RoutingInput in = RoutingInput.of(new Complexity(0.1, List.of())).withNeeds(RequestNeeds.ofPromptTokens(4000));
        RoutingDecision.Route r = (RoutingDecision.Route) ROUTER.route(BALANCED, in);
        assertThat(r.tier()).isEqualTo(Tier.CLOUD);
        assertThat(r.fallbackChain()).containsExactly(Tier.LEGACY);
        assertThat(r.reason()).contains("prompt ~4000 tokens > local context 2048 → cloud");

        RoutingInput huge =
                RoutingInput.of(new Complexity(0.1, List.of())).withNeeds(RequestNeeds.ofPromptTokens(40_000));
        assertThat(((RoutingDecision.Route) ROUTER.route(BALANCED, huge)).tier())
                .isEqualTo(Tier.LEGACY);
    }

    @Test
    void aForcedTierThatCannotServeTheRequestIsRefusedNamingTheParameter() {
        RoutingInput in = easy(Map.of(Capability.VISION, "messages[0].content[1]"))
                .withOverrides(new RequestOverrides(Tier.LOCAL, null));
        RoutingDecision d = ROUTER.route(BALANCED, in);
        assertThat(d).isInstanceOf(RoutingDecision.Reject.class);
        RoutingDecision.Reject r = (RoutingDecision.Reject) d;
        assertThat(r.code()).isEqualTo(RejectCode.UNSUPPORTED_BY_TIERS);
        assertThat(r.code().httpStatus()).isEqualTo(400);
        assertThat(r.parameter()).isEqualTo("messages[0].content[1]");
        assertThat(r.reason()).isEqualTo("the local tier cannot serve this request: needs image content");
    }

    @Test
    void aPolicyThatOnlyAllowsLocalRefusesAnImageWithATypedError(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("local-only.yaml"), """
                name: local-only
                thresholds: {cloud-at: 0.5}
                allowed-tiers: [local]
                """);
        Policy localOnly =
                PolicyRegistry.withDirectory(dir, InstantSource.system()).get("local-only");
        RoutingDecision d = ROUTER.route(localOnly, easy(Map.of(Capability.VISION, "messages[0].content[1]")));
        RoutingDecision.Reject r = (RoutingDecision.Reject) d;
        assertThat(r.code()).isEqualTo(RejectCode.UNSUPPORTED_BY_TIERS);
        assertThat(r.parameter()).isEqualTo("messages[0].content[1]");
        assertThat(r.reason()).contains("local needs image content");
    }

    @Test
    void aBurstFromLocalSkipsTiersThatCannotServe() {
        RoutingInput in = easy(Map.of(Capability.LOGPROBS, "logprobs"));
        // local lacks logprobs, so it is not even the target; with local busy nothing changes
        RoutingDecision.Route r =
                (RoutingDecision.Route) ROUTER.route(BALANCED, in.withLocal(new LocalEngineState(5000, 20, false)));
        assertThat(r.tier()).isEqualTo(Tier.CLOUD);
        assertThat(r.reason()).doesNotContain("burst");
    }

    @Test
    void unrestrictedRouterIgnoresNeeds() {
        Router plain = new Router(PriceTable.defaults());
        RoutingDecision.Route r = (RoutingDecision.Route)
                plain.route(BALANCED, easy(Map.of(Capability.VISION, "messages[0].content[0]")));
        assertThat(r.tier()).isEqualTo(Tier.LOCAL);
    }
}
