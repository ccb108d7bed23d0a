package dev.burstgate.gateway.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.burstgate.gateway.api.ApiException;
import dev.burstgate.gateway.api.BurstgateHeaders;
import dev.burstgate.gateway.api.ChatCompletionRequest;
import dev.burstgate.gateway.api.ChatRequestParser;
import dev.burstgate.gateway.tenant.Tenant;
import dev.burstgate.gateway.tenant.TenantsProperties.Budget;
import dev.burstgate.gateway.tier.TierBackend;
import dev.burstgate.gateway.tier.UpstreamChunk;
import dev.burstgate.policies.Tier;
import dev.burstgate.policies.budget.BudgetState;
import dev.burstgate.policies.budget.ExhaustedAction;
import dev.burstgate.policies.classifier.ChatMessage;
import dev.burstgate.policies.classifier.ComplexityClassifier;
import dev.burstgate.policies.cost.PriceTable;
import dev.burstgate.policies.cost.Usd;
import dev.burstgate.policies.policy.PolicyRegistry;
import dev.burstgate.policies.privacy.PiiDetector;
import dev.burstgate.policies.routing.LocalEngineState;
import dev.burstgate.policies.routing.Router;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import reactor.core.publisher.Flux;
import tools.jackson.databind.json.JsonMapper;

/** The router adapter: the tenant's or the header's policy, the live signals and the request, into a decision. */
class PolicyRequestRouterTest {

    private static final ComplexityClassifier CLASSIFIER = ComplexityClassifier.bundled();
    private static final String HELLO = "{\"messages\":[{\"role\":\"user\",\"content\":\"hello there\"}]}";

    @TempDir
    Path policies;

    private final ChatRequestParser parser =
            new ChatRequestParser(JsonMapper.builder().build(), Map.of());
    private final AtomicReference<LocalEngineState> local = new AtomicReference<>(LocalEngineState.IDLE);
    private final Set<Tier> down = EnumSet.noneOf(Tier.class);
    private final Tenant acme = new Tenant(
            "acme", "balanced", Set.of("cost-saver", "all-cloud", "remote-only"), 10, new Budget(null, null));
    private PolicyRequestRouter router;

    @BeforeEach
    void policiesAndTiers() throws Exception {
        Files.writeString(policies.resolve("all-cloud.yaml"), """
        name: all-cloud
        description: Every prompt to cloud.
        thresholds:
          cloud-at: 0.0
        fallback:
          local: [cloud]
          cloud: [legacy, local]
          legacy: [cloud, local]
        """, StandardCharsets.UTF_8);
        Files.writeString(policies.resolve("remote-only.yaml"), """
        name: remote-only
        description: No local tier; local-only at 100 %.
        thresholds:
          cloud-at: 0.0
        allowed-tiers: [cloud, legacy]
        budget:
          on-exhausted: local-only
        """, StandardCharsets.UTF_8);
        List<TierBackend> tiers =
                EnumSet.allOf(Tier.class).stream().map(this::tier).toList();
        router = new PolicyRequestRouter(
                PolicyRegistry.withDirectory(policies, InstantSource.system()),
                CLASSIFIER,
                new PiiDetector(),
                new Router(PriceTable.defaults()),
                local::get,
                tiers);
    }

    /** A tier that is up unless the test put it in {@link #down}; never called (routing sends nothing). */
    private TierBackend tier(Tier tier) {
        return new TierBackend() {
            @Override
            public Tier tier() {
                return tier;
            }

            @Override
            public boolean available() {
                return !down.contains(tier);
            }

            @Override
            public boolean simulated() {
                return true;
            }

            @Override
            public String model() {
                return tier.label();
            }

            @Override
            public Flux<UpstreamChunk> call(ChatCompletionRequest request, String requestId) {
                throw new AssertionError("routing calls no tier");
            }
        };
    }

    private ChatCompletionRequest request(String body) {
        return parser.parse(body.getBytes(StandardCharsets.UTF_8));
    }

    private static HttpHeaders headers(String... nameValues) {
        HttpHeaders h = new HttpHeaders();
        for (int i = 0; i < nameValues.length; i += 2) {
            h.add(nameValues[i], nameValues[i + 1]);
        }
        return h;
    }

    private RequestRouter.Decision route(String body, HttpHeaders headers, BudgetState budget) {
        return router.route(acme, request(body), headers, budget);
    }

    private RequestRouter.Decision.Route routed(String body, HttpHeaders headers) {
        RequestRouter.Decision d = route(body, headers, BudgetState.UNLIMITED);
        assertThat(d).isInstanceOf(RequestRouter.Decision.Route.class);
        return (RequestRouter.Decision.Route) d;
    }

