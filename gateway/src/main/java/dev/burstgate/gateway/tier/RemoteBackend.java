package dev.burstgate.gateway.tier;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.burstgate.gateway.api.ChatCompletionRequest;
import dev.burstgate.policies.Tier;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadFullException;
import io.github.resilience4j.bulkhead.BulkheadRegistry;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.reactor.bulkhead.operator.BulkheadOperator;
import io.github.resilience4j.reactor.circuitbreaker.operator.CircuitBreakerOperator;
import java.net.ConnectException;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A tier served over HTTP by OpenAI-compatible endpoints: the cloud pool (many nodes, chosen by the load balancer)
 * or the legacy API (one URL). Per endpoint: a circuit breaker and a bulkhead; per attempt: a time limit to the first
 * chunk and between chunks.
 *
 * <p>A node that fails before its first chunk, by failing to connect, dropping the connection, answering 429, 502, 503
 * or 504, or being refused by its breaker or bulkhead, is replaced by another healthy node of the same pool that this
 * request has not tried yet; only when none is left does the failure reach the dispatcher (which then falls back to
 * the next tier). A connection that cannot be made is also tried again on the same endpoint, up to
 * {@code connect-retries} times, when no other is left (nothing was sent). Nothing is retried after the first chunk.
 * Each failed try that is followed by another is told to the caller ({@link #call(ChatCompletionRequest, String,
 * Consumer)}) and counted ({@link NodeBench#retried}).
 *
 * <p>A node that answers 429 (and one that answers 502, 503 or 504 with {@code Retry-After}) is benched for what it
 * asked ({@link NodeBench}): no request is sent to it until then while another node is left. A 429 is no failure for
 * the node's breaker ({@link #breakerIgnores}). When no node is left and some are benched, the failure is {@link
 * AttemptFailure.Kind#THROTTLED}, with the time until the first of them is back.
 *
 * <p>Failures carry a client-safe description and a detail for the log and the ledger; the detail is redacted of the
 * tier's API key and anything credential-shaped ({@link Redaction}), since upstream error pages may echo them.
 */
public final class RemoteBackend implements TierBackend {

    private static final Logger log = LoggerFactory.getLogger(RemoteBackend.class);
    private static final ParameterizedTypeReference<ServerSentEvent<String>> SSE =
            new ParameterizedTypeReference<>() {};
    /** Compiled once: {@code chatUrl} runs on every attempt. */
    private static final java.util.regex.Pattern TRAILING_SLASHES = java.util.regex.Pattern.compile("/+$");
    /** The pause before a connection is tried again on an endpoint already tried. */
    private static final Duration CONNECT_RETRY_PAUSE = Duration.ofMillis(20);

    /** Each endpoint's chat URL, built once: parsing a URI on every attempt showed in allocation profiles. */
    private final Cache<URI, URI> chatUrls =
            Caffeine.newBuilder().maximumSize(1_024).build();

    private final Tier tier;
    private final String model;
    private final @Nullable String apiKey;
    private final List<String> secrets;
    private final boolean simulated;
    private final EndpointChooser endpoints;
    private final WebClient http;
    private final JsonMapper json;
    private final ResilienceProperties resilience;
    private final CircuitBreakerRegistry breakers;
    private final BulkheadRegistry bulkheads;
    private final NodeBench bench;

    /** Picks the endpoint of one try. */
    public interface EndpointChooser {
        /**
         * An endpoint not in {@code tried} (those this request has tried, and those benched), healthy and with its
         * breaker not open where that is known; empty when none is left.
         */
        Mono<URI> choose(Set<URI> tried);

        /** Whether any endpoint may be tried (for routing health). */
        boolean anyUp(CircuitBreakerRegistry breakers, Tier tier);
    }

    public RemoteBackend(
            Tier tier,
            String model,
            @Nullable String apiKey,
            boolean simulated,
            EndpointChooser endpoints,
            WebClient http,
            JsonMapper json,
            ResilienceProperties resilience,
            CircuitBreakerRegistry breakers,
            BulkheadRegistry bulkheads,
            NodeBench bench) {
        this.tier = tier;
        this.model = model;
        this.apiKey = apiKey;
        this.secrets = apiKey == null || apiKey.isBlank() ? List.of() : List.of(apiKey);
        this.simulated = simulated;
        this.endpoints = endpoints;
        this.http = http;
        this.json = json;
        this.resilience = resilience;
        this.breakers = breakers;
        this.bulkheads = bulkheads;
        this.bench = bench;
    }

    /** The breaker name of one endpoint. */
    public static String breakerName(Tier tier, URI endpoint) {
        return tier.label() + ":" + endpoint;
    }

    @Override
    public Tier tier() {
        return tier;
    }

    @Override
    public boolean available() {
        return endpoints.anyUp(breakers, tier);
    }

    @Override
    public boolean simulated() {
        return simulated;
    }

    @Override
    public String model() {
        return model;
    }

    /**
     * Whether the breakers of the remote endpoints leave {@code e} out of their count: a 429 says the endpoint is
     * busy, not broken (it is benched instead, {@link NodeBench}).
     */
    public static boolean breakerIgnores(Throwable e) {
        return e instanceof AttemptFailure af && af.kind() == AttemptFailure.Kind.THROTTLED;
    }

    @Override
    public Flux<UpstreamChunk> call(ChatCompletionRequest request, String requestId) {
        return call(request, requestId, retried -> {});
    }

    @Override
    public Flux<UpstreamChunk> call(ChatCompletionRequest request, String requestId, Consumer<AttemptFailure> retried) {
        byte[] payload = payload(json, request.body(), model, request.stream());
        Call call = new Call(payload, request.stream(), requestId, retried);
        return Flux.defer(() -> tryNodes(new LinkedHashSet<>(), resilience.connectRetries(), null, call));
    }

    /** What every try of one call sends, and who hears of the tries that failed and were followed by another. */
    private record Call(byte[] payload, boolean stream, String requestId, Consumer<AttemptFailure> retried) {}

    /** A try that failed on {@code endpoint} before its first chunk, in a way another node may not share. */
    private record Failed(URI endpoint, AttemptFailure failure) {}

    /** The client's body as the upstream gets it ({@link UpstreamPayload#PLAIN}). */
    static byte[] payload(JsonMapper json, ObjectNode body, String model, boolean stream) {
        return UpstreamPayload.PLAIN.write(json, body, model, stream);
    }

    /**
     * One try on an endpoint neither in {@code tried} nor benched; on a failure before the first chunk that another
     * node may not share ({@link #nodeFailure}), the next one. {@code last} is the failure that led here: told to the
     * caller once another try starts, reported when no node is left ({@link #noneLeft}).
     */
    private Flux<UpstreamChunk> tryNodes(Set<URI> tried, int connectRetries, @Nullable Failed last, Call call) {
        Set<URI> benched = bench.benched(tier);
        Set<URI> skipped = benched.isEmpty() ? tried : union(tried, benched);
        Mono<URI> next = endpoints.choose(skipped);
        boolean again = last != null && last.failure().kind() == AttemptFailure.Kind.UNREACHABLE && connectRetries > 0;
        if (again) {
            // No other endpoint: the one that could not be reached, once more (nothing was sent).
            next = next.switchIfEmpty(Mono.delay(CONNECT_RETRY_PAUSE).then(endpoints.choose(benched)));
        }
        int retriesLeft = again ? connectRetries - 1 : connectRetries;
        return next.switchIfEmpty(Mono.error(() -> noneLeft(last))).flatMapMany(ep -> {
            if (last != null) {
                bench.retried(tier, last.endpoint(), last.failure());
                call.retried().accept(last.failure());
            }
            tried.add(ep);
            boolean[] produced = {false};
            return attempt(ep, call.payload(), call.stream(), call.requestId())
                    .doOnNext(c -> produced[0] = true)
                    .onErrorResume(e -> !produced[0] && e instanceof AttemptFailure af && nodeFailure(af), e -> {
                        AttemptFailure failure = (AttemptFailure) e;
                        if (failure.kind() == AttemptFailure.Kind.THROTTLED || failure.retryAfter() != null) {
                            bench.bench(tier, ep, failure.retryAfter(), failure.publicMessage());
                        }
                        log.info("{} tier: {}; trying another endpoint", tier.label(), failure.getMessage());
                        return tryNodes(tried, retriesLeft, new Failed(ep, failure), call);
                    });
        });
    }

    private static Set<URI> union(Set<URI> a, Set<URI> b) {
        Set<URI> u = new LinkedHashSet<>(a);
        u.addAll(b);
        return u;
    }

    /**
     * The failure of a call with no endpoint left to try: when some endpoint of the tier is benched, the tier is
     * throttled until the first is back (the last node's failure, or, when no node was asked, one of its own); else
     * the last node's failure, or none healthy.
     */
    private AttemptFailure noneLeft(@Nullable Failed last) {
        Duration wait = bench.soonest(tier);
        if (wait != null) {
            return last != null
                    ? last.failure().throttled(wait)
                    : new AttemptFailure(
                            "-",
                            AttemptFailure.Kind.THROTTLED,
                            0,
                            "every endpoint of the " + tier.label() + " tier is benched; the first is back in "
                                    + wait.toMillis() + " ms",
                            null,
                            wait);
        }
        if (last != null) {
            return last.failure();
        }
        return new AttemptFailure(
                tier.label(),
                AttemptFailure.Kind.UNAVAILABLE,
                "no healthy endpoint for the " + tier.label() + " tier",
                null);
    }

    /** A failure of the node rather than of the request: another node may well answer. */
    static boolean nodeFailure(AttemptFailure f) {
        return switch (f.kind()) {
            case UNREACHABLE, CONNECTION_LOST, UNAVAILABLE, AT_CAPACITY, THROTTLED -> true;
            case UPSTREAM_ERROR -> f.status() == 502 || f.status() == 503 || f.status() == 504;
            case TIMEOUT, INVALID_ANSWER, BUSY, CONTEXT_EXCEEDED, REFUSED, FAILED -> false;
        };
    }

    private Flux<UpstreamChunk> attempt(URI endpoint, byte[] payload, boolean stream, String requestId) {
        String ep = endpoint.toString();
        CircuitBreaker breaker = breakers.circuitBreaker(breakerName(tier, endpoint));
        Bulkhead bulkhead = bulkheads.bulkhead(breakerName(tier, endpoint));
        Flux<UpstreamChunk> exchange = http.post()
                .uri(chatUrls.get(endpoint, RemoteBackend::chatUrl))
                .contentType(MediaType.APPLICATION_JSON)
                .accept(stream ? MediaType.TEXT_EVENT_STREAM : MediaType.APPLICATION_JSON)
                .headers(h -> {
                    if (apiKey != null && !apiKey.isBlank()) {
                        h.setBearerAuth(apiKey);
                    }
                    h.set("X-Request-Id", requestId);
                })
                .bodyValue(payload)
                .exchangeToFlux(response -> read(response, ep, stream))
                // A pooled connection the upstream already closed (llama.cpp's server closes after a stream while
                // announcing
                // keep-alive) fails before any response: send once more on a fresh connection, unseen by the breaker.
                .retryWhen(reactor.util.retry.Retry.max(1).filter(RemoteBackend::staleConnection));
        return exchange.timeout(Mono.delay(resilience.firstByteTimeout()), item -> Mono.delay(resilience.idleTimeout()))
                .transformDeferred(CircuitBreakerOperator.of(breaker))
                .transformDeferred(BulkheadOperator.of(bulkhead))
                .onErrorMap(e -> !(e instanceof AttemptFailure), e -> failure(ep, e));
    }

    /** {@code <base>/v1/chat/completions}; a base URL that already ends in {@code /v1} is accepted too. */
    static URI chatUrl(URI base) {
        String s = TRAILING_SLASHES.matcher(base.toString()).replaceAll("");
        return URI.create(s.endsWith("/v1") ? s + "/chat/completions" : s + "/v1/chat/completions");
    }

    private Flux<UpstreamChunk> read(ClientResponse response, String ep, boolean stream) {
        if (!response.statusCode().is2xxSuccessful()) {
            int status = response.statusCode().value();
            String retryAfter = response.headers().asHttpHeaders().getFirst(HttpHeaders.RETRY_AFTER);
            return response.bodyToMono(String.class)
                    .defaultIfEmpty("")
                    .flatMapMany(b -> Flux.error(statusFailure(ep, status, b, retryAfter)));
        }
        if (!stream) {
            return response.bodyToMono(byte[].class)
                    .switchIfEmpty(Mono.error(() -> new AttemptFailure(
                            ep, AttemptFailure.Kind.INVALID_ANSWER, "empty answer from " + ep, null)))
                    .map(bytes -> new UpstreamChunk(ep, completion(ep, bytes)))
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
                    return Mono.just(new UpstreamChunk(ep, chunk(ep, data)));
                })
                .concatWith(Mono.defer(() -> done[0]
                        ? Mono.empty()
                        : Mono.error(new AttemptFailure(
                                ep,
                                AttemptFailure.Kind.CONNECTION_LOST,
                                "stream from " + ep + " ended without [DONE]",
                                null))));
    }

    private ObjectNode completion(String ep, byte[] bytes) {
        JsonNode node = parse(ep, bytes);
        if (!node.isObject() || !node.path("choices").isArray()) {
            throw new AttemptFailure(
                    ep, AttemptFailure.Kind.INVALID_ANSWER, "answer from " + ep + " is not a chat completion", null);
        }
        return (ObjectNode) node;
    }

    private ObjectNode chunk(String ep, String data) {
        JsonNode node = parse(ep, data.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        if (!node.isObject()) {
            throw new AttemptFailure(
                    ep, AttemptFailure.Kind.INVALID_ANSWER, "stream event from " + ep + " is not a JSON object", null);
        }
        if (node.has("error")) {
            throw new AttemptFailure(
                    ep,
                    AttemptFailure.Kind.UPSTREAM_ERROR,
                    "error event from " + ep + ": "
                            + redact(snippet(node.path("error").path("message").asString(""))),
                    null);
        }
        return (ObjectNode) node;
    }

    private JsonNode parse(String ep, byte[] bytes) {
        try {
            return json.readTree(bytes);
        } catch (JacksonException e) {
            throw new AttemptFailure(ep, AttemptFailure.Kind.INVALID_ANSWER, "invalid JSON from " + ep, null);
        }
    }

    /**
     * A non-2xx answer. 429 is {@link AttemptFailure.Kind#THROTTLED}; 4xx answers other than 408 and 429 say the
     * request is at fault ({@link AttemptFailure.Kind#REFUSED}, or {@link AttemptFailure.Kind#CONTEXT_EXCEEDED} when the
     * upstream names {@code context_length_exceeded}). The {@code Retry-After} of a 429, 502, 503 or 504 is kept.
     */
    private AttemptFailure statusFailure(String ep, int status, String body, @Nullable String retryAfter) {
        String detail = "HTTP " + status + " from " + ep + ": " + redact(snippet(body));
        AttemptFailure.Kind kind = AttemptFailure.Kind.UPSTREAM_ERROR;
        Duration wait = null;
        if (status == 429 || status == 502 || status == 503 || status == 504) {
            kind = status == 429 ? AttemptFailure.Kind.THROTTLED : kind;
            wait = bench.retryAfter(retryAfter);
            if (wait != null) {
                detail += " (Retry-After: " + wait.toSeconds() + " s)";
            }
        } else if (status >= 400 && status < 500 && status != 408) {
            kind = body.contains("context_length_exceeded")
                    ? AttemptFailure.Kind.CONTEXT_EXCEEDED
                    : AttemptFailure.Kind.REFUSED;
        }
        return new AttemptFailure(ep, kind, status, detail, null, wait);
    }

    private String redact(String text) {
        return Redaction.redact(text, secrets);
    }

    private static String snippet(String body) {
        String s = body.strip();
        return s.length() > 300 ? s.substring(0, 300) + "…" : s;
    }

    private AttemptFailure failure(String ep, Throwable e) {
        if (e instanceof TimeoutException) {
            return new AttemptFailure(ep, AttemptFailure.Kind.TIMEOUT, "timed out waiting for " + ep, e);
        }
        if (e instanceof CallNotPermittedException) {
            return new AttemptFailure(ep, AttemptFailure.Kind.UNAVAILABLE, "circuit breaker open for " + ep, e);
        }
        if (e instanceof BulkheadFullException) {
            return new AttemptFailure(ep, AttemptFailure.Kind.AT_CAPACITY, "too many concurrent calls to " + ep, e);
        }
        if (connectFailure(e)) {
            return new AttemptFailure(
                    ep, AttemptFailure.Kind.UNREACHABLE, "cannot reach " + ep + ": " + redact(rootMessage(e)), e);
        }
        if (connectionLost(e)) {
            return new AttemptFailure(
                    ep,
                    AttemptFailure.Kind.CONNECTION_LOST,
                    "connection to " + ep + " lost: " + redact(rootMessage(e)),
                    e);
        }
        return new AttemptFailure(
                ep, AttemptFailure.Kind.FAILED, "failed talking to " + ep + ": " + redact(rootMessage(e)), e);
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
    }

    /** The upstream closed a reused connection before answering: the request was not processed. */
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

    /** The connection could not be made: nothing was sent. */
    static boolean connectFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ConnectException
                    || t instanceof java.nio.channels.UnresolvedAddressException
                    || t instanceof java.net.UnknownHostException
                    || t.getClass().getName().endsWith("AnnotatedConnectException")
                    || t instanceof io.netty.channel.ConnectTimeoutException) {
                return true;
            }
        }
        return false;
    }

    /** The connection closed or was reset while the request or its answer was on the way. */
    static boolean connectionLost(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof reactor.netty.http.client.PrematureCloseException
                    || t instanceof java.io.IOException
                    || t instanceof reactor.netty.channel.AbortedException) {
                return true;
            }
        }
        return false;
    }
}
