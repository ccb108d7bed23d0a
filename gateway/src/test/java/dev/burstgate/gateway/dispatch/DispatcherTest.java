package dev.burstgate.gateway.dispatch;

import static dev.burstgate.gateway.testsupport.Upstream.chunk;
import static dev.burstgate.gateway.testsupport.Upstream.completion;
import static dev.burstgate.gateway.testsupport.Upstream.failBeforeFirstByte;
import static dev.burstgate.gateway.testsupport.Upstream.up;
import static dev.burstgate.gateway.testsupport.Upstream.usageChunk;
import static org.assertj.core.api.Assertions.assertThat;

import dev.burstgate.gateway.api.ApiException;
import dev.burstgate.gateway.api.BurstgateHeaders;
import dev.burstgate.gateway.api.ChatCompletionRequest;
import dev.burstgate.gateway.api.ChatRequestParser;
import dev.burstgate.gateway.budget.BudgetLimits;
import dev.burstgate.gateway.budget.BudgetStore;
import dev.burstgate.gateway.response.ResponseWriter;
import dev.burstgate.gateway.routing.RoutedRequest;
import dev.burstgate.gateway.tenant.Tenant;
import dev.burstgate.gateway.tenant.TenantsProperties.Budget;
import dev.burstgate.gateway.testsupport.ScriptedTier;
import dev.burstgate.gateway.testsupport.Sse;
import dev.burstgate.gateway.tier.AttemptFailure;
import dev.burstgate.gateway.tier.TierBackend;
import dev.burstgate.gateway.usage.CostEvents;
import dev.burstgate.gateway.usage.CostRecord;
import dev.burstgate.gateway.usage.Outcome;
import dev.burstgate.policies.Tier;
import dev.burstgate.policies.cost.PriceTable;
import dev.burstgate.policies.cost.TierPrice;
import dev.burstgate.policies.cost.Usage;
import dev.burstgate.policies.cost.Usd;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class DispatcherTest {

    /** The dispatcher and the response writer, as the chat route uses them. */
    private record Answering(Dispatcher dispatcher, ResponseWriter writer) {
        Mono<Void> dispatch(ServerWebExchange ex, RoutedRequest routed, @Nullable Object cache) {
            return writer.write(ex.getResponse(), dispatcher.dispatch(routed), routed.request().stream());
        }

        Usd estimate(RoutedRequest routed, Tier tier) {
            return dispatcher.estimate(routed, tier);
        }
    }

    private final JsonMapper json = JsonMapper.builder().build();
    private final List<CostRecord> records = new ArrayList<>();
    private final PriceTable prices =
            PriceTable.defaults().with(Tier.CLOUD, new TierPrice(Usd.of("0.18"), Usd.of("1.00"), Usd.of("2.00")));

    private Answering dispatcher(TierBackend... backends) {
        return new Answering(
                new Dispatcher(
                        List.of(backends),
                        prices,
                        BudgetStore.inMemory(t -> BudgetLimits.NONE, InstantSource.system()),
                        new CostRecords(prices, new CostEvents(List.of(records::add)), System::nanoTime),
                        256),
                new ResponseWriter(json));
    }

    private RoutedRequest routed(String body, Tier... tiers) {
        ChatCompletionRequest request =
                new ChatRequestParser(json, Map.of()).parse(body.getBytes(StandardCharsets.UTF_8));
        return new RoutedRequest(
                "req_1",
                new Tenant("acme", "balanced", Set.of(), 10, new Budget(null, null)),
                "balanced",
                request,
                0.42,
                tiers[0],
                List.of(tiers),
                "score 0.42 < 0.60 -> local",
                Instant.EPOCH,
                System.nanoTime());
    }

    private static MockServerWebExchange exchange() {
        return MockServerWebExchange.from(MockServerHttpRequest.post("/v1/chat/completions"));
    }

    private static final String STREAM =
            "{\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hello there\"}]}";
    private static final String STREAM_WITH_USAGE =
            "{\"stream\":true,\"stream_options\":{\"include_usage\":true},\"messages\":[{\"role\":\"user\",\"content\":\"hello there\"}]}";
    private static final String PLAIN = "{\"messages\":[{\"role\":\"user\",\"content\":\"hello there\"}]}";

    @Test
    void fallsBackToTheNextTierWhenTheFirstFailsBeforeItsFirstByte() {
        var ex = exchange();
        Answering d = dispatcher(
                new ScriptedTier(Tier.LOCAL, r -> failBeforeFirstByte("local admission refused")),
                new ScriptedTier(
                        Tier.CLOUD,
                        r -> Flux.just(up(chunk("Hi", null)), up(chunk("!", "stop")), up(usageChunk(10, 2)))));

        StepVerifier.create(d.dispatch(ex, routed(STREAM, Tier.LOCAL, Tier.CLOUD), null))
                .verifyComplete();

        assertThat(ex.getResponse().getHeaders().getFirst(BurstgateHeaders.TIER))
                .isEqualTo("cloud");
        assertThat(ex.getResponse().getHeaders().getFirst(BurstgateHeaders.REASON))
                .contains("fallback to cloud")
                .contains("local failed")
                // The detail stays in the ledger: a client never reads an upstream's words.
                .doesNotContain("admission refused");
        String body = ex.getResponse().getBodyAsString().block();
        assertThat(body).contains("\"content\":\"Hi\"").endsWith("data: [DONE]\n\n");
        assertThat(records).singleElement().satisfies(r -> {
            assertThat(r.outcome()).isEqualTo(Outcome.FALLBACK);
            assertThat(r.finalTier()).isEqualTo(Tier.CLOUD);
            assertThat(r.attempts()).extracting(a -> a.tier()).containsExactly(Tier.LOCAL, Tier.CLOUD);
            assertThat(r.attempts().get(0).cost()).isEqualTo(Usd.ZERO);
            // 0.18 + 10 * 1.00/1M + 2 * 2.00/1M
            assertThat(r.cost()).isEqualTo(Usd.of("0.180014"));
            assertThat(r.usage()).isEqualTo(new Usage(10, 2));
            assertThat(r.baseline()).isEqualTo(Usd.of("1.10"));
        });
    }

    @Test
    void endsACutStreamWithAnErrorEventAndNoDoneAndBillsWhatWasProduced() {
        var ex = exchange();
        Answering d = dispatcher(
                new ScriptedTier(
                        Tier.CLOUD,
                        r -> Flux.concat(
                                Flux.just(up(chunk("Part", null))),
                                Flux.error(new AttemptFailure(
                                        "http://node",
                                        AttemptFailure.Kind.CONNECTION_LOST,
                                        "connection reset",
                                        new java.io.IOException("reset"))))),
                new ScriptedTier(Tier.LEGACY, r -> Flux.just(up(chunk("never", "stop")))));

        StepVerifier.create(d.dispatch(ex, routed(STREAM, Tier.CLOUD, Tier.LEGACY), null))
                .verifyComplete();

        String body = ex.getResponse().getBodyAsString().block();
        assertThat(body)
                .contains("\"content\":\"Part\"")
                .doesNotContain("never")
                .doesNotContain("[DONE]");
        String lastEvent = body.strip().substring(body.strip().lastIndexOf("data: ") + 6);
        JsonNode error = json.readTree(lastEvent).path("error");
        assertThat(error.path("code").asString()).isEqualTo("stream_cut");
        assertThat(error.path("message").asString())
                .isEqualTo("The cloud tier failed mid-stream: it dropped the connection.");
        assertThat(records).singleElement().satisfies(r -> {
            assertThat(r.outcome()).isEqualTo(Outcome.CUT);
            assertThat(r.attempts()).singleElement().satisfies(a -> {
                assertThat(a.outcome()).isEqualTo(Outcome.CUT);
                assertThat(a.usageEstimated()).isTrue();
                assertThat(a.usage().completionTokens()).isEqualTo(1);
            });
            assertThat(r.cost().compareTo(Usd.of("0.18"))).isPositive();
        });
    }

    @Test
    void aRequestATierRefusesAsInvalidIsAnsweredWith400AndNoOtherTierIsTried() {
        var ex = exchange();
        List<Tier> tried = new ArrayList<>();
        Answering d = dispatcher(
                new ScriptedTier(Tier.CLOUD, r -> {
                    tried.add(Tier.CLOUD);
                    return Flux.error(new AttemptFailure(
                            "http://node", AttemptFailure.Kind.REFUSED, 400, "HTTP 400: bad 'x'", null));
                }),
                new ScriptedTier(Tier.LEGACY, r -> {
                    tried.add(Tier.LEGACY);
                    return Flux.just(up(completion("never", 1, 1)));
                }));

        StepVerifier.create(d.dispatch(ex, routed(PLAIN, Tier.CLOUD, Tier.LEGACY), null))
                .expectErrorSatisfies(e -> {
                    ApiException api = (ApiException) e;
                    assertThat(api.status()).isEqualTo(HttpStatus.BAD_REQUEST);
                    assertThat(api.getMessage())
                            .isEqualTo(
                                    "The cloud tier refused the request as invalid (HTTP 400); check the request's parameters.");
                })
                .verify();
        assertThat(tried).containsExactly(Tier.CLOUD);
        assertThat(records).singleElement().satisfies(r -> {
            assertThat(r.cost()).isEqualTo(Usd.ZERO);
            assertThat(r.attempts())
                    .singleElement()
                    .satisfies(a -> assertThat(a.error()).isEqualTo("HTTP 400: bad 'x'"));
        });
    }

    @Test
    void aPromptLongerThanEveryTriedContextIsA400ContextLengthExceededAtNoCost() {
        var ex = exchange();
        Answering d = dispatcher(
                new ScriptedTier(
                        Tier.LOCAL,
                        r -> Flux.error(new AttemptFailure(
                                "in-process",
                                AttemptFailure.Kind.CONTEXT_EXCEEDED,
                                "the prompt is 3000 tokens; a slot holds 1024",
                                null))),
                new ScriptedTier(
                        Tier.CLOUD,
                        r -> Flux.error(new AttemptFailure(
                                "http://node",
                                AttemptFailure.Kind.CONTEXT_EXCEEDED,
                                400,
                                "HTTP 400 from http://node: context_length_exceeded",
                                null))));

        StepVerifier.create(d.dispatch(ex, routed(PLAIN, Tier.LOCAL, Tier.CLOUD), null))
                .expectErrorSatisfies(e -> {
                    ApiException api = (ApiException) e;
                    assertThat(api.status()).isEqualTo(HttpStatus.BAD_REQUEST);
                    assertThat(api.code()).isEqualTo("context_length_exceeded");
                    assertThat(api.param()).isEqualTo("messages");
                    assertThat(api.getMessage()).doesNotContain("http://node");
                })
                .verify();
        assertThat(records).singleElement().satisfies(r -> assertThat(r.cost()).isEqualTo(Usd.ZERO));
    }

    @Test
    void aPromptTooLongForTheLocalContextGoesToTheNextTier() {
        var ex = exchange();
        Answering d = dispatcher(
                new ScriptedTier(
                        Tier.LOCAL,
                        r -> Flux.error(new AttemptFailure(
                                "in-process",
                                AttemptFailure.Kind.CONTEXT_EXCEEDED,
                                "the prompt is 3000 tokens; a slot holds 1024",
                                null))),
                new ScriptedTier(Tier.CLOUD, r -> Flux.just(up(completion("Fits here.", 3000, 4)))));

        StepVerifier.create(d.dispatch(ex, routed(PLAIN, Tier.LOCAL, Tier.CLOUD), null))
                .verifyComplete();

        assertThat(ex.getResponse().getHeaders().getFirst(BurstgateHeaders.TIER))
                .isEqualTo("cloud");
        assertThat(ex.getResponse().getHeaders().getFirst(BurstgateHeaders.REASON))
                .contains("local cannot take a prompt this long");
    }

    @Test
    void addsTheCostToTheUsageChunkWhenTheClientAskedForUsage() {
        var ex = exchange();
        Answering d = dispatcher(new ScriptedTier(
                Tier.LOCAL, r -> Flux.just(up(chunk("a", null)), up(chunk("b", "stop")), up(usageChunk(5, 2)))));

        StepVerifier.create(d.dispatch(ex, routed(STREAM_WITH_USAGE, Tier.LOCAL), null))
                .verifyComplete();

        List<JsonNode> events = events(ex.getResponse().getBodyAsString().block());
        JsonNode usage = events.get(events.size() - 1).path("usage");
        assertThat(usage.path("prompt_tokens").asInt()).isEqualTo(5);
        assertThat(usage.path("completion_tokens").asInt()).isEqualTo(2);
        assertThat(usage.path("total_tokens").asInt()).isEqualTo(7);
        assertThat(usage.path("cost").decimalValue()).isEqualByComparingTo("0.02");
        assertThat(events.get(events.size() - 1).path("choices").isEmpty()).isTrue();
    }

    @Test
    void dropsTheUpstreamUsageChunkWhenTheClientDidNotAskButStillRecordsUsage() {
        var ex = exchange();
        Answering d = dispatcher(new ScriptedTier(
                Tier.LOCAL, r -> Flux.just(up(chunk("a", null)), up(chunk("b", "stop")), up(usageChunk(5, 2)))));

        StepVerifier.create(d.dispatch(ex, routed(STREAM, Tier.LOCAL), null)).verifyComplete();

        assertThat(ex.getResponse().getBodyAsString().block())
                .doesNotContain("usage")
                .endsWith("data: [DONE]\n\n");
        assertThat(records).singleElement().satisfies(r -> {
            assertThat(r.usage()).isEqualTo(new Usage(5, 2));
            assertThat(r.cost()).isEqualTo(Usd.of("0.02"));
            assertThat(r.outcome()).isEqualTo(Outcome.OK);
        });
    }

    @Test
    void putsCostInTheBodyAndHeaderOfANonStreamedAnswer() {
        var ex = exchange();
        Answering d = dispatcher(new ScriptedTier(Tier.CLOUD, r -> Flux.just(up(completion("hi", 1000, 500)))));

        StepVerifier.create(d.dispatch(ex, routed(PLAIN, Tier.CLOUD), null)).verifyComplete();

        JsonNode body = json.readTree(ex.getResponse().getBodyAsString().block());
        assertThat(body.path("usage").path("cost").decimalValue()).isEqualByComparingTo("0.182");
        assertThat(ex.getResponse().getHeaders().getFirst(BurstgateHeaders.COST))
                .isEqualTo("0.182000");
        assertThat(records)
                .singleElement()
                .satisfies(r -> assertThat(r.saving()).isEqualTo(Usd.of("0.918")));
    }

    @Test
    void failsWithBadGatewayBeforeCommittingWhenNoTierAnswers() {
        var ex = exchange();
        Answering d = dispatcher(
                new ScriptedTier(Tier.CLOUD, r -> failBeforeFirstByte("HTTP 500")),
                new ScriptedTier(Tier.LEGACY, r -> failBeforeFirstByte("connection refused")));

        StepVerifier.create(d.dispatch(ex, routed(STREAM, Tier.CLOUD, Tier.LEGACY), null))
                .expectErrorSatisfies(e -> {
                    assertThat(e).isInstanceOf(ApiException.class);
                    assertThat(((ApiException) e).status()).isEqualTo(HttpStatus.BAD_GATEWAY);
                    assertThat(e.getMessage())
                            .contains("cloud failed")
                            .contains("legacy failed")
                            .doesNotContain("HTTP 500")
                            .doesNotContain("connection refused");
                })
                .verify();
        assertThat(ex.getResponse().isCommitted()).isFalse();
        assertThat(records).singleElement().satisfies(r -> {
            assertThat(r.outcome()).isEqualTo(Outcome.ERROR);
            assertThat(r.attempts()).extracting(a -> a.error()).containsExactly("HTTP 500", "connection refused");
        });
    }

    @Test
    void answersGatewayTimeoutWhenTheLastTierTimedOut() {
        var ex = exchange();
        Answering d = dispatcher(new ScriptedTier(
                Tier.LEGACY,
                r -> Flux.error(new AttemptFailure(
                        "http://node", AttemptFailure.Kind.TIMEOUT, "timed out", new TimeoutException()))));

        StepVerifier.create(d.dispatch(ex, routed(PLAIN, Tier.LEGACY), null))
                .expectErrorSatisfies(
                        e -> assertThat(((ApiException) e).status()).isEqualTo(HttpStatus.GATEWAY_TIMEOUT))
                .verify();
    }

    @Test
    void emitsTheAnsweringTierThenTheWholeAnswerWithItsCostAndNoHttp() {
        Answering d = dispatcher(new ScriptedTier(Tier.CLOUD, r -> Flux.just(up(completion("hi", 3, 1)))));

        StepVerifier.create(d.dispatcher().dispatch(routed(PLAIN, Tier.CLOUD)))
                .assertNext(e -> assertThat(e)
                        .isEqualTo(new AnswerEvent.Started(Tier.CLOUD, "score 0.42 < 0.60 -> local", false)))
                .assertNext(e -> assertThat(e).isInstanceOfSatisfying(AnswerEvent.Completion.class, c -> {
                    // 0.18 a query + 3 prompt tokens at 1.00/1M + 1 completion token at 2.00/1M
                    assertThat(c.cost()).isEqualTo(Usd.of("0.180005"));
                    assertThat(c.body().path("usage").path("cost").decimalValue())
                            .isEqualByComparingTo("0.180005");
                }))
                .verifyComplete();
        assertThat(records)
                .singleElement()
                .satisfies(r -> assertThat(r.outcome()).isEqualTo(Outcome.OK));
    }

    @Test
    void publishesTheCostRecordBeforeTheEventsThatEndTheAnswer() {
        Answering d = dispatcher(new ScriptedTier(
                Tier.LOCAL, r -> Flux.just(up(chunk("a", null)), up(chunk("b", "stop")), up(usageChunk(5, 2)))));

        StepVerifier.create(d.dispatcher().dispatch(routed(STREAM, Tier.LOCAL)))
                .expectNextMatches(e -> e instanceof AnswerEvent.Started)
                .expectNextMatches(e -> e instanceof AnswerEvent.Chunk)
                .expectNextMatches(e -> e instanceof AnswerEvent.Chunk)
                .assertNext(e -> {
                    assertThat(e).isInstanceOf(AnswerEvent.StreamEnd.class);
                    // The record is out before the stream's last bytes are.
                    assertThat(records)
                            .singleElement()
                            .satisfies(r -> assertThat(r.usage()).isEqualTo(new Usage(5, 2)));
                })
                .verifyComplete();
    }

    @Test
    void aRequestNoTierAnswersEmitsNothingAndFailsWithItsError() {
        Answering d = dispatcher(new ScriptedTier(Tier.CLOUD, r -> failBeforeFirstByte("down")));

        StepVerifier.create(d.dispatcher().dispatch(routed(STREAM, Tier.CLOUD)))
                .expectErrorSatisfies(
                        e -> assertThat(((ApiException) e).status()).isEqualTo(HttpStatus.BAD_GATEWAY))
                .verify();
    }

    private List<JsonNode> events(String body) {
        return Sse.events(json, body);
    }
}
