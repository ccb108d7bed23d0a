package dev.burstgate.gateway.local.runner;

import dev.burstgate.engine.Confidence;
import dev.burstgate.engine.ConfidenceMeter;
import dev.burstgate.gateway.api.ChatCompletionRequest;
import dev.burstgate.gateway.tier.AnswerConfidence;
import dev.burstgate.gateway.tier.AttemptFailure;
import dev.burstgate.gateway.tier.Redaction;
import dev.burstgate.gateway.tier.TierBackend;
import dev.burstgate.gateway.tier.UpstreamChunk;
import dev.burstgate.gateway.tier.UpstreamPayload;
import dev.burstgate.policies.Tier;
import java.net.ConnectException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;
import reactor.util.retry.Retry;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The local tier in runner mode: each attempt goes to the supervised {@code llama-server} ({@link RunnerProcess}) over
 * its OpenAI-compatible API on a pooled loopback connection. The client's body is passed on with {@code model} set to
 * the local tier's name, {@code max_tokens} set to the tier's default when the request names no limit, and, when
 * streaming, {@code stream_options.include_usage} on, so usage (and the cost) is exact. Tools and
 * {@code response_format} are the server's own ({@code --jinja}); so is the DeepSeek-R1 {@code <think>} split into
 * {@code reasoning_content}.
 *
 * <p>Like the in-process engine it refuses at once, before any byte, when its slots and waiting places are taken
 * ({@link AttemptFailure.Kind#BUSY}) or no runner is healthy ({@link AttemptFailure.Kind#UNAVAILABLE}), so the
 * dispatcher falls back; a runner that dies mid-stream ends the stream with the dispatcher's error event. Cancelling
 * the attempt (the client went away) closes the connection, and llama-server stops generating for it. Failure
 * details name the endpoint {@value #ENDPOINT}, never its address.
 *
 * <p>Asked for the answer's confidence ({@link #callScored}, a cascade), it asks llama-server for the log-probability
 * of every sampled token and its top {@value Confidence#TOP_K} candidates ({@code "logprobs": true, "top_logprobs":
 * 5}; a client that asked for {@code logprobs} itself keeps its own settings), and measures the answer's
 * {@link Confidence} from them as the in-process engine would: on the whole completion, or on a stream's chunk with the
 * finish reason. llama-server takes the probabilities from the model's distribution before sampling, so temperature
 * and top-p do not change them, and it reports the sampled token's own even when it is not among the top candidates.
 * The {@code logprobs} it sent for the measurement are removed from what the client gets unless the client asked for
 * them.
 */
public final class RunnerBackend implements TierBackend {

    /** The endpoint name of the runner in cost records. */
    public static final String ENDPOINT = "runner";

    private static final ParameterizedTypeReference<ServerSentEvent<String>> SSE =
            new ParameterizedTypeReference<>() {};

    private final RunnerProcess runner;
    private final RunnerLoad load;
    private final WebClient http;
    private final JsonMapper json;
    private final String model;
    private final int defaultMaxTokens;
    private final Duration firstByteTimeout;
    private final Duration idleTimeout;

    public RunnerBackend(
            RunnerProcess runner,
            RunnerLoad load,
            WebClient http,
            JsonMapper json,
            String model,
            int defaultMaxTokens,
            Duration firstByteTimeout,
            Duration idleTimeout) {
        this.runner = runner;
        this.load = load;
        this.http = http;
        this.json = json;
        this.model = model;
        this.defaultMaxTokens = defaultMaxTokens;
        this.firstByteTimeout = firstByteTimeout;
        this.idleTimeout = idleTimeout;
    }

    public RunnerProcess runner() {
        return runner;
    }

    public RunnerLoad load() {
        return load;
    }

    @Override
    public Tier tier() {
        return Tier.LOCAL;
    }

    @Override
    public boolean available() {
        return runner.ready();
    }

    @Override
    public boolean simulated() {
        return false;
    }

    @Override
    public String model() {
        return model;
    }

    @Override
    public boolean measuresConfidence() {
        return true;
    }

    @Override
    public Flux<UpstreamChunk> call(ChatCompletionRequest request, String requestId) {
        return call(request, requestId, false);
    }

    /** An answer with its confidence, measured from the log-probabilities llama-server reports for it. */
    @Override
    public Flux<UpstreamChunk> callScored(ChatCompletionRequest request, String requestId) {
        return call(request, requestId, true);
    }

    private Flux<UpstreamChunk> call(ChatCompletionRequest request, String requestId, boolean scored) {
        boolean clientLogprobs = UpstreamPayload.asksForLogprobs(request.body());
        byte[] payload = payload(json, request.body(), model, request.stream(), defaultMaxTokens, scored);
        return Flux.defer(() -> {
            URI base = runner.base();
            if (base == null) {
                return Flux.error(new AttemptFailure(
                        ENDPOINT, AttemptFailure.Kind.UNAVAILABLE, "local runner is not running (restarting)", null));
            }
            if (!load.tryAdmit()) {
                return Flux.error(new AttemptFailure(
                        ENDPOINT,
                        AttemptFailure.Kind.BUSY,
                        "local runner busy (all slots and waiting places are taken)",
                        null));
            }
            long began = System.nanoTime();
            String id = "chatcmpl-" + requestId;
            boolean stream = request.stream();
            return http.post()
                    .uri(base.resolve("/v1/chat/completions"))
                    .contentType(MediaType.APPLICATION_JSON)
                    .accept(stream ? MediaType.TEXT_EVENT_STREAM : MediaType.APPLICATION_JSON)
                    .header("X-Request-Id", requestId)
                    .bodyValue(payload)
                    .exchangeToFlux(
                            response -> read(response, stream, id, scored ? new Scoring(clientLogprobs) : Scoring.NONE))
                    // llama-server closes a connection after a stream while announcing keep-alive: a pooled
                    // connection it already closed fails before any response, so send once more on a fresh one.
                    .retryWhen(Retry.max(1).filter(RunnerBackend::staleConnection))
                    .timeout(Mono.delay(firstByteTimeout), item -> Mono.delay(idleTimeout))
                    .onErrorMap(e -> !(e instanceof AttemptFailure), RunnerBackend::failure)
                    .doFinally(signal -> load.release(
                            signal == SignalType.ON_COMPLETE ? Duration.ofNanos(System.nanoTime() - began) : null));
        });
    }

    /** The client's body as the runner gets it, for an attempt that does not ask for confidence. */
    static byte[] payload(JsonMapper json, ObjectNode body, String model, boolean stream, int defaultMaxTokens) {
        return payload(json, body, model, stream, defaultMaxTokens, false);
    }

    /**
     * The client's body as the runner gets it ({@link UpstreamPayload}): {@code max_tokens} added when the client set
     * no limit; when {@code scored} and the client did not ask for {@code logprobs}, {@code "logprobs": true} and
     * {@code "top_logprobs": 5} in place of the client's own.
     */
    static byte[] payload(
            JsonMapper json, ObjectNode body, String model, boolean stream, int defaultMaxTokens, boolean scored) {
        return new UpstreamPayload(defaultMaxTokens, scored ? Confidence.TOP_K : 0).write(json, body, model, stream);
    }

    private Flux<UpstreamChunk> read(ClientResponse response, boolean stream, String id, Scoring scoring) {
        if (!response.statusCode().is2xxSuccessful()) {
            int status = response.statusCode().value();
            return response.bodyToMono(String.class)
                    .defaultIfEmpty("")
                    .flatMapMany(b -> Flux.error(statusFailure(status, b)));
        }
        if (!stream) {
            return response.bodyToMono(byte[].class)
                    .switchIfEmpty(Mono.error(() -> new AttemptFailure(
                            ENDPOINT, AttemptFailure.Kind.INVALID_ANSWER, "empty answer from the local runner", null)))
                    .map(bytes -> {
                        ObjectNode completion = completion(bytes, id);
                        scoring.see(completion);
                        return new UpstreamChunk(ENDPOINT, completion, scoring.confidence());
                    })
                    .flux();
        }
        boolean[] done = {false};
        return response.bodyToFlux(SSE)
                .concatMap(event -> {
                    String data = event.data();
                    if (data == null || data.isBlank()) {
                        return Mono.empty();
                    }
                    if ("[DONE]".equals(data.strip())) {
                        done[0] = true;
                        return Mono.empty();
                    }
                    ObjectNode chunk = chunk(data, id);
                    boolean finished = scoring.see(chunk);
                    return Mono.just(new UpstreamChunk(ENDPOINT, chunk, finished ? scoring.confidence() : null));
                })
                .concatWith(Mono.defer(() -> done[0]
                        ? Mono.empty()
                        : Mono.error(new AttemptFailure(
                                ENDPOINT,
                                AttemptFailure.Kind.CONNECTION_LOST,
                                "stream from the local runner ended without [DONE]",
                                null))));
    }

    private ObjectNode completion(byte[] bytes, String id) {
        JsonNode node = parse(bytes);
        if (!node.isObject() || !node.path("choices").isArray()) {
            throw new AttemptFailure(
                    ENDPOINT,
                    AttemptFailure.Kind.INVALID_ANSWER,
                    "answer from the local runner is not a chat completion",
                    null);
        }
        return tidy((ObjectNode) node, id);
    }

    private ObjectNode chunk(String data, String id) {
        JsonNode node = parse(data.getBytes(StandardCharsets.UTF_8));
        if (!node.isObject()) {
            throw new AttemptFailure(
                    ENDPOINT,
                    AttemptFailure.Kind.INVALID_ANSWER,
                    "stream event from the local runner is not a JSON object",
                    null);
        }
        if (node.has("error")) {
            throw new AttemptFailure(
                    ENDPOINT,
                    AttemptFailure.Kind.UPSTREAM_ERROR,
                    "error event from the local runner: "
                            + snippet(node.path("error").path("message").asString("")),
                    null);
        }
        return tidy((ObjectNode) node, id);
    }

    /** The gateway's id for the answer, and without llama-server's own fields ({@code timings}). */
    private static ObjectNode tidy(ObjectNode node, String id) {
        node.put("id", id);
        node.remove(List.of("timings", "system_fingerprint"));
        return node;
    }

    /**
     * One attempt's confidence measurement: the sampled tokens' log-probabilities of each completion or chunk go into
     * a {@link ConfidenceMeter}, and the {@code logprobs} leave the answer unless the client asked for them. Only
     * {@code choices[0]} is scored (the local tier answers with one choice).
     */
    static class Scoring {

        /** An attempt that measures nothing and leaves the answer as it is. */
        static final Scoring NONE = new Scoring(true) {
            @Override
            boolean see(ObjectNode answer) {
                return false;
            }

            @Override
            @Nullable
            AnswerConfidence confidence() {
                return null;
            }
        };

        private final boolean keepLogprobs;
        private final ConfidenceMeter meter = new ConfidenceMeter();

        Scoring(boolean keepLogprobs) {
            this.keepLogprobs = keepLogprobs;
        }

        /** Scores the answer's (or chunk's) tokens; whether it carries a finish reason. */
        boolean see(ObjectNode answer) {
            boolean finished = false;
            JsonNode choices = answer.path("choices");
            for (int i = 0; i < choices.size(); i++) {
                JsonNode choice = choices.get(i);
                if (i == 0) {
                    for (JsonNode token : choice.path("logprobs").path("content")) {
                        accept(token);
                    }
                    JsonNode reason = choice.get("finish_reason");
                    finished = reason != null && !reason.isNull();
                }
                if (!keepLogprobs && choice instanceof ObjectNode o) {
                    o.remove("logprobs");
                }
            }
            return finished;
        }

        private void accept(JsonNode token) {
            JsonNode logprob = token.get("logprob");
            if (logprob == null || !logprob.isNumber()) {
                return;
            }
            JsonNode top = token.path("top_logprobs");
            double[] candidates = new double[top.size()];
            boolean inTop = false;
            JsonNode id = token.get("id");
            for (int k = 0; k < top.size(); k++) {
                JsonNode candidate = top.get(k);
                candidates[k] = candidate.path("logprob").asDouble(Double.NEGATIVE_INFINITY);
                inTop |= id != null
                        ? id.equals(candidate.get("id"))
                        : token.path("token").equals(candidate.path("token"));
            }
            meter.accept(logprob.doubleValue(), candidates, inTop || top.isEmpty());
        }

        @Nullable
        AnswerConfidence confidence() {
            Confidence c = meter.result();
            return new AnswerConfidence(c.tokens(), c.score(), c.minProb(), c.meanEntropy());
        }
    }

    private JsonNode parse(byte[] bytes) {
        try {
            return json.readTree(bytes);
        } catch (JacksonException e) {
            throw new AttemptFailure(
                    ENDPOINT, AttemptFailure.Kind.INVALID_ANSWER, "invalid JSON from the local runner", null);
        }
    }

    /**
     * A non-2xx answer: a prompt longer than a slot's context ({@code exceed_context_size_error}) goes to a tier that
     * holds it; another 4xx (but 408 and 429) is the request's fault; anything else is the runner's (503 while it loads).
     */
    static AttemptFailure statusFailure(int status, String body) {
        String detail = "HTTP " + status + " from the local runner: " + snippet(body);
        AttemptFailure.Kind kind = AttemptFailure.Kind.UPSTREAM_ERROR;
        if (body.contains("exceed_context_size") || body.contains("context_length_exceeded")) {
            kind = AttemptFailure.Kind.CONTEXT_EXCEEDED;
        } else if (status >= 400 && status < 500 && status != 408 && status != 429) {
            kind = AttemptFailure.Kind.REFUSED;
        }
        return new AttemptFailure(ENDPOINT, kind, status, detail, null);
    }

    private static String snippet(String body) {
        String s = Redaction.redact(body.strip(), List.of());
        return s.length() > 300 ? s.substring(0, 300) + "…" : s;
    }

    static AttemptFailure failure(Throwable e) {
        if (e instanceof TimeoutException) {
            return new AttemptFailure(
                    ENDPOINT, AttemptFailure.Kind.TIMEOUT, "timed out waiting for the local runner", e);
        }
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ConnectException || t instanceof io.netty.channel.ConnectTimeoutException) {
                return new AttemptFailure(
                        ENDPOINT, AttemptFailure.Kind.UNAVAILABLE, "local runner not reachable (restarting)", e);
            }
        }
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof reactor.netty.http.client.PrematureCloseException
                    || t instanceof java.io.IOException
                    || t instanceof reactor.netty.channel.AbortedException) {
                return new AttemptFailure(
                        ENDPOINT, AttemptFailure.Kind.CONNECTION_LOST, "local runner dropped the connection", e);
            }
        }
        return new AttemptFailure(
                ENDPOINT,
                AttemptFailure.Kind.FAILED,
                "local runner failed: " + e.getClass().getSimpleName(),
                e);
    }

    /** The runner closed a reused connection before answering: the request was not processed. */
    static boolean staleConnection(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof reactor.netty.http.client.PrematureCloseException
                    && t.getMessage() != null
                    && t.getMessage().contains("BEFORE response")) {
                return true;
            }
        }
        return false;
    }
}
