package dev.burstgate.gateway.chat;

import static dev.burstgate.gateway.testsupport.Upstream.chunk;
import static dev.burstgate.gateway.testsupport.Upstream.completion;
import static dev.burstgate.gateway.testsupport.Upstream.up;
import static dev.burstgate.gateway.testsupport.Upstream.usageChunk;
import static org.assertj.core.api.Assertions.assertThat;

import dev.burstgate.gateway.api.ApiException;
import dev.burstgate.gateway.api.BurstgateHeaders;
import dev.burstgate.gateway.api.ChatRequestParser;
import dev.burstgate.gateway.api.ErrorBodies;
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
import dev.burstgate.gateway.testsupport.Sse;
import dev.burstgate.gateway.tier.TierBackend;
import dev.burstgate.gateway.usage.CostEvents;
import dev.burstgate.gateway.usage.CostRecord;
import dev.burstgate.gateway.usage.Outcome;
import dev.burstgate.policies.Tier;
import dev.burstgate.policies.classifier.ComplexityClassifier;
import dev.burstgate.policies.cost.PriceTable;
import dev.burstgate.policies.cost.TierPrice;
import dev.burstgate.policies.cost.Usage;
import dev.burstgate.policies.cost.Usd;
import dev.burstgate.policies.policy.PolicyRegistry;
import dev.burstgate.policies.privacy.PiiDetector;
import dev.burstgate.policies.routing.LocalEngineState;
import dev.burstgate.policies.routing.Router;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The chat route's filter on its own: a mock exchange in, the answer or the error out. Behind it the real parser,
 * policy router (the presets), in-memory budget store, dispatcher, response writer and cache, with scripted tiers.
 * Errors are checked as the filter fails with them and as the error handler renders them ({@link ErrorBodies}).
 */
class ChatCompletionsFilterTest {

    private static final Instant NOW = Instant.parse("2026-11-29T10:00:00Z");
    private static final int MAX_BODY_BYTES = 4096;
    private static final String HELLO = "{\"messages\":[{\"role\":\"user\",\"content\":\"hello there\"}]}";

    private final JsonMapper json = JsonMapper.builder().build();
    private final InstantSource clock = InstantSource.fixed(NOW);
    private final PriceTable prices =
            PriceTable.defaults().with(Tier.CLOUD, new TierPrice(Usd.of("0.18"), Usd.of("1.00"), Usd.of("2.00")));
    private final List<CostRecord> records = Collections.synchronizedList(new ArrayList<>());
    private final Map<Tier, AtomicInteger> calls = new EnumMap<>(Tier.class);
    private final AtomicInteger chainCalls = new AtomicInteger();
    private final GatewayFilterChain chain = exchange -> {
        chainCalls.incrementAndGet();
        return Mono.empty();
    };

    private final Tenant acme = new Tenant("acme", "balanced", Set.of("cost-saver"), 10, new Budget(null, null));
    /** A tenant whose daily budget is zero: every priced tier is out of budget. */
    private final Tenant broke = new Tenant("broke", "balanced", Set.of(), 10, new Budget(BigDecimal.ZERO, null));

    private final ChatCompletionsFilter filter;

    ChatCompletionsFilterTest() {
        List<TierBackend> tiers = Arrays.stream(Tier.values()).map(this::tier).toList();
        BudgetStore budgets = BudgetStore.inMemory(
                t -> t.equals(broke.name()) ? new BudgetLimits(Usd.ZERO, null) : BudgetLimits.NONE, clock);
        long[] nanos = {1_000_000_000L};
        CostRecords costRecords =
                new CostRecords(prices, new CostEvents(List.of(records::add)), () -> nanos[0] += 1_000_000);
        filter = new ChatCompletionsFilter(
                new ChatRequestParser(json, Map.of()),
                new PolicyRequestRouter(
                        PolicyRegistry.presets(clock),
                        ComplexityClassifier.bundled(),
                        new PiiDetector(),
                        new Router(prices),
                        () -> LocalEngineState.IDLE,
                        tiers),
                budgets,
                new Dispatcher(tiers, prices, budgets, costRecords, 256),
                new ResponseWriter(json),
                new ResponseCache(new CacheProperties(true, 100, Duration.ofMinutes(10)), json),
                costRecords,
                clock,
                MAX_BODY_BYTES);
    }

