package dev.burstgate.gateway.chat;

import static dev.burstgate.gateway.testsupport.Upstream.completion;
import static dev.burstgate.gateway.testsupport.Upstream.up;
import static org.assertj.core.api.Assertions.assertThat;

import dev.burstgate.gateway.api.ApiException;
import dev.burstgate.gateway.api.BurstgateHeaders;
import dev.burstgate.gateway.api.ChatCompletionRequest;
import dev.burstgate.gateway.api.ChatRequestParser;
import dev.burstgate.gateway.budget.BudgetLimits;
import dev.burstgate.gateway.budget.BudgetStore;
import dev.burstgate.gateway.cache.CacheProperties;
import dev.burstgate.gateway.cache.ResponseCache;
import dev.burstgate.gateway.dispatch.CostRecords;
import dev.burstgate.gateway.dispatch.Dispatcher;
import dev.burstgate.gateway.response.ResponseWriter;
import dev.burstgate.gateway.routing.PolicyRequestRouter;
import dev.burstgate.gateway.tenant.Tenant;
import dev.burstgate.gateway.tenant.TenantsProperties.Budget;
import dev.burstgate.gateway.testsupport.ScriptedTier;
import dev.burstgate.gateway.tier.TierBackend;
import dev.burstgate.gateway.usage.CostEvents;
import dev.burstgate.gateway.usage.CostRecord;
import dev.burstgate.gateway.usage.Outcome;
import dev.burstgate.policies.Tier;
import dev.burstgate.policies.budget.BudgetRefusals;
import dev.burstgate.policies.budget.BudgetState;
import dev.burstgate.policies.capability.Capability;
import dev.burstgate.policies.capability.RequestNeeds;
import dev.burstgate.policies.capability.TierCapabilities;
import dev.burstgate.policies.classifier.ChatMessage;
import dev.burstgate.policies.classifier.ComplexityClassifier;
import dev.burstgate.policies.cost.PriceTable;
import dev.burstgate.policies.cost.TierPrice;
import dev.burstgate.policies.cost.TokenEstimate;
import dev.burstgate.policies.cost.Usage;
import dev.burstgate.policies.cost.Usd;
import dev.burstgate.policies.policy.Policy;
import dev.burstgate.policies.policy.PolicyRegistry;
import dev.burstgate.policies.privacy.PiiDetector;
import dev.burstgate.policies.routing.LocalEngineState;
import dev.burstgate.policies.routing.RequestOverrides;
import dev.burstgate.policies.routing.Router;
import dev.burstgate.policies.routing.RoutingDecision;
import dev.burstgate.policies.routing.RoutingInput;
import dev.burstgate.policies.simulation.SimulationConfig;
import dev.burstgate.policies.simulation.SimulationReport;
import dev.burstgate.policies.simulation.Simulator;
import dev.burstgate.policies.simulation.TrafficReader;
import dev.burstgate.policies.simulation.TrafficRecord;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.http.MediaType;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The gateway and the policy lab decide alike. The same requests go, one tenant after another, through the chat
 * route's filter (real parser, policy router, in-memory budget store, dispatcher; every tier answers, with the usage
 * the simulator assumes) and through {@link Simulator#run} as {@code policy-lab simulate} replays them (each tenant's
 * budget as the run's budget). For every request both must choose the same tier, or refuse with the same code, and
 * leave the same spend behind — over the presets and two policies of this test's own, with per-token prices and with
 * a free local tier, and tenants from no budget to an exhausted one.
 *
 * <p>The simulator reports totals only; the decision on the k-th request is what the totals of the first k requests
 * add to those of the first k − 1 (a replay is deterministic, and arrivals an hour apart keep its local engine idle,
 * as the gateway's is here).
 *
 * <p>The traffic format has no {@code model}: the simulator replays every request as {@code auto}. Requests that
 * force a tier are checked against the rule the simulator applies (the {@link Router}, then {@link BudgetRefusals}
 * over the one forced tier).
 */
class SimulatorAgreementTest {

    private static final Instant NOW = Instant.parse("2026-11-29T10:00:00Z");
    private static final InstantSource CLOCK = InstantSource.fixed(NOW);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final ComplexityClassifier CLASSIFIER = ComplexityClassifier.bundled();

    private static final PriceTable PER_TOKEN = PriceTable.defaults()
            .with(Tier.CLOUD, new TierPrice(Usd.of("0.18"), Usd.of("1.00"), Usd.of("2.00")))
            .with(Tier.LEGACY, new TierPrice(Usd.of("1.10"), Usd.of("2.50"), Usd.of("10.00")));
    private static final PriceTable FREE_LOCAL = PER_TOKEN.with(Tier.LOCAL, TierPrice.perQuery(Usd.ZERO));

    /** Policies beside the presets: everything to cloud first; and no local tier with local-only at 100 %. */
    private static final Map<String, String> OWN_POLICIES = Map.of(
            "cloud-first", """
          name: cloud-first
          description: Every prompt to cloud first; local is the cheaper fallback, legacy the dearer one.
          thresholds:
            cloud-at: 0.0
          allowed-tiers: [local, cloud, legacy]
          fallback:
            local: [cloud]
            cloud: [local, legacy]
            legacy: [cloud, local]
          budget:
            on-exhausted: reject
          """,
            "remote-only", """
          name: remote-only
          description: Cloud and legacy only; local-only at 100 % without a local tier.
          thresholds:
            cloud-at: 0.30
            legacy-at: 0.55
          allowed-tiers: [cloud, legacy]
          fallback:
            cloud: [legacy]
            legacy: [cloud]
          budget:
            degrade:
              - at: 0.50
                max-tier: cloud
            on-exhausted: local-only
          privacy:
            on-pii: local-only
            kinds: [email, phone]
          """);

    private static final List<String> POLICIES =
            List.of("cost-saver", "balanced", "quality-first", "cloud-first", "remote-only");

    /**
     * One request: its messages (the JSON array, as a client sends it), the completion tokens every tier answers with,
     * and further top-level fields ({@code "tools":[...]}, or "") that decide which tiers can serve it.
     */
    record Request(String id, String messages, long completionTokens, String extra) {}

    /**
     * What the tiers serve, alike on both sides: local tools and JSON output up to 300 prompt tokens (so the longest
     * prompts go elsewhere); cloud everything but images; legacy everything.
     */
    private static final TierCapabilities CAPABILITIES = TierCapabilities.defaults(300L)
            .with(Tier.CLOUD, new TierCapabilities.Of(EnumSet.complementOf(EnumSet.of(Capability.VISION)), null));

    private static Router router(PriceTable prices) {
        return new Router(prices, CAPABILITIES);
    }

    private static final String TOOLS =
            "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"order_status\",\"parameters\":"
                    + "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"string\"}}}}}]";

    private static final String IMAGE =
            "[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"What is in this "
                    + "picture?\"},{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64,AA==\"}}]}]";

    private static String user(String text) {
        return "[{\"role\":\"user\",\"content\":" + JSON.writeValueAsString(text) + "}]";
    }

    private static final String PARTS = "[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"What is\"},"
            + "{\"type\":\"text\",\"text\":\"2+2?\"}]}]";

    /** Prompts of every size and kind: trivial, reasoning, code, maths, options, personal data, conversations, parts. */
    static final List<Request> REQUESTS = requests();

    private static List<Request> requests() {
        List<String> messages = new ArrayList<>(List.of(
                PARTS,
                user("hi"),
                user("hello there"),
                user("What is 2 + 2?"),
                user("Translate 'good morning' into French."),
                user("Summarize the plot of Romeo and Juliet in two sentences."),
                user(
                        "Prove that there are infinitely many primes. Then generalise the argument to primes of the form 4k+3, "
                                + "and explain why the same approach fails for primes of the form 4k+1."),
                user(
                        "Write a Python function that merges two sorted lists in O(n) time, with unit tests, and explain its "
                                + "complexity.\n```python\ndef merge(a, b):\n    pass\n```"),
                user(
                        "Let f(x) = x^3 - 6x^2 + 11x - 6. Find all real roots, prove there are no others, and determine the "
                                + "intervals where f is increasing. Justify each step with a derivative argument."),
                user("Please email the signed invoice to jane.doe@example.com by Friday."),
                user("Call me back at +44 20 7946 0958 about the order."),
                "[{\"role\":\"system\",\"content\":\"You are a terse assistant.\"},"
                        + "{\"role\":\"user\",\"content\":\"List three prime numbers.\"}]",
                "[{\"role\":\"user\",\"content\":\"What is the capital of Australia?\"},"
                        + "{\"role\":\"assistant\",\"content\":\"Canberra.\"},"
                        + "{\"role\":\"user\",\"content\":\"And its population, roughly? Compare it with Sydney's and explain "
                        + "why the capital is not the largest city.\"}]",
                "[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"Read the contract below.\"},"
                        + "{\"type\":\"text\",\"text\":\""
                        + "The supplier shall deliver the goods within thirty days. ".repeat(12)
                        + "\"},{\"type\":\"text\",\"text\":\"Which obligations does it create, and for whom?\"}]}]",
                user("Which of the following is a mammal?\nA. Shark\nB. Dolphin\nC. Trout\nD. Octopus"),
                user("Return a JSON object with the fields name, age and city for a fictional person."),
                user(
                        "A train leaves at 3 pm at 60 km/h; another leaves the same station at 4 pm at 80 km/h on the same "
                                + "track. When does the second catch up? Show your reasoning step by step."),
                user(
                        "Explain the difference between TCP and UDP, when each is the better choice, and how QUIC changes "
                                + "the trade-off. Then design a reliable messaging protocol over UDP and analyse its failure modes."),
                user("ok"),
                user("Thanks!"),
                user("Compute the integral of x * e^(2x) from 0 to 1, then verify the result by differentiation."),
                user(
                        "Derive the closed form of the sum of the first n cubes, prove it by induction, and relate it to the "
                                + "square of the n-th triangular number. Generalise to sums of fifth powers if you can."),
                user("My card number is 4111 1111 1111 1111, is it valid?"),
                user("What's the weather like on Mars?"),
                user("Refactor this Java method to use streams and explain the performance implications:\n"
                        + "for (int i = 0; i < xs.size(); i++) { if (xs.get(i) > 0) { out.add(xs.get(i) * 2); } }"),
                user("Write a haiku about autumn."),
                user(("Analyse the following passage and identify every logical fallacy, naming each and quoting the "
                                + "sentence that commits it. ")
                        .repeat(20)),
                user(
                        "In a game of chess, is it possible to force checkmate with king and two knights against a lone king? "
                                + "Prove your answer."),
                user("Name a colour."),
                user(
                        "Explain quantum entanglement to a ten-year-old, then to a physics undergraduate, then formally, with "
                                + "the density-matrix definition and a proof that a Bell state is not separable.")));
        List<Request> out = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            out.add(new Request("r" + i, messages.get(i), 20 + (i * 97L) % 600, ""));
        }
        // requests whose needs decide where they can go: tools and JSON (local serves them), an image (legacy only),
        // log-probabilities (remote tiers only), a hard prompt with tools
        out.add(new Request("t0", user("What is the status of order 1234?"), 40, TOOLS));
        out.add(new Request(
                "t1",
                user("Return a JSON object with three prime numbers."),
                30,
                "\"response_format\":{\"type\":\"json_object\"}"));
        out.add(new Request("t2", IMAGE, 80, ""));
        out.add(new Request("t3", user("Name a colour."), 10, "\"logprobs\":true,\"top_logprobs\":2"));
        out.add(new Request(
                "t4",
                user("Prove that the square root of two is irrational, then look up order 77 and explain its status."),
                200,
                TOOLS));
        out.add(new Request("t5", IMAGE, 60, "\"logprobs\":true"));
        return List.copyOf(out);
    }

    /** A tenant and its monthly limit (null: none). */
    record TenantBudget(String name, @Nullable Usd monthly) {}

    /**
     * The tenants of every scenario: from no budget to none left. {@code edge}'s budget is exactly what the first
     * request's cloud attempt reserves (its prompt sent as two text parts): it fits, and nothing more does.
     */
    private static List<TenantBudget> tenants(PriceTable prices) {
        long partsChars = ChatMessage.joinParts(List.of("What is", "2+2?")).length();
        Usd edge = prices.cost(
                Tier.CLOUD, new Usage(TokenEstimate.promptTokens(partsChars), TokenEstimate.DEFAULT_COMPLETION_TOKENS));
        return List.of(
                new TenantBudget("unlimited", null),
                new TenantBudget("roomy", Usd.of("4.00")),
                new TenantBudget("tight", Usd.of("0.80")),
                new TenantBudget("scant", Usd.of("0.07")),
                new TenantBudget("broke", Usd.ZERO),
                new TenantBudget("edge", edge));
    }

    /** Each tenant sends every request, starting at its own place in the list (edge starts with the first). */
    private static List<Request> requestsOf(int tenantIndex, String tenant) {
        int shift = tenant.equals("edge") ? 0 : (tenantIndex * 7) % REQUESTS.size();
        List<Request> rotated = new ArrayList<>(REQUESTS.subList(shift, REQUESTS.size()));
        rotated.addAll(REQUESTS.subList(0, shift));
        return rotated;
    }

    record Scenario(String policy, String pricing, PriceTable prices) {
        @Override
        public String toString() {
            return policy + ", " + pricing;
        }
    }

    static Stream<Scenario> scenarios() {
        return POLICIES.stream()
                .flatMap(p -> Stream.of(
                        new Scenario(p, "per-token prices", PER_TOKEN),
                        new Scenario(p, "a free local tier", FREE_LOCAL)));
    }

    @TempDir
    static Path policiesDir;

    private static PolicyRegistry registry() throws IOException {
        for (Map.Entry<String, String> e : OWN_POLICIES.entrySet()) {
            Files.writeString(policiesDir.resolve(e.getKey() + ".yaml"), e.getValue(), StandardCharsets.UTF_8);
        }
        PolicyRegistry registry = PolicyRegistry.withDirectory(policiesDir, CLOCK);
        assertThat(registry.names()).containsAll(POLICIES);
        return registry;
    }

    // ---- the gateway -----------------------------------------------------------------------------------------------

    /** What one request came to: the answering tier's label, or {@code rejected <code>}; and the tenant's spend after. */
    record Decision(String request, String outcome, Usd spentAfter) {
        @Override
        public String toString() {
            return request + " " + outcome + " (spent " + spentAfter + ")";
        }
    }

    /** The chat route's filter over a fresh store, its cost records, and the tiers' usage by request. */
    private static final class Gateway {
        final BudgetStore store;
        final ChatCompletionsFilter filter;
        final List<CostRecord> records = Collections.synchronizedList(new ArrayList<>());
        final Map<JsonNode, Long> completions = new HashMap<>();

        Gateway(PolicyRegistry registry, PriceTable prices, List<TenantBudget> tenants) {
            Map<String, BudgetLimits> limits = new HashMap<>();
            tenants.forEach(t -> limits.put(t.name(), new BudgetLimits(null, t.monthly())));
            store = BudgetStore.inMemory(t -> limits.getOrDefault(t, BudgetLimits.NONE), CLOCK);
            List<TierBackend> tiers = Arrays.stream(Tier.values())
                    .<TierBackend>map(t -> new ScriptedTier(t, this::answer))
                    .toList();
            CostRecords costRecords = new CostRecords(prices, new CostEvents(List.of(records::add)), System::nanoTime);
            filter = new ChatCompletionsFilter(
                    new ChatRequestParser(JSON, Map.of()),
                    new PolicyRequestRouter(
                            registry,
                            CLASSIFIER,
                            new PiiDetector(),
                            router(prices),
                            () -> LocalEngineState.IDLE,
                            tiers),
                    store,
                    new Dispatcher(tiers, prices, store, costRecords, TokenEstimate.DEFAULT_COMPLETION_TOKENS),
                    new ResponseWriter(JSON),
                    new ResponseCache(new CacheProperties(false, 1, Duration.ofMinutes(1)), JSON),
                    costRecords,
                    CLOCK,
                    1 << 20);
        }

        /** Every tier answers, reporting the usage the simulator assumes: the estimated prompt, the row's completion. */
        private Flux<dev.burstgate.gateway.tier.UpstreamChunk> answer(ChatCompletionRequest request) {
            long chars = request.messages().stream()
                    .mapToLong(m -> m.content().length())
                    .sum();
            Long completion = completions.get(request.body().get("messages"));
            return Flux.just(up(completion("answer", TokenEstimate.promptTokens(chars), completion)));
        }

        Decision send(Tenant tenant, Request r, @Nullable String model) {
            String body = "{" + (model == null ? "" : "\"model\":\"" + model + "\",") + "\"messages\":" + r.messages()
                    + (r.extra().isEmpty() ? "" : "," + r.extra()) + "}";
            completions.put(JSON.readTree(r.messages()), r.completionTokens());
            MockServerWebExchange ex = MockServerWebExchange.from(MockServerHttpRequest.post("/v1/chat/completions")
                    .contentType(MediaType.APPLICATION_JSON)
                    .body(body));
            ex.getAttributes().put(Tenant.ATTRIBUTE, tenant);
            String outcome = Mono.defer(() -> filter.filter(ex, e -> Mono.empty()))
                    .then(Mono.fromSupplier(() -> ex.getResponse().getHeaders().getFirst(BurstgateHeaders.TIER)))
                    .onErrorResume(ApiException.class, e -> Mono.just("rejected " + e.code()))
                    .block();
            return new Decision(
                    r.id(), outcome, store.view(tenant.name()).block().monthly().spent());
        }
    }

    private static Tenant tenant(TenantBudget t, String policy) {
        return new Tenant(
                t.name(),
                policy,
                Set.of(),
                1000,
                new Budget(null, t.monthly() == null ? null : t.monthly().amount()));
    }

    // ---- the simulator ---------------------------------------------------------------------------------------------

    private static TrafficRecord trafficRow(Request r, int line) {
        return new TrafficReader(false)
                .parse(
                        "agreement",
                        line,
                        "{\"id\":\"" + r.id() + "\",\"ts\":" + line * 3600L + ",\"messages\":" + r.messages()
                                + ",\"completion_tokens\":" + r.completionTokens()
                                + (r.extra().isEmpty() ? "" : "," + r.extra()) + "}");
    }

    /** The simulator's decision on each request, from the totals of the first k and k − 1 requests. */
    private static List<Decision> simulate(
            Policy policy, PriceTable prices, @Nullable Usd budget, List<Request> requests) {
        Simulator simulator = new Simulator(
                router(prices),
                CLASSIFIER,
                new PiiDetector(),
                SimulationConfig.defaults().withPrices(prices).withBudget(budget));
        List<TrafficRecord> rows = new ArrayList<>();
        for (int i = 0; i < requests.size(); i++) {
            rows.add(trafficRow(requests.get(i), i + 1));
        }
        List<Decision> out = new ArrayList<>();
        SimulationReport before = simulator.run(policy, simulator.prepare(List.of(), n -> {}));
        for (int k = 1; k <= rows.size(); k++) {
            SimulationReport after = simulator.run(policy, simulator.prepare(rows.subList(0, k), n -> {}));
            out.add(new Decision(requests.get(k - 1).id(), difference(before, after), after.cost()));
            before = after;
        }
        return out;
    }

    private static String difference(SimulationReport before, SimulationReport after) {
        List<String> added = new ArrayList<>();
        for (Tier t : Tier.values()) {
            for (int n = before.count(t); n < after.count(t); n++) {
                added.add(t.label());
            }
        }
        after.rejected().forEach((code, n) -> {
            for (int i = before.rejected().getOrDefault(code, 0); i < n; i++) {
                added.add("rejected " + code.name().toLowerCase(java.util.Locale.ROOT));
            }
        });
        assertThat(added).as("one decision per request").hasSize(1);
        return added.getFirst();
    }

    // ---- the tests -------------------------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void theGatewayAndTheSimulatorChooseTheSameTiersAndRefuseTheSameRequests(Scenario s) throws IOException {
        PolicyRegistry registry = registry();
        List<TenantBudget> tenants = tenants(s.prices());
        Gateway gateway = new Gateway(registry, s.prices(), tenants);
        for (int i = 0; i < tenants.size(); i++) {
            TenantBudget t = tenants.get(i);
            List<Request> requests = requestsOf(i, t.name());
            List<Decision> gatewayDecisions = new ArrayList<>();
            for (Request r : requests) {
                gatewayDecisions.add(gateway.send(tenant(t, s.policy()), r, null));
            }

            List<Decision> simulated = simulate(registry.get(s.policy()), s.prices(), t.monthly(), requests);

            assertThat(gatewayDecisions)
                    .as("%s, tenant %s (budget %s)", s, t.name(), t.monthly())
                    .containsExactlyElementsOf(simulated);
        }
    }

    /** Guards the comparison above against agreeing on easy cases only: the requests reach every budget path. */
    @Test
    void theRequestsReachEveryTierAndEveryBudgetPathOfTheGateway() throws IOException {
        PolicyRegistry registry = registry();
        Map<String, Integer> seen = new LinkedHashMap<>();
        scenarios().forEach(s -> {
            List<TenantBudget> tenants = tenants(s.prices());
            Gateway gateway = new Gateway(registry, s.prices(), tenants);
            for (int i = 0; i < tenants.size(); i++) {
                TenantBudget t = tenants.get(i);
                for (Request r : requestsOf(i, t.name())) {
                    Decision d = gateway.send(tenant(t, s.policy()), r, null);
                    seen.merge(d.outcome(), 1, Integer::sum);
                }
            }
            for (CostRecord r : gateway.records) {
                boolean refused = r.attempts().stream().anyMatch(a -> a.outcome() == Outcome.REJECTED);
                if (refused && r.finalTier() != null && r.outcome() != Outcome.REJECTED) {
                    seen.merge("answered by " + r.finalTier().label() + " after a refusal", 1, Integer::sum);
                }
                if (refused && r.outcome() == Outcome.REJECTED) {
                    seen.merge("402 after a refusal", 1, Integer::sum);
                }
                if (r.reason().contains("budget") && r.reason().contains("at most")) {
                    seen.merge("capped by a degrade step", 1, Integer::sum);
                }
                if (r.reason().contains("personal data")) {
                    seen.merge("narrowed by personal data", 1, Integer::sum);
                }
                if (r.reason().contains("needs image content")) {
                    seen.merge("moved by a need", 1, Integer::sum);
                }
                if (r.reason().contains("context")) {
                    seen.merge("moved by the local context", 1, Integer::sum);
                }
            }
        });

        assertThat(seen)
                .as("outcomes over every scenario")
                .containsKeys(
                        "local",
                        "cloud",
                        "legacy",
                        "rejected budget_exhausted",
                        "rejected no_tier_available",
                        "answered by local after a refusal",
                        "answered by cloud after a refusal",
                        "402 after a refusal",
                        "capped by a degrade step",
                        "narrowed by personal data",
                        "moved by a need",
                        "moved by the local context",
                        "rejected unsupported_by_tiers");
    }

    /**
     * A request that forces a tier gets the router's decision with the request's override and no fallback chain, and
     * {@link BudgetRefusals} over that one tier with no local tier added — as the simulator applies them to the tiers
     * the router chose.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void aForcedTierIsDecidedByTheSameRouterAndRefusalRule(Scenario s) throws IOException {
        PolicyRegistry registry = registry();
        Policy policy = registry.get(s.policy());
        List<TenantBudget> tenants = tenants(s.prices());
        Gateway gateway = new Gateway(registry, s.prices(), tenants);
        PiiDetector pii = new PiiDetector();
        for (TenantBudget t : tenants) {
            Usd spent = Usd.ZERO;
            List<Decision> expected = new ArrayList<>();
            List<Decision> actual = new ArrayList<>();
            for (int i = 0; i < REQUESTS.size(); i++) {
                Request r = REQUESTS.get(i);
                Tier forced = Tier.values()[i % Tier.values().length];
                actual.add(gateway.send(tenant(t, s.policy()), r, forced.label()));

                List<ChatMessage> messages = trafficRow(r, i + 1).messages();
                BudgetState state =
                        t.monthly() == null ? BudgetState.UNLIMITED : BudgetState.monthly(t.monthly(), spent);
                TrafficRecord row = trafficRow(r, i + 1);
                long promptTokens = TokenEstimate.promptTokens(row.chars());
                RoutingDecision decision = router(s.prices())
                        .route(
                                policy,
                                RoutingInput.of(CLASSIFIER.classify(messages))
                                        .withPrivacy(pii.scan(messages))
                                        .withBudget(state)
                                        .withOverrides(new RequestOverrides(forced, null))
                                        .withNeeds(new RequestNeeds(row.needs(), promptTokens)));
                String outcome;
                if (decision instanceof RoutingDecision.Reject reject) {
                    outcome = "rejected " + reject.code().name().toLowerCase(java.util.Locale.ROOT);
                } else {
                    assertThat(((RoutingDecision.Route) decision).fallbackChain())
                            .isEmpty();
                    BudgetRefusals refusals = new BudgetRefusals(policy.onExhausted());
                    boolean free = s.prices().price(forced).isFree();
                    Usd estimate = free
                            ? Usd.ZERO
                            : s.prices().cost(forced, new Usage(promptTokens, TokenEstimate.DEFAULT_COMPLETION_TOKENS));
                    if (free
                            || refusals.overLimit(forced)
                            || t.monthly() == null
                            || spent.plus(estimate).compareTo(t.monthly()) <= 0) {
                        outcome = forced.label();
                        spent = spent.plus(s.prices().cost(forced, new Usage(promptTokens, r.completionTokens())));
                    } else {
                        assertThat(refusals.refused(estimate, List.of(forced), true))
                                .containsExactly(forced);
                        outcome = "rejected budget_exhausted";
                    }
                }
                expected.add(new Decision(r.id(), outcome, spent));
            }
            assertThat(actual)
                    .as("%s, tenant %s (budget %s)", s, t.name(), t.monthly())
                    .containsExactlyElementsOf(expected);
        }
    }
}
