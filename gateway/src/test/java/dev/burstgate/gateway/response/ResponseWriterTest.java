package dev.burstgate.gateway.response;

import static org.assertj.core.api.Assertions.assertThat;

import dev.burstgate.gateway.api.ApiException;
import dev.burstgate.gateway.dispatch.AnswerEvent;
import dev.burstgate.policies.Tier;
import dev.burstgate.policies.cost.Usd;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

class ResponseWriterTest {

    private final JsonMapper json = JsonMapper.builder().build();
    private final ResponseWriter writer = new ResponseWriter(json);
    private final MockServerWebExchange exchange =
            MockServerWebExchange.from(MockServerHttpRequest.post("/v1/chat/completions"));

    private ObjectNode node(String text) {
        return (ObjectNode) json.readTree(text);
    }

    @Test
    void writesAWholeAnswerAsJsonWithTheTierReasonAndCost() {
        StepVerifier.create(writer.write(
                        exchange.getResponse(),
                        Flux.just(
                                new AnswerEvent.Started(Tier.CLOUD, "score 0.71 ≥ 0.60 → cloud", false),
                                new AnswerEvent.Completion(
                                        node("{\"id\":\"x\",\"usage\":{\"cost\":0.18}}"), Usd.of("0.18"))),
                        false))
                .verifyComplete();

        var h = exchange.getResponse().getHeaders();
        assertThat(h.getFirst("X-Burstgate-Tier")).isEqualTo("cloud");
        assertThat(h.getFirst("X-Burstgate-Reason")).isEqualTo("score 0.71 >= 0.60 -> cloud");
        assertThat(h.getFirst("X-Burstgate-Cost-Usd")).isEqualTo("0.180000");
        assertThat(h.getFirst("X-Burstgate-Cache")).isNull();
        assertThat(h.getContentType()).isEqualTo(MediaType.APPLICATION_JSON);
        String body = exchange.getResponse().getBodyAsString().block();
        assertThat(body).isEqualTo("{\"id\":\"x\",\"usage\":{\"cost\":0.18}}");
        assertThat(h.getContentLength()).isEqualTo(body.length());
    }

    @Test
    void marksAnAnswerFromTheCache() {
        StepVerifier.create(writer.write(
                        exchange.getResponse(),
                        Flux.just(
                                new AnswerEvent.Started(Tier.LOCAL, "cache hit", true),
                                new AnswerEvent.Completion(node("{}"), Usd.ZERO)),
                        false))
                .verifyComplete();
        assertThat(exchange.getResponse().getHeaders().getFirst("X-Burstgate-Cache"))
                .isEqualTo("hit");
        assertThat(exchange.getResponse().getHeaders().getFirst("X-Burstgate-Cost-Usd"))
                .isEqualTo("0.000000");
    }

    @Test
    void framesAStreamAsServerSentEventsEndedByTheUsageChunkAndDone() {
        StepVerifier.create(writer.write(
                        exchange.getResponse(),
                        Flux.just(
                                new AnswerEvent.Started(Tier.LOCAL, "score 0.2 < 0.6 -> local", false),
                                new AnswerEvent.Chunk(node("{\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}")),
                                new AnswerEvent.StreamEnd(node("{\"choices\":[],\"usage\":{\"total_tokens\":3}}"))),
                        true))
                .verifyComplete();

        var h = exchange.getResponse().getHeaders();
        assertThat(h.getContentType()).isEqualTo(MediaType.TEXT_EVENT_STREAM);
        assertThat(h.getCacheControl()).isEqualTo("no-cache");
        assertThat(h.getFirst("X-Accel-Buffering")).isEqualTo("no");
        assertThat(h.getFirst("X-Burstgate-Cost-Usd"))
                .as("a stream's cost is in its usage chunk")
                .isNull();
        assertThat(exchange.getResponse().getBodyAsString().block())
                .isEqualTo("data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\n\n"
                        + "data: {\"choices\":[],\"usage\":{\"total_tokens\":3}}\n\n"
                        + "data: [DONE]\n\n");
    }

    @Test
    void endsAStreamWithoutUsageWithDoneAlone() {
        StepVerifier.create(writer.write(
                        exchange.getResponse(),
                        Flux.just(new AnswerEvent.Started(Tier.LOCAL, "r", false), new AnswerEvent.StreamEnd(null)),
                        true))
                .verifyComplete();
        assertThat(exchange.getResponse().getBodyAsString().block()).isEqualTo("data: [DONE]\n\n");
    }

    @Test
    void endsACutStreamWithAnOpenAiErrorEventAndNoDone() {
        StepVerifier.create(writer.write(
                        exchange.getResponse(),
                        Flux.just(
                                new AnswerEvent.Started(Tier.CLOUD, "r", false),
                                new AnswerEvent.Chunk(node("{\"n\":1}")),
                                new AnswerEvent.Cut(new ApiException(
                                        HttpStatus.BAD_GATEWAY,
                                        "api_error",
                                        "stream_cut",
                                        null,
                                        "The cloud tier failed mid-stream: it dropped the connection."))),
                        true))
                .verifyComplete();
        assertThat(exchange.getResponse().getBodyAsString().block())
                .isEqualTo("data: {\"n\":1}\n\n"
                        + "data: {\"error\":{\"message\":\"The cloud tier failed mid-stream: it dropped the connection.\","
                        + "\"type\":\"api_error\",\"param\":null,\"code\":\"stream_cut\"}}\n\n");
    }

    @Test
    void leavesAFailureBeforeAnyEventToTheErrorHandlerWithNothingWritten() {
        ApiException noTier = ApiException.noTier(HttpStatus.BAD_GATEWAY, "upstream_failed", "No tier could answer.");
        StepVerifier.create(writer.write(exchange.getResponse(), Flux.error(noTier), true))
                .expectErrorMatches(e -> e == noTier)
                .verify();
        assertThat(exchange.getResponse().isCommitted()).isFalse();
        assertThat(exchange.getResponse().getHeaders().getFirst("X-Burstgate-Tier"))
                .isNull();
    }
}