    private ApiException refused(String body, HttpHeaders headers) {
        return catchThrowableOfType(ApiException.class, () -> route(body, headers, BudgetState.UNLIMITED));
    }

    private ApiException rejected(RequestRouter.Decision d) {
        assertThat(d).isInstanceOf(RequestRouter.Decision.Reject.class);
        return ((RequestRouter.Decision.Reject) d).error();
    }

    @Test
    void routesWithTheTenantsPolicyTheTierFirstThenItsFallbackChain() {
        RequestRouter.Decision.Route r = routed(HELLO, headers());

        double score =
                CLASSIFIER.classify(List.of(ChatMessage.user("hello there"))).score();
        assertThat(r.policy()).isEqualTo("balanced");
        assertThat(r.complexity()).isEqualTo(score);
        assertThat(score).isLessThan(0.45);
        assertThat(r.tiers()).containsExactly(Tier.LOCAL, Tier.CLOUD, Tier.LEGACY);
        assertThat(r.reason()).endsWith("< 0.45 → local");
        assertThat(r.onExhausted()).isEqualTo(ExhaustedAction.REJECT);
    }

    @Test
    void theClassifierSeesEveryMessageWithItsRole() {
        String body = "{\"messages\":[{\"role\":\"system\",\"content\":\"Answer in French.\"},"
                + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"What is\"},{\"type\":\"text\",\"text\":\"2+2?\"}]}]}";

        assertThat(routed(body, headers()).complexity())
                .isEqualTo(CLASSIFIER
                        .classify(List.of(ChatMessage.system("Answer in French."), ChatMessage.user("What is\n2+2?")))
                        .score());
    }

    @Test
    void thePolicyHeaderPicksAnotherPolicyTheTenantMayUse() {
        RequestRouter.Decision.Route r = routed(HELLO, headers(BurstgateHeaders.POLICY, "  all-cloud "));
        assertThat(r.policy()).isEqualTo("all-cloud");
        assertThat(r.tiers()).containsExactly(Tier.CLOUD, Tier.LEGACY, Tier.LOCAL);

        assertThat(routed(HELLO, headers(BurstgateHeaders.POLICY, "cost-saver")).onExhausted())
                .isEqualTo(ExhaustedAction.LOCAL_ONLY);
        assertThat(routed(HELLO, headers(BurstgateHeaders.POLICY, " ")).policy())
                .as("blank: the tenant's own")
                .isEqualTo("balanced");
    }

    @Test
    void aPolicyHeaderIsRefusedWhenItIsNoNameNotTheTenantsOrUnknown() {
        ApiException malformed = refused(HELLO, headers(BurstgateHeaders.POLICY, "../../etc/passwd"));
        assertThat(malformed.status()).isEqualTo(HttpStatus.BAD_REQUEST);
        assertThat(malformed.code()).isEqualTo("invalid_header");
        assertThat(malformed.param()).isEqualTo(BurstgateHeaders.POLICY);
        assertThat(malformed.getMessage()).doesNotContain("passwd");
        assertThat(refused(HELLO, headers(BurstgateHeaders.POLICY, "x".repeat(65)))
                        .code())
                .isEqualTo("invalid_header");

        ApiException foreign = refused(HELLO, headers(BurstgateHeaders.POLICY, "quality-first"));
        assertThat(foreign.status()).isEqualTo(HttpStatus.FORBIDDEN);
        assertThat(foreign.getMessage()).isEqualTo("Tenant 'acme' may not use policy 'quality-first'.");

        Tenant any = new Tenant("any", "balanced", Set.of(Tenant.ANY_POLICY), 10, new Budget(null, null));
        ApiException unknown = catchThrowableOfType(
                ApiException.class,
                () -> router.route(
                        any, request(HELLO), headers(BurstgateHeaders.POLICY, "gone"), BudgetState.UNLIMITED));
        assertThat(unknown.code()).isEqualTo("policy_not_found");
        assertThat(unknown.getMessage()).contains("all-cloud, balanced, cost-saver, quality-first, remote-only");
    }

    @Test
    void theLatencyHeaderLowersTheCeilingAtWhichLocalBursts() {
        local.set(new LocalEngineState(500, 1, true));
        assertThat(routed(HELLO, headers()).tiers())
                .as("500 ms is within balanced's 800 ms")
                .startsWith(Tier.LOCAL);

        RequestRouter.Decision.Route r = routed(HELLO, headers(BurstgateHeaders.MAX_LATENCY_MS, " 100 "));
        assertThat(r.tiers()).startsWith(Tier.CLOUD);
        assertThat(r.reason()).contains("local wait 500ms > latency ceiling 100ms");
        // What the router saw goes with the decision, for the ledger.
        assertThat(r.input()).isNotNull();
        assertThat(r.input().local()).isEqualTo(new LocalEngineState(500, 1, true));
        assertThat(r.input().overrides().maxLatencyMs()).isEqualTo(100L);
        assertThat(r.input().complexity().score()).isEqualTo(r.complexity());
    }

