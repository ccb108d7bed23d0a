package dev.burstgate.engine.server;

import dev.burstgate.engine.ChatChunk;
import dev.burstgate.engine.EngineBusyException;
import dev.burstgate.engine.EngineConfig;
import dev.burstgate.engine.EngineLease;
import dev.burstgate.engine.InvalidChatRequestException;
import dev.burstgate.engine.LocalEngine;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.resources.LoopResources;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * The engine as an OpenAI-compatible HTTP server on Reactor Netty: {@code POST /v1/chat/completions} (JSON or
 * server-sent events, {@code stream_options.include_usage}), {@code GET /v1/models}, {@code GET /health}. Errors use
 * the OpenAI shape {@code {"error":{"message","type","param","code"}}}: 400 for bad input, 404 for unknown routes,
 * 503 with {@code Retry-After} when slots and queue are full.
 *
 * <p>Standalone: {@code java -jar local-engine.jar --model PATH --port 8081 --parallel 2} (see {@link ServerCommand}).
 * Embedded (a simulated pool node in tests or a demo):
 *
 * <pre>{@code
 * try (LocalEngineServer node = LocalEngineServer.start(engine, ServerOptions.loopback())) {
 *     URI base = node.baseUri();   // http://127.0.0.1:<free port>
 *     ...
 * }
 * }</pre>
 *
 * Each server runs on its own small event-loop group, so stopping one node leaves the others (and any other Reactor
 * Netty user in the process) untouched. Inference never runs on those loops: the engine has its own scheduler.
 */
public final class LocalEngineServer implements AutoCloseable {

    /** Largest request body accepted. */
    public static final int MAX_BODY_BYTES = 8 * 1024 * 1024;

    private static final String JSON = "application/json";
    private static final String SSE = "text/event-stream; charset=utf-8";

