package dev.burstgate.policies.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.burstgate.policies.Tier;
import dev.burstgate.policies.budget.BudgetState;
import dev.burstgate.policies.classifier.Complexity;
import dev.burstgate.policies.cost.PriceTable;
import dev.burstgate.policies.cost.TierPrice;
import dev.burstgate.policies.cost.Usd;
import dev.burstgate.policies.policy.Policy;
import dev.burstgate.policies.policy.PolicyRegistry;
import dev.burstgate.policies.privacy.PiiKind;
import dev.burstgate.policies.privacy.PrivacySignal;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RouterTest {

    private static final PolicyRegistry PRESETS = PolicyRegistry.presets(InstantSource.system());
    private static final Router ROUTER = new Router(PriceTable.defaults());

    private static RoutingInput score(double s) {
        return RoutingInput.of(new Complexity(s, List.of()));
    }

    private static final PrivacySignal EMAIL = new PrivacySignal(Map.of(PiiKind.EMAIL, 1), false);

    private static Arguments row(String preset, String sentence, RoutingInput in, Object expected) {
        return Arguments.of(preset, sentence, in, expected);
    }

    /** Expected: a Tier (route to it) or a RejectCode. */
    static Stream<Arguments> decisions() {
        return Stream.of(
                // cost-saver: cloud-at 0.70, no legacy by score, burst 2000ms / 32, degrade 80% → local, exhausted
                // local-only,
                // PII local-only, clients may force local and cloud only
                row("cost-saver", "an easy prompt stays local", score(0.30), Tier.LOCAL),
                row("cost-saver", "a medium prompt still stays local", score(0.69), Tier.LOCAL),
                row("cost-saver", "a clearly hard prompt goes to cloud", score(0.70), Tier.CLOUD),
                row("cost-saver", "even the hardest prompt never goes to legacy by score", score(0.99), Tier.CLOUD),
                row(
                        "cost-saver",
                        "a local wait of 1.5 s is tolerated",
                        score(0.2).withLocal(new LocalEngineState(1500, 3, true)),
                        Tier.LOCAL),
                row(
                        "cost-saver",
                        "a local wait above 2 s bursts to cloud",
                        score(0.2).withLocal(new LocalEngineState(2500, 3, true)),
                        Tier.CLOUD),
                row(
                        "cost-saver",
                        "a queue of 32 bursts to cloud",
                        score(0.2).withLocal(new LocalEngineState(0, 32, true)),
                        Tier.CLOUD),
                row(
                        "cost-saver",
                        "personal data keeps a hard prompt local",
                        score(0.9).withPrivacy(EMAIL),
                        Tier.LOCAL),
                row(
                        "cost-saver",
                        "at 80% of the budget a hard prompt is kept local",
                        score(0.9).withBudget(BudgetState.daily(Usd.of("10"), Usd.of("8"))),
                        Tier.LOCAL),
                row(
                        "cost-saver",
                        "an exhausted budget still serves locally",
                        score(0.9).withBudget(BudgetState.daily(Usd.of("10"), Usd.of("10"))),
                        Tier.LOCAL),
                row(
                        "cost-saver",
                        "forcing cloud is honoured",
                        score(0.1).withOverrides(new RequestOverrides(Tier.CLOUD, null)),
                        Tier.CLOUD),
                row(
                        "cost-saver",
                        "forcing legacy is not allowed",
                        score(0.1).withOverrides(new RequestOverrides(Tier.LEGACY, null)),
                        RejectCode.TIER_NOT_ALLOWED),
                row(
                        "cost-saver",
                        "when local is down an easy prompt goes to cloud",
                        score(0.1).withHealth(TierHealth.allBut(Tier.LOCAL)),
                        Tier.CLOUD),
                row(
                        "cost-saver",
                        "personal data with local down has nowhere to go",
                        score(0.1).withPrivacy(EMAIL).withHealth(TierHealth.allBut(Tier.LOCAL)),
                        RejectCode.NO_TIER_AVAILABLE),

                // balanced: cloud-at 0.45, legacy-at 0.90, burst 800ms / 16, degrade 80% → cloud and 95% → local,
                // exhausted reject, PII local-only, any tier may be forced
                row("balanced", "an easy prompt stays local", score(0.44), Tier.LOCAL),
                row("balanced", "a medium prompt goes to cloud", score(0.45), Tier.CLOUD),
                row("balanced", "the hardest prompts go to legacy", score(0.90), Tier.LEGACY),
                row(
                        "balanced",
                        "a local wait above 800 ms bursts to cloud",
                        score(0.2).withLocal(new LocalEngineState(850, 2, true)),
                        Tier.CLOUD),
                row(
                        "balanced",
                        "a local engine that admits nothing bursts to cloud",
                        score(0.2).withLocal(new LocalEngineState(0, 0, false)),
                        Tier.CLOUD),
                row(
                        "balanced",
                        "a client latency ceiling below the wait bursts",
                        score(0.2)
                                .withLocal(new LocalEngineState(400, 1, true))
                                .withOverrides(new RequestOverrides(null, 300L)),
                        Tier.CLOUD),
                row(
                        "balanced",
                        "a client latency ceiling above the wait keeps local",
                        score(0.2)
                                .withLocal(new LocalEngineState(400, 1, true))
                                .withOverrides(new RequestOverrides(null, 5000L)),
                        Tier.LOCAL),
                row(
                        "balanced",
                        "personal data keeps the hardest prompt local",
                        score(0.95).withPrivacy(EMAIL),
                        Tier.LOCAL),
                row(
                        "balanced",
                        "at 85% of the budget legacy is cut to cloud",
                        score(0.95).withBudget(BudgetState.monthly(Usd.of("100"), Usd.of("85"))),
                        Tier.CLOUD),
                row(
                        "balanced",
                        "at 96% of the budget everything is local",
                        score(0.95).withBudget(BudgetState.monthly(Usd.of("100"), Usd.of("96"))),
                        Tier.LOCAL),
                row(
                        "balanced",
                        "an exhausted budget rejects",
                        score(0.1).withBudget(BudgetState.daily(Usd.of("5"), Usd.of("5.01"))),
                        RejectCode.BUDGET_EXHAUSTED),
                row(
                        "balanced",
                        "forcing legacy is honoured",
                        score(0.1).withOverrides(new RequestOverrides(Tier.LEGACY, null)),
                        Tier.LEGACY),
                row(
                        "balanced",
                        "forcing legacy at 85% of the budget is refused",
                        score(0.1)
                                .withOverrides(new RequestOverrides(Tier.LEGACY, null))
                                .withBudget(BudgetState.daily(Usd.of("1"), Usd.of("0.85"))),
                        RejectCode.TIER_NOT_ALLOWED),
                row(
                        "balanced",
                        "forcing a tier that is down is refused",
                        score(0.1)
                                .withOverrides(new RequestOverrides(Tier.CLOUD, null))
                                .withHealth(TierHealth.allBut(Tier.CLOUD)),
                        RejectCode.NO_TIER_AVAILABLE),
                row(
                        "balanced",
                        "cloud down sends a medium prompt to legacy",
                        score(0.6).withHealth(TierHealth.allBut(Tier.CLOUD)),
                        Tier.LEGACY),
                row(
                        "balanced",
                        "every tier down is a rejection",
                        score(0.6).withHealth(new TierHealth(java.util.Set.of())),
                        RejectCode.NO_TIER_AVAILABLE),

                // quality-first: cloud-at 0.25, legacy-at 0.65, burst 300ms / 4, latency 30 s, degrade 90% → cloud,
                // exhausted reject, PII allowed
                row("quality-first", "only clearly easy prompts stay local", score(0.24), Tier.LOCAL),
                row("quality-first", "most prompts go to cloud", score(0.25), Tier.CLOUD),
                row("quality-first", "hard prompts go to legacy", score(0.65), Tier.LEGACY),
                row(
                        "quality-first",
                        "a local wait of 301 ms bursts",
                        score(0.1).withLocal(new LocalEngineState(301, 1, true)),
                        Tier.CLOUD),
                row(
                        "quality-first",
                        "a queue of 4 bursts",
                        score(0.1).withLocal(new LocalEngineState(0, 4, true)),
                        Tier.CLOUD),
                row(
                        "quality-first",
                        "personal data does not change the tier",
                        score(0.7).withPrivacy(EMAIL),
                        Tier.LEGACY),
                row(
                        "quality-first",
                        "at 90% of the budget legacy is cut to cloud",
                        score(0.7).withBudget(BudgetState.daily(Usd.of("10"), Usd.of("9"))),
                        Tier.CLOUD),
                row(
                        "quality-first",
                        "an exhausted budget rejects",
                        score(0.7).withBudget(BudgetState.daily(Usd.of("10"), Usd.of("10"))),
                        RejectCode.BUDGET_EXHAUSTED),
                row(
                        "quality-first",
                        "legacy down sends a hard prompt to cloud",
                        score(0.9).withHealth(TierHealth.allBut(Tier.LEGACY)),
                        Tier.CLOUD));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("decisions")
    void everyPresetDecidesAsDocumented(String preset, String sentence, RoutingInput in, Object expected) {
        RoutingDecision d = ROUTER.route(PRESETS.get(preset), in);
        switch (expected) {
            case Tier tier ->
                assertThat(d)
                        .as(d.toString())
                        .isInstanceOfSatisfying(
                                RoutingDecision.Route.class,
                                r -> assertThat(r.tier()).isEqualTo(tier));
            case RejectCode code ->
                assertThat(d)
                        .as(d.toString())
                        .isInstanceOfSatisfying(
                                RoutingDecision.Reject.class,
                                r -> assertThat(r.code()).isEqualTo(code));
            default -> throw new IllegalArgumentException(expected.toString());
        }
    }

    @Test
    void reasonsAreShortAndHuman() {
        Policy balanced = PRESETS.get("balanced");
        assertThat(ROUTER.route(balanced, score(0.71)).reason()).isEqualTo("score 0.71 >= 0.45 → cloud");
        assertThat(ROUTER.route(balanced, score(0.2).withLocal(new LocalEngineState(850, 1, true)))
                        .reason())
                .isEqualTo("burst: local wait 850ms > 800ms → cloud");
        assertThat(ROUTER.route(balanced, score(0.95).withPrivacy(EMAIL)).reason())
                .isEqualTo("score 0.95 >= 0.90 → legacy → local; personal data (email) → local only");
        assertThat(ROUTER.route(balanced, score(0.1).withOverrides(new RequestOverrides(Tier.CLOUD, null)))
                        .reason())
                .isEqualTo("forced by request: cloud");
    }

    @Test
    void fallbackChainsFollowThePolicyAndSkipDownOrDisallowedTiers() {
        Policy balanced = PRESETS.get("balanced");
        assertThat(ROUTER.route(balanced, score(0.1)))
                .isEqualTo(new RoutingDecision.Route(
                        Tier.LOCAL, List.of(Tier.CLOUD, Tier.LEGACY), "score 0.10 < 0.45 → local"));
        assertThat(((RoutingDecision.Route)
                                ROUTER.route(balanced, score(0.1).withHealth(TierHealth.allBut(Tier.CLOUD))))
                        .fallbackChain())
                .containsExactly(Tier.LEGACY);
        assertThat(((RoutingDecision.Route) ROUTER.route(balanced, score(0.1).withPrivacy(EMAIL))).fallbackChain())
                .isEmpty();
        assertThat(((RoutingDecision.Route) ROUTER.route(
                                balanced, score(0.1).withOverrides(new RequestOverrides(Tier.LOCAL, null))))
                        .fallbackChain())
                .isEmpty();
    }

    @Test
    void aFreeLocalTierIsNeverBlockedByAnExhaustedBudget() {
        Router freeLocal = new Router(PriceTable.defaults().with(Tier.LOCAL, TierPrice.perQuery(Usd.ZERO)));
        RoutingDecision d = freeLocal.route(
                PRESETS.get("balanced"), score(0.95).withBudget(BudgetState.daily(Usd.of("1"), Usd.of("2"))));
        assertThat(d).isInstanceOfSatisfying(RoutingDecision.Route.class, r -> {
            assertThat(r.tier()).isEqualTo(Tier.LOCAL);
            assertThat(r.reason()).contains("budget exhausted → free local only");
        });
    }

    @Test
    void aBusyLocalEngineWithNoBurstTierAllowedStillQueuesLocally() {
        Policy pinned = Policy.parse("name: pinned\nthresholds: {cloud-at: 0.5}\nallowed-tiers: [local]\n", "t");
        RoutingDecision d = ROUTER.route(pinned, score(0.9).withLocal(new LocalEngineState(9000, 40, true)));
        assertThat(d).isInstanceOfSatisfying(RoutingDecision.Route.class, r -> {
            assertThat(r.tier()).isEqualTo(Tier.LOCAL);
            assertThat(r.reason()).contains("no burst tier allowed");
        });
        assertThat(ROUTER.route(pinned, score(0.9).withLocal(new LocalEngineState(0, 0, false))))
                .isInstanceOfSatisfying(
                        RoutingDecision.Reject.class,
                        r -> assertThat(r.code()).isEqualTo(RejectCode.NO_TIER_AVAILABLE));
    }

    @Test
    void aTenantPinnedToCloudGetsCloudEvenForEasyPrompts() {
        Policy pinned = Policy.parse("name: pinned\nthresholds: {cloud-at: 0.5}\nallowed-tiers: [cloud]\n", "t");
        assertThat(ROUTER.route(pinned, score(0.1)))
                .isInstanceOfSatisfying(
                        RoutingDecision.Route.class, r -> assertThat(r.tier()).isEqualTo(Tier.CLOUD));
    }

    @Test
    void aPolicyThatRejectsPersonalDataSaysWhichKind() {
        Policy strict = Policy.parse("name: strict\nthresholds: {cloud-at: 0.5}\nprivacy: {on-pii: reject}\n", "t");
        assertThat(ROUTER.route(strict, score(0.1).withPrivacy(EMAIL)))
                .isEqualTo(new RoutingDecision.Reject(RejectCode.PII_REJECTED, "personal data (email) not accepted"));
    }

    @Test
    void theModelFieldForcesATierOnlyForTierNames() {
        assertThat(RequestOverrides.forcedTierOf("Cloud")).isEqualTo(Tier.CLOUD);
        assertThat(RequestOverrides.forcedTierOf("auto")).isNull();
        assertThat(RequestOverrides.forcedTierOf("gpt-4o")).isNull();
        assertThat(RequestOverrides.forcedTierOf(null)).isNull();
    }

    @Test
    void rejectCodesCarryTheirHttpStatus() {
        assertThat(RejectCode.BUDGET_EXHAUSTED.httpStatus()).isEqualTo(402);
        assertThat(RejectCode.NO_TIER_AVAILABLE.httpStatus()).isEqualTo(503);
    }
}