    @Test
    void aLatencyHeaderThatIsNoPositiveWholeNumberIs400() {
        for (String bad : List.of("abc", "0", "-5", "1.5", "99999999999999999999")) {
            ApiException e = refused(HELLO, headers(BurstgateHeaders.MAX_LATENCY_MS, bad));
            assertThat(e.status()).as(bad).isEqualTo(HttpStatus.BAD_REQUEST);
            assertThat(e.code()).isEqualTo("invalid_header");
            assertThat(e.param()).isEqualTo(BurstgateHeaders.MAX_LATENCY_MS);
        }
    }

    @Test
    void aForcedTierIsTheOnlyTierTried() {
        RequestRouter.Decision.Route r =
                routed("{\"model\":\"legacy\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", headers());
        assertThat(r.tiers()).containsExactly(Tier.LEGACY);
        assertThat(r.reason()).isEqualTo("forced by request: legacy");
    }

    @Test
    void theTiersHealthComesFromTheBackends() {
        down.add(Tier.CLOUD);
        RequestRouter.Decision.Route r = routed(HELLO, headers(BurstgateHeaders.POLICY, "all-cloud"));
        assertThat(r.tiers()).containsExactly(Tier.LEGACY, Tier.LOCAL);
        assertThat(r.reason()).contains("cloud down → legacy");

        down.addAll(EnumSet.allOf(Tier.class));
        ApiException none = rejected(route(HELLO, headers(), BudgetState.UNLIMITED));
        assertThat(none.status()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
        assertThat(none.type()).isEqualTo("api_error");
        assertThat(none.code()).isEqualTo("no_tier_available");
    }

    @Test
    void personalDataNarrowsBalancedToTheLocalTier() {
        RequestRouter.Decision.Route r = routed(
                "{\"messages\":[{\"role\":\"user\",\"content\":\"mail jane.doe@example.com the report\"}]}", headers());
        assertThat(r.tiers()).containsExactly(Tier.LOCAL);
        assertThat(r.reason()).contains("personal data (email)");
    }

    @Test
    void aRefusalByThePolicyBecomesTheErrorTheClientGets() {
        BudgetState exhausted = BudgetState.monthly(Usd.of("1"), Usd.of("1"));
        RequestRouter.Decision.Reject budget = (RequestRouter.Decision.Reject) route(HELLO, headers(), exhausted);
        assertThat(budget.policy()).isEqualTo("balanced");
        assertThat(budget.error().status()).isEqualTo(HttpStatus.PAYMENT_REQUIRED);
        assertThat(budget.error().type()).isEqualTo("insufficient_quota");
        assertThat(budget.error().code()).isEqualTo("budget_exhausted");
        assertThat(budget.error().param()).isNull();
        assertThat(budget.error().getMessage()).isEqualTo("budget exhausted (100% used)");

        ApiException forced = rejected(route(
                "{\"model\":\"legacy\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                headers(BurstgateHeaders.POLICY, "cost-saver"),
                BudgetState.UNLIMITED));
        assertThat(forced.status()).isEqualTo(HttpStatus.BAD_REQUEST);
        assertThat(forced.type()).isEqualTo("invalid_request_error");
        assertThat(forced.code()).isEqualTo("tier_not_allowed");
        assertThat(forced.param()).isEqualTo("model");
    }

    @Test
    void underLocalOnlyAtTheLimitThePolicyServesLocallyAndTheDispatcherIsToldSo() {
        BudgetState exhausted = BudgetState.monthly(Usd.of("1"), Usd.of("1"));
        RequestRouter.Decision.Route r =
                (RequestRouter.Decision.Route) route(HELLO, headers(BurstgateHeaders.POLICY, "cost-saver"), exhausted);
        assertThat(r.tiers()).containsExactly(Tier.LOCAL);
        assertThat(r.onExhausted()).isEqualTo(ExhaustedAction.LOCAL_ONLY);
    }

    @Test
    void localOnlyWithoutALocalTierRefusesAsReject() {
        RequestRouter.Decision.Route r = routed(HELLO, headers(BurstgateHeaders.POLICY, "remote-only"));
        assertThat(r.tiers()).doesNotContain(Tier.LOCAL);
        assertThat(r.onExhausted()).as("no local tier to fall back to").isEqualTo(ExhaustedAction.REJECT);
    }
}