    private final Logger log = LoggerFactory.getLogger(LocalEngineServer.class);
    private final LocalEngine engine;
    private final boolean ownsEngine;
    private final ServerOptions options;
    private final String modelId;
    private final ObjectMapper json = JsonMapper.builder().build();
    private final OpenAiFormat format = new OpenAiFormat(json);
    private final AtomicLong requestIds = new AtomicLong();
    private final String idPrefix = Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffffL);
    private final AtomicBoolean closed = new AtomicBoolean();
    private final LoopResources loops;
    private final DisposableServer server;

    private LocalEngineServer(LocalEngine engine, boolean ownsEngine, ServerOptions options) {
        this.engine = engine;
        this.ownsEngine = ownsEngine;
        this.options = options;
        this.modelId = options.modelId() != null
                ? options.modelId()
                : engine.modelInfo().name();
        this.loops = LoopResources.create("burstgate-node", 1, 2, true);
        try {
            this.server = HttpServer.create()
                    .runOn(loops)
                    .host(options.host())
                    .port(options.port())
                    .handle(this::handle)
                    .bindNow(Duration.ofSeconds(10));
        } catch (RuntimeException e) {
            loops.disposeLater(Duration.ZERO, Duration.ofSeconds(5)).block(Duration.ofSeconds(6));
            throw e;
        }
        log.info(
                "Serving {} on http://{}:{} ({} slots)",
                modelId,
                options.host(),
                server.port(),
                engine.modelInfo().parallel());
    }

    /** Serves an existing engine; {@link #close()} stops the server and leaves the engine running. */
    public static LocalEngineServer start(LocalEngine engine, ServerOptions options) {
        return new LocalEngineServer(
                Objects.requireNonNull(engine, "engine"), false, Objects.requireNonNull(options, "options"));
    }

    /** Loads an engine and serves it; {@link #close()} stops both. */
    public static LocalEngineServer start(EngineConfig config, ServerOptions options) {
        Objects.requireNonNull(options, "options");
        LocalEngine engine = LocalEngine.start(config);
        try {
            return new LocalEngineServer(engine, true, options);
        } catch (RuntimeException e) {
            engine.close();
            throw e;
        }
    }

    /** The bound port (the real one when the options asked for 0). */
    public int port() {
        return server.port();
    }

    /** {@code http://host:port}, with loopback substituted for a wildcard host. */
    public URI baseUri() {
        String host = options.host().equals("0.0.0.0") || options.host().equals("::") ? "127.0.0.1" : options.host();
        return URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port());
    }

    public LocalEngine engine() {
        return engine;
    }

    public String modelId() {
        return modelId;
    }

    /** Whether the server still accepts connections. */
    public boolean isRunning() {
        return !closed.get() && !server.isDisposed();
    }

    /** Completes when the server has stopped. */
    public Mono<Void> onDispose() {
        return server.onDispose();
    }

    /** Stops accepting, closes connections (cancelling their streams), and closes the engine if this server owns it. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            server.disposeNow(Duration.ofSeconds(5));
        } catch (RuntimeException e) {
            log.warn("Server on port {} did not stop cleanly: {}", port(), e.toString());
        } finally {
            // No quiet period: the server is gone and its connections are closed, so no new work can arrive.
            loops.disposeLater(Duration.ZERO, Duration.ofSeconds(5)).block(Duration.ofSeconds(6));
            if (ownsEngine) {
                engine.close();
            }
        }
    }

    private Publisher<Void> handle(HttpServerRequest req, HttpServerResponse res) {
        String path = req.uri();
        int q = path.indexOf('?');
        if (q >= 0) {
            path = path.substring(0, q);
        }
        HttpMethod method = req.method();
        return switch (path) {
            case "/v1/chat/completions", "/chat/completions" ->
                method.equals(HttpMethod.POST) ? chat(req, res) : notAllowed(res, method, path);
            case "/v1/models", "/models" ->
                method.equals(HttpMethod.GET)
                        ? sendJson(
                                res,
                                HttpResponseStatus.OK,
                                format.models(modelId, options.clock().instant().getEpochSecond(), engine.modelInfo()))
                        : notAllowed(res, method, path);
            case "/health" -> method.equals(HttpMethod.GET) ? health(res) : notAllowed(res, method, path);
            default ->
                sendError(
                        res,
                        HttpResponseStatus.NOT_FOUND,
                        "no route for " + method + " " + path,
                        "invalid_request_error",
                        null,
                        "not_found");
        };
    }

    private Publisher<Void> health(HttpServerResponse res) {
        return sendJson(res, HttpResponseStatus.OK, format.health("ok", modelId, engine.stats()));
    }

    private Publisher<Void> chat(HttpServerRequest req, HttpServerResponse res) {
        String length = req.requestHeaders().get(HttpHeaderNames.CONTENT_LENGTH);
        if (length != null) {
            try {
                if (Long.parseLong(length.trim()) > MAX_BODY_BYTES) {
                    return sendError(
                            res,
                            HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                            "request body exceeds " + MAX_BODY_BYTES + " bytes",
                            "invalid_request_error",
                            null,
                            "request_too_large");
                }
            } catch (NumberFormatException e) {
                return sendError(
                        res, HttpResponseStatus.BAD_REQUEST, "bad Content-Length", "invalid_request_error", null, null);
            }
        }
        return req.receive()
                .aggregate()
                .asByteArray()
                .defaultIfEmpty(new byte[0])
                .flatMap(body -> {
                    ChatCompletionRequest parsed;
                    try {
                        parsed = ChatCompletionRequest.parse(json, body);
                    } catch (ChatCompletionRequest.BadRequest e) {
                        return sendError(
                                res,
                                HttpResponseStatus.BAD_REQUEST,
                                e.getMessage(),
                                "invalid_request_error",
                                e.param(),
                                null);
                    }
                    try {
                        engine.validate(parsed.chat());
                    } catch (InvalidChatRequestException e) {
                        return sendError(
                                res,
                                HttpResponseStatus.BAD_REQUEST,
                                e.getMessage(),
                                "invalid_request_error",
                                e.param(),
                                "invalid_schema");
                    }
                    Optional<EngineLease> lease = engine.tryAdmit();
                    if (lease.isEmpty()) {
                        return busy(res);
                    }
                    return parsed.stream() ? stream(res, lease.get(), parsed) : complete(res, lease.get(), parsed);
                });
    }

    private Mono<Void> complete(HttpServerResponse res, EngineLease lease, ChatCompletionRequest request) {
        String id = nextId();
        long created = options.clock().instant().getEpochSecond();
        String model = request.model() != null ? request.model() : modelId;
        return engine.complete(lease, request.chat())
                .flatMap(result -> sendJson(res, HttpResponseStatus.OK, format.completion(id, created, model, result)))
                .onErrorResume(e -> failure(res, e));
    }

    /**
     * Streams server-sent events. Headers go out with the first token, so a request that fails before any output
     * (prompt too long, engine closed) still gets a proper status; a failure after that ends the stream with an error
     * event and no {@code [DONE]}.
     */
    private Mono<Void> stream(HttpServerResponse res, EngineLease lease, ChatCompletionRequest request) {
        String id = nextId();
        long created = options.clock().instant().getEpochSecond();
        String model = request.model() != null ? request.model() : modelId;
        return engine.stream(lease, request.chat())
                .switchOnFirst((first, chunks) -> {
                    if (first.isOnError()) {
                        return failure(res, Objects.requireNonNull(first.getThrowable()));
                    }
                    Flux<String> events = Flux.concat(
                                    Mono.just(event(format.roleChunk(id, created, model))),
                                    chunks.concatMapIterable(chunk -> events(id, created, model, chunk, request)))
                            .onErrorResume(e -> {
                                log.warn("Stream {} failed after it started: {}", id, e.toString());
                                return Mono.just(event(format.error(
                                        "generation failed: " + e.getMessage(),
                                        "server_error",
                                        null,
                                        "generation_failed")));
                            });
                    return res.status(HttpResponseStatus.OK)
                            .header(HttpHeaderNames.CONTENT_TYPE, SSE)
                            .header(HttpHeaderNames.CACHE_CONTROL, "no-cache")
                            .sendString(events, StandardCharsets.UTF_8)
                            .then();
                })
                .then();
    }

    private List<String> events(String id, long created, String model, ChatChunk chunk, ChatCompletionRequest request) {
        List<String> out = new ArrayList<>(3);
        if (!chunk.content().isEmpty()
                || !chunk.reasoning().isEmpty()
                || !chunk.toolCalls().isEmpty()
                || chunk.isLast()) {
            out.add(event(format.chunk(id, created, model, chunk)));
        }
        if (chunk.isLast()) {
            if (request.includeUsage()) {
                out.add(event(format.usageChunk(id, created, model, Objects.requireNonNull(chunk.usage()))));
            }
            out.add("data: [DONE]\n\n");
        }
        return out;
    }

    private Mono<Void> failure(HttpServerResponse res, Throwable e) {
        if (e instanceof InvalidChatRequestException invalid) {
            return sendError(
                    res,
                    HttpResponseStatus.BAD_REQUEST,
                    invalid.getMessage(),
                    "invalid_request_error",
                    invalid.param(),
                    "messages".equals(invalid.param()) && invalid.getMessage().contains("tokens")
                            ? "context_length_exceeded"
                            : "invalid_request");
        }
        if (e instanceof EngineBusyException) {
            return busy(res);
        }
        log.error("Chat completion failed", e);
        return sendError(
                res,
                HttpResponseStatus.INTERNAL_SERVER_ERROR,
                "generation failed: " + e.getMessage(),
                "server_error",
                null,
                null);
    }

    private Mono<Void> busy(HttpServerResponse res) {
        long retry = Math.max(1, (engine.estimatedQueueWait().toMillis() + 999) / 1000);
        res.header(HttpHeaderNames.RETRY_AFTER, Long.toString(retry));
        return sendError(
                res,
                HttpResponseStatus.SERVICE_UNAVAILABLE,
                "all slots are busy and the wait queue is full; retry later or elsewhere",
                "server_error",
                null,
                "engine_busy");
    }

    private Mono<Void> notAllowed(HttpServerResponse res, HttpMethod method, String path) {
        return sendError(
                res,
                HttpResponseStatus.METHOD_NOT_ALLOWED,
                method + " is not allowed on " + path,
                "invalid_request_error",
                null,
                "method_not_allowed");
    }

    private Mono<Void> sendError(
            HttpServerResponse res,
            HttpResponseStatus status,
            String message,
            String type,
            @Nullable String param,
            @Nullable String code) {
        return sendJson(res, status, format.error(message, type, param, code));
    }

    private Mono<Void> sendJson(HttpServerResponse res, HttpResponseStatus status, String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return res.status(status)
                .header(HttpHeaderNames.CONTENT_TYPE, JSON)
                .header(HttpHeaderNames.CONTENT_LENGTH, Integer.toString(bytes.length))
                .sendByteArray(Mono.just(bytes))
                .then();
    }

    private static String event(String data) {
        return "data: " + data + "\n\n";
    }

    private String nextId() {
        return "chatcmpl-" + idPrefix + Long.toHexString(requestIds.incrementAndGet());
    }

    /** Runs the standalone server; see {@link ServerCommand} for the options. */
    public static void main(String[] args) {
        System.exit(ServerCommand.run(args));
    }
}