    /** A tier that answers every request: one completion, or two chunks and the usage when streamed. */
    private TierBackend tier(Tier tier) {
        AtomicInteger n = new AtomicInteger();
        calls.put(tier, n);
        return new ScriptedTier(tier, request -> {
            n.incrementAndGet();
            return request.stream()
                    ? Flux.just(up(chunk("Hi", null)), up(chunk("!", "stop")), up(usageChunk(3, 2)))
                    : Flux.just(up(completion("Hi from " + tier.label(), 3, 2)));
        });
    }

    private static MockServerHttpRequest.BodyBuilder post() {
        return MockServerHttpRequest.post("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON);
    }

    /** The exchange after the access filter has let {@code tenant} in (null: nobody). */
    private static MockServerWebExchange exchange(Tenant tenant, MockServerHttpRequest request) {
        MockServerWebExchange ex = MockServerWebExchange.from(request);
        if (tenant != null) {
            ex.getAttributes().put(Tenant.ATTRIBUTE, tenant);
        }
        return ex;
    }

    private MockServerWebExchange exchange(Tenant tenant, String body) {
        return exchange(tenant, post().body(body));
    }

    /** The filter as the gateway's filter chain calls it (deferred, so a failure is an error signal). */
    private Mono<Void> call(MockServerWebExchange ex) {
        return Mono.defer(() -> filter.filter(ex, chain));
    }

    private void answered(MockServerWebExchange ex) {
        StepVerifier.create(call(ex)).verifyComplete();
    }

    /** The filter fails with an {@link ApiException} of {@code status} and {@code code}, nothing written, no tier tried. */
    private void failsWith(MockServerWebExchange ex, HttpStatus status, String code, Consumer<JsonNode> error) {
        int tried = calls.values().stream().mapToInt(AtomicInteger::get).sum();
        StepVerifier.create(call(ex))
                .expectErrorSatisfies(e -> {
                    assertThat(e).isInstanceOf(ApiException.class);
                    ApiException api = (ApiException) e;
                    assertThat(api.status()).isEqualTo(status);
                    assertThat(api.code()).isEqualTo(code);
                    JsonNode rendered = ErrorBodies.body(json, api).path("error");
                    assertThat(rendered.propertyNames()).containsExactly("message", "type", "param", "code");
                    assertThat(rendered.path("code").asString()).isEqualTo(code);
                    error.accept(rendered);
                })
                .verify();
        assertThat(ex.getResponse().isCommitted()).isFalse();
        assertThat(ex.getResponse().getHeaders().getFirst(BurstgateHeaders.TIER))
                .isNull();
        assertThat(ex.getResponse().getHeaders().getFirst(BurstgateHeaders.REQUEST_ID))
                .startsWith("req_");
        assertThat(calls.values().stream().mapToInt(AtomicInteger::get).sum())
                .as("tiers tried")
                .isEqualTo(tried);
        assertThat(chainCalls).hasValue(0);
    }

    private List<CostRecord> recordsOf(MockServerWebExchange ex) {
        String id = ex.getResponse().getHeaders().getFirst(BurstgateHeaders.REQUEST_ID);
        return records.stream().filter(r -> r.requestId().equals(id)).toList();
    }

    @Test
    void answersAValidRequestWith200JsonAndTheTierHeadersAndEndsTheChain() {
        MockServerWebExchange ex = exchange(acme, HELLO);

        answered(ex);

        var h = ex.getResponse().getHeaders();
        assertThat(ex.getResponse().getStatusCode()).as("none set: 200").isIn(null, HttpStatus.OK);
        assertThat(h.getContentType()).isEqualTo(MediaType.APPLICATION_JSON);
        assertThat(h.getFirst(BurstgateHeaders.TIER)).isEqualTo("local");
        assertThat(h.getFirst(BurstgateHeaders.REASON)).matches("score 0\\.\\d\\d < 0\\.45 -> local");
        assertThat(h.getFirst(BurstgateHeaders.COMPLEXITY)).matches("0\\.\\d{3}");
        assertThat(h.getFirst(BurstgateHeaders.COST)).isEqualTo("0.020000");
        String id = h.getFirst(BurstgateHeaders.REQUEST_ID);
        assertThat(id).matches("req_[0-9a-f]{32}");
        assertThat(Long.parseLong(id.substring(4, 16), 16))
                .as("the id starts with the arrival time")
                .isEqualTo(NOW.toEpochMilli());
        JsonNode body = json.readTree(ex.getResponse().getBodyAsString().block());
        assertThat(body.path("choices").get(0).path("message").path("content").asString())
                .isEqualTo("Hi from local");
        assertThat(body.path("usage").path("cost").decimalValue()).isEqualByComparingTo("0.02");
        assertThat(calls.get(Tier.LOCAL)).hasValue(1);
        assertThat(chainCalls).as("the filter ends the chain").hasValue(0);
        assertThat(recordsOf(ex)).singleElement().satisfies(r -> {
            assertThat(r.tenant()).isEqualTo("acme");
            assertThat(r.policy()).isEqualTo("balanced");
            assertThat(r.finalTier()).isEqualTo(Tier.LOCAL);
            assertThat(r.outcome()).isEqualTo(Outcome.OK);
            assertThat(r.time()).isEqualTo(NOW);
            assertThat(ChatCompletionsFilter.complexity(r.complexity()))
                    .isEqualTo(h.getFirst(BurstgateHeaders.COMPLEXITY));
        });
    }

    @Test
    void answersAStreamingRequestWithServerSentEventsEndingInDone() {
        MockServerWebExchange ex = exchange(
                acme,
                "{\"stream\":true,\"stream_options\":{\"include_usage\":true},"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"hello there\"}]}");

        answered(ex);

        var h = ex.getResponse().getHeaders();
        assertThat(h.getContentType()).isEqualTo(MediaType.TEXT_EVENT_STREAM);
        assertThat(h.getFirst(BurstgateHeaders.TIER)).isEqualTo("local");
        assertThat(h.getFirst(BurstgateHeaders.COST))
                .as("a stream's cost is in its usage chunk")
                .isNull();
        String body = ex.getResponse().getBodyAsString().block();
        assertThat(body).startsWith("data: {").endsWith("\n\ndata: [DONE]\n\n");
        List<JsonNode> events = Sse.events(json, body);
        assertThat(events)
                .extracting(e ->
                        e.path("choices").path(0).path("delta").path("content").asString(""))
                .containsExactly("Hi", "!", "");
        JsonNode usage = events.getLast().path("usage");
        assertThat(usage.path("total_tokens").asInt()).isEqualTo(5);
        assertThat(usage.path("cost").decimalValue()).isEqualByComparingTo("0.02");
        assertThat(recordsOf(ex)).singleElement().satisfies(r -> {
            assertThat(r.stream()).isTrue();
            assertThat(r.usage()).isEqualTo(new Usage(3, 2));
        });
    }

    @Test
    void aTierTheRequestForcesAnswersItAlone() {
        MockServerWebExchange ex =
                exchange(acme, "{\"model\":\"cloud\",\"messages\":[{\"role\":\"user\",\"content\":\"hello there\"}]}");

        answered(ex);

        assertThat(ex.getResponse().getHeaders().getFirst(BurstgateHeaders.TIER))
                .isEqualTo("cloud");
        assertThat(ex.getResponse().getHeaders().getFirst(BurstgateHeaders.REASON))
                .isEqualTo("forced by request: cloud");
        assertThat(calls.get(Tier.CLOUD)).hasValue(1);
        assertThat(calls.get(Tier.LOCAL)).hasValue(0);
    }

    @Test
    void aBodyThatIsNotJsonIs400InTheOpenAiShape() {
        failsWith(exchange(acme, "{\"messages\":[{\"role\":"), HttpStatus.BAD_REQUEST, "invalid_json", error -> {
            assertThat(error.path("type").asString()).isEqualTo("invalid_request_error");
            assertThat(error.path("param").isNull()).isTrue();
            assertThat(error.path("message").asString()).isNotBlank();
        });
        failsWith(
                exchange(acme, "[]"),
                HttpStatus.BAD_REQUEST,
                "invalid_json",
                error -> assertThat(error.path("message").asString()).isEqualTo("Request body must be a JSON object."));
        failsWith(
                exchange(acme, post().build()),
                HttpStatus.BAD_REQUEST,
                "invalid_json",
                error -> assertThat(error.path("message").asString()).contains("empty"));
        assertThat(records)
                .as("a request refused as invalid has no cost record")
                .isEmpty();
    }

    @Test
    void aBodyDeclaredAsAnotherTypeIs415() {
        failsWith(
                exchange(
                        acme,
                        MockServerHttpRequest.post("/v1/chat/completions")
                                .contentType(MediaType.TEXT_PLAIN)
                                .body(HELLO)),
                HttpStatus.UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                error -> assertThat(error.path("message").asString()).contains("application/json"));
        answered(exchange(
                acme,
                MockServerHttpRequest.post("/v1/chat/completions")
                        .header("Content-Type", "application/vnd.api+json")
                        .body(HELLO)));
        answered(exchange(
                acme, MockServerHttpRequest.post("/v1/chat/completions").body(HELLO)));
    }

    @Test
    void aBodyOverTheLimitIs413() {
        String big = "{\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(MAX_BODY_BYTES) + "\"}]}";
        failsWith(
                exchange(acme, big),
                HttpStatus.CONTENT_TOO_LARGE,
                "request_too_large",
                error -> assertThat(error.path("message").asString()).contains(Integer.toString(MAX_BODY_BYTES)));
        failsWith(
                exchange(acme, post().contentLength(MAX_BODY_BYTES + 1).body(HELLO)),
                HttpStatus.CONTENT_TOO_LARGE,
                "request_too_large",
                error -> {});
    }

    @Test
    void withoutATenantInTheExchangeTheAnswerIs401() {
        failsWith(exchange(null, HELLO), HttpStatus.UNAUTHORIZED, "invalid_api_key", error -> {});
    }

    @Test
    void aPolicyHeaderThatIsNoPolicyNameIs400AndIsNotEchoed() {
        String hostile = "balanced\"><script>alert(1)</script>";
        failsWith(
                exchange(acme, post().header(BurstgateHeaders.POLICY, hostile).body(HELLO)),
                HttpStatus.BAD_REQUEST,
                "invalid_header",
                error -> {
                    assertThat(error.path("param").asString()).isEqualTo(BurstgateHeaders.POLICY);
                    assertThat(error.path("message").asString())
                            .doesNotContain("script")
                            .doesNotContain("alert");
                });
        failsWith(
                exchange(
                        acme,
                        post().header(BurstgateHeaders.POLICY, "quality-first").body(HELLO)),
                HttpStatus.FORBIDDEN,
                "forbidden",
                error -> {});
        failsWith(
                exchange(
                        acme,
                        post().header(BurstgateHeaders.POLICY, "no-such-policy").body(HELLO)),
                HttpStatus.FORBIDDEN,
                "forbidden",
                error -> {});
        Tenant roamer = new Tenant("roamer", "balanced", Set.of(Tenant.ANY_POLICY), 10, new Budget(null, null));
        failsWith(
                exchange(
                        roamer,
                        post().header(BurstgateHeaders.POLICY, "no-such-policy").body(HELLO)),
                HttpStatus.BAD_REQUEST,
                "policy_not_found",
                error -> assertThat(error.path("message").asString())
                        .endsWith("Known policies: balanced, cost-saver, quality-first."));
    }

    @Test
    void aPolicyTheTenantMayUseRoutesTheRequest() {
        MockServerWebExchange ex = exchange(
                acme,
                post().header(BurstgateHeaders.POLICY, "cost-saver")
                        .body("{\"model\":\"legacy\",\"messages\":[{\"role\":\"user\",\"content\":\"hello there\"}]}"));

        failsWith(
                ex,
                HttpStatus.BAD_REQUEST,
                "tier_not_allowed",
                error -> assertThat(error.path("message").asString())
                        .isEqualTo("policy cost-saver does not let clients force legacy"));
        assertThat(recordsOf(ex)).singleElement().satisfies(r -> {
            assertThat(r.policy()).isEqualTo("cost-saver");
            assertThat(r.outcome()).isEqualTo(Outcome.REJECTED);
        });
    }

    @Test
    void aRequestThePolicyRefusesForItsBudgetIs402WithOneRejectedCostRecord() {
        MockServerWebExchange ex = exchange(broke, HELLO);

        failsWith(
                ex,
                HttpStatus.PAYMENT_REQUIRED,
                "budget_exhausted",
                error -> assertThat(error.path("type").asString()).isEqualTo("insufficient_quota"));

        assertThat(ex.getResponse().getHeaders().getFirst(BurstgateHeaders.REASON))
                .isEqualTo("budget exhausted (100% used)");
        assertThat(ex.getResponse().getHeaders().getFirst(BurstgateHeaders.COMPLEXITY))
                .matches("0\\.\\d{3}");
        assertThat(recordsOf(ex)).singleElement().satisfies(r -> {
            assertThat(r.tenant()).isEqualTo("broke");
            assertThat(r.outcome()).isEqualTo(Outcome.REJECTED);
            assertThat(r.finalTier()).isNull();
            assertThat(r.cost()).isEqualTo(Usd.ZERO);
        });
    }

    @Test
    void aDeterministicRequestSentAgainIsAnsweredFromTheCacheAtNoCost() {
        String body = "{\"temperature\":0,\"messages\":[{\"role\":\"user\",\"content\":\"hello there\"}]}";
        MockServerWebExchange first = exchange(acme, body);
        MockServerWebExchange second = exchange(acme, body);

        answered(first);
        answered(second);

        assertThat(calls.get(Tier.LOCAL)).hasValue(1);
        var h = second.getResponse().getHeaders();
        assertThat(h.getFirst(BurstgateHeaders.CACHE)).isEqualTo("hit");
        assertThat(h.getFirst(BurstgateHeaders.TIER)).isEqualTo("local");
        assertThat(h.getFirst(BurstgateHeaders.COST)).isEqualTo("0.000000");
        JsonNode answer = json.readTree(second.getResponse().getBodyAsString().block());
        assertThat(answer.path("choices").get(0).path("message").path("content").asString())
                .isEqualTo("Hi from local");
        assertThat(answer.path("usage").path("cost").decimalValue()).isEqualByComparingTo("0");
        assertThat(recordsOf(second)).singleElement().satisfies(r -> {
            assertThat(r.cacheHit()).isTrue();
            assertThat(r.cost()).isEqualTo(Usd.ZERO);
            assertThat(r.usage()).isEqualTo(new Usage(3, 2));
        });
    }

    @Test
    void everyRequestThatPassesValidationLeavesExactlyOneCostRecord() {
        String deterministic = "{\"seed\":7,\"messages\":[{\"role\":\"user\",\"content\":\"hello there\"}]}";
        List<MockServerWebExchange> valid = List.of(
                exchange(acme, HELLO),
                exchange(acme, "{\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hello there\"}]}"),
                exchange(acme, deterministic),
                exchange(acme, deterministic),
                exchange(broke, HELLO));
        for (MockServerWebExchange ex : valid) {
            call(ex).onErrorResume(ApiException.class, e -> Mono.empty()).block();
        }
        call(exchange(acme, "{\"messages\":[]}"))
                .onErrorResume(ApiException.class, e -> Mono.empty())
                .block();

        assertThat(records).hasSize(valid.size());
        for (MockServerWebExchange ex : valid) {
            assertThat(recordsOf(ex)).hasSize(1);
        }
        assertThat(records)
                .extracting(CostRecord::outcome)
                .containsExactly(Outcome.OK, Outcome.OK, Outcome.OK, Outcome.OK, Outcome.REJECTED);
        assertThat(records).extracting(CostRecord::cacheHit).containsExactly(false, false, false, true, false);
    }
}
