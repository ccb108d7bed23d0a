package dev.burstgate.gateway.response;

import dev.burstgate.gateway.api.BurstgateHeaders;
import dev.burstgate.gateway.api.ErrorBodies;
import dev.burstgate.gateway.dispatch.AnswerEvent;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Writes a request's {@link AnswerEvent}s as its HTTP answer: {@link AnswerEvent.Started} sets the headers
 * ({@code X-Burstgate-Tier}, {@code X-Burstgate-Reason}, {@code X-Burstgate-Cache} for a cache hit, the content
 * type); a {@link AnswerEvent.Completion} becomes the JSON body with {@code X-Burstgate-Cost-Usd}; a stream's
 * {@link AnswerEvent.Chunk}s become server-sent events, flushed one by one, ended by the usage chunk and
 * {@code [DONE]} ({@link AnswerEvent.StreamEnd}) or by an OpenAI-shaped error event ({@link AnswerEvent.Cut}).
 * Headers go out with the first bytes, so they name the tier that really answered. A failure before any event is
 * left to the error handler (nothing has been written).
 */
public final class ResponseWriter {

    private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END = {'\n', '\n'};
    private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);

    private final JsonMapper json;

    public ResponseWriter(JsonMapper json) {
        this.json = json;
    }

    /** Writes {@code events} on {@code response}; completes when the answer is written. */
    public Mono<Void> write(ServerHttpResponse response, Flux<AnswerEvent> events, boolean stream) {
        if (!stream) {
            return events.collectList().flatMap(list -> {
                byte[] body = null;
                for (AnswerEvent e : list) {
                    switch (e) {
                        case AnswerEvent.Started s -> started(response, s, MediaType.APPLICATION_JSON);
                        case AnswerEvent.Completion c -> {
                            body = json.writeValueAsBytes(c.body());
                            response.getHeaders()
                                    .set(BurstgateHeaders.COST, c.cost().toString());
                        }
                        case AnswerEvent.Chunk c -> throw new IllegalStateException("a chunk in a non-streamed answer");
                        case AnswerEvent.StreamEnd end ->
                            throw new IllegalStateException("a stream end in a non-streamed answer");
                        case AnswerEvent.Cut cut -> throw new IllegalStateException("a cut in a non-streamed answer");
                    }
                }
                if (body == null) {
                    return Mono.error(new IllegalStateException("an answer without a body"));
                }
                byte[] bytes = body;
                response.getHeaders().setContentLength(bytes.length);
                return response.writeWith(
                        Mono.fromSupplier(() -> response.bufferFactory().wrap(bytes)));
            });
        }
        Flux<DataBuffer> body = events.concatMapIterable(e -> switch (e) {
            case AnswerEvent.Started s -> {
                started(response, s, MediaType.TEXT_EVENT_STREAM);
                HttpHeaders h = response.getHeaders();
                h.setCacheControl("no-cache");
                h.set("X-Accel-Buffering", "no");
                yield List.of();
            }
            case AnswerEvent.Chunk c -> List.of(event(response, c.chunk()));
            case AnswerEvent.StreamEnd end ->
                end.usageChunk() == null
                        ? List.of(response.bufferFactory().wrap(DONE))
                        : List.of(
                                event(response, end.usageChunk()),
                                response.bufferFactory().wrap(DONE));
            case AnswerEvent.Cut cut -> List.of(event(response, ErrorBodies.body(json, cut.error())));
            case AnswerEvent.Completion c -> throw new IllegalStateException("a completion in a streamed answer");
        });
        return response.writeAndFlushWith(body.map(Mono::just));
    }

    private static void started(ServerHttpResponse response, AnswerEvent.Started s, MediaType type) {
        HttpHeaders h = response.getHeaders();
        h.set(BurstgateHeaders.TIER, s.tier().label());
        h.set(BurstgateHeaders.REASON, BurstgateHeaders.value(s.reason()));
        if (s.cacheHit()) {
            h.set(BurstgateHeaders.CACHE, "hit");
        }
        h.setContentType(type);
    }

    private DataBuffer event(ServerHttpResponse response, JsonNode node) {
        byte[] payload = json.writeValueAsBytes(node);
        DataBuffer buf = response.bufferFactory().allocateBuffer(payload.length + DATA.length + END.length);
        buf.write(DATA);
        buf.write(payload);
        buf.write(END);
        return buf;
    }
}
