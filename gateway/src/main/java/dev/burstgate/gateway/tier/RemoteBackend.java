package dev.burstgate.gateway.tier;

import dev.burstgate.gateway.api.ChatCompletionRequest;
import dev.burstgate.gateway.config.BurstgateProperties.Resilience;
import dev.burstgate.policies.Tier;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadFullException;
import io.github.resilience4j.bulkhead.BulkheadRegistry;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.reactor.bulkhead.operator.BulkheadOperator;
import io.github.resilience4j.reactor.circuitbreaker.operator.CircuitBreakerOperator;
import io.github.resilience4j.reactor.retry.RetryOperator;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.github.resilience4j.retry.RetryRegistry;
import java.net.ConnectException;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.client.WebClientRequestException;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A tier served over HTTP by OpenAI-compatible endpoints: the cloud pool (many nodes, chosen by the load balancer)
 * or the legacy API (one URL). Per endpoint: a circuit breaker and a bulkhead; per attempt: a time limit to the first
 * chunk and between chunks; connect failures and refused calls are retried, on another node where the pool has one.
 * Retries only ever happen before the first chunk, since connect errors, open breakers and full bulkheads cannot
 * occur after it.
 */
public final class RemoteBackend implements TierBackend {

  private static final ParameterizedTypeReference<ServerSentEvent<String>> SSE = new ParameterizedTypeReference<>() {};
  /** Compiled once: {@code chatUrl} runs on every attempt. */
  private static final java.util.regex.Pattern TRAILING_SLASHES = java.util.regex.Pattern.compile("/+$");

  private final Tier tier;
  private final String model;
  private final @Nullable String apiKey;
  private final boolean simulated;
  private final EndpointChooser endpoints;
  private final WebClient http;
  private final JsonMapper json;
  private final Resilience resilience;
  private final CircuitBreakerRegistry breakers;
  private final BulkheadRegistry bulkheads;
  private final Retry retry;

  /** Picks the endpoint of one attempt. */
  public interface EndpointChooser {
    Mono<URI> choose();

    /** Whether any endpoint may be tried (for routing health). */
    boolean anyUp(CircuitBreakerRegistry breakers, Tier tier);
  }

  public RemoteBackend(Tier tier, String model, @Nullable String apiKey, boolean simulated, EndpointChooser endpoints,
      WebClient http, JsonMapper json, Resilience resilience, CircuitBreakerRegistry breakers,
      BulkheadRegistry bulkheads, RetryRegistry retries) {
    this.tier = tier;
    this.model = model;
    this.apiKey = apiKey;
    this.simulated = simulated;
    this.endpoints = endpoints;
    this.http = http;
    this.json = json;
    this.resilience = resilience;
    this.breakers = breakers;
    this.bulkheads = bulkheads;
    this.retry = retries.retry("tier:" + tier.label(), () -> RetryConfig.custom()
        .maxAttempts(resilience.connectRetries() + 1)
        .waitDuration(Duration.ofMillis(20))
        .retryOnException(RemoteBackend::retryable)
        .build());
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

  @Override
  public Flux<UpstreamChunk> call(ChatCompletionRequest request, String requestId) {
    ObjectNode body = request.body().deepCopy();
    body.put("model", model);
    if (request.stream()) {
      body.putObject("stream_options").put("include_usage", true);
    }
    byte[] payload = json.writeValueAsBytes(body);
    return Flux.defer(() -> endpoints.choose().flatMapMany(ep -> attempt(ep, payload, request.stream(), requestId)))
        .transformDeferred(RetryOperator.of(retry));
  }

  private Flux<UpstreamChunk> attempt(URI endpoint, byte[] payload, boolean stream, String requestId) {
    String ep = endpoint.toString();
    CircuitBreaker breaker = breakers.circuitBreaker(breakerName(tier, endpoint));
    Bulkhead bulkhead = bulkheads.bulkhead(breakerName(tier, endpoint));
    Flux<UpstreamChunk> exchange = http.post()
        .uri(chatUrl(endpoint))
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
        // A pooled connection the upstream already closed (llama.cpp's server closes after a stream while announcing
        // keep-alive) fails before any response: send once more on a fresh connection, unseen by the breaker.
        .retryWhen(reactor.util.retry.Retry.max(1).filter(RemoteBackend::staleConnection));
    return exchange
        .timeout(Mono.delay(resilience.firstByteTimeout()), item -> Mono.delay(resilience.idleTimeout()))
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
      return response.bodyToMono(String.class).defaultIfEmpty("")
          .flatMapMany(b -> Flux.error(new AttemptFailure(ep, "HTTP " + status + " from " + ep + snippet(b), new UpstreamStatusException(status), false)));
    }
    if (!stream) {
      return response.bodyToMono(byte[].class)
          .switchIfEmpty(Mono.error(() -> new AttemptFailure(ep, "empty answer from " + ep, new IllegalStateException("empty body"), false)))
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
        .concatWith(Mono.defer(() -> done[0] ? Mono.empty()
            : Mono.error(new AttemptFailure(ep, "stream from " + ep + " ended without [DONE]", new IllegalStateException("cut"), false))));
  }

  private ObjectNode completion(String ep, byte[] bytes) {
    JsonNode node = parse(ep, bytes);
    if (!node.isObject() || !node.path("choices").isArray()) {
      throw new AttemptFailure(ep, "answer from " + ep + " is not a chat completion", new IllegalStateException("no choices"), false);
    }
    return (ObjectNode) node;
  }

  private ObjectNode chunk(String ep, String data) {
    JsonNode node = parse(ep, data.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    if (!node.isObject()) {
      throw new AttemptFailure(ep, "stream event from " + ep + " is not a JSON object", new IllegalStateException("bad event"), false);
    }
    if (node.has("error")) {
      throw new AttemptFailure(ep, "error event from " + ep + ": " + node.path("error").path("message").asString(""),
          new IllegalStateException("upstream error event"), false);
    }
    return (ObjectNode) node;
  }

  private JsonNode parse(String ep, byte[] bytes) {
    try {
      return json.readTree(bytes);
    } catch (JacksonException e) {
      throw new AttemptFailure(ep, "invalid JSON from " + ep, e, false);
    }
  }

  private static String snippet(String body) {
    String s = body.strip();
    if (s.isEmpty()) {
      return "";
    }
    return ": " + (s.length() > 200 ? s.substring(0, 200) + "…" : s);
  }

  private static AttemptFailure failure(String ep, Throwable e) {
    if (e instanceof TimeoutException) {
      return new AttemptFailure(ep, "timed out waiting for " + ep, e, true);
    }
    if (e instanceof CallNotPermittedException) {
      return new AttemptFailure(ep, "circuit breaker open for " + ep, e, false);
    }
    if (e instanceof BulkheadFullException) {
      return new AttemptFailure(ep, "too many concurrent calls to " + ep, e, false);
    }
    if (e instanceof WebClientRequestException) {
      return new AttemptFailure(ep, "cannot reach " + ep + ": " + rootMessage(e), e, false);
    }
    return new AttemptFailure(ep, "failed talking to " + ep + ": " + rootMessage(e), e, false);
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
      if (t instanceof reactor.netty.http.client.PrematureCloseException && t.getMessage() != null
          && t.getMessage().contains("BEFORE response")) {
        return true;
      }
    }
    return false;
  }

  /** Connect errors, open breakers and full bulkheads: all happen before any chunk, so a retry is safe. */
  static boolean retryable(Throwable e) {
    Throwable t = e instanceof AttemptFailure af && af.getCause() != null ? af.getCause() : e;
    if (t instanceof CallNotPermittedException || t instanceof BulkheadFullException) {
      return true;
    }
    while (t != null) {
      if (t instanceof ConnectException || t instanceof java.nio.channels.UnresolvedAddressException) {
        return true;
      }
      if (t.getClass().getName().endsWith("AnnotatedConnectException")) {
        return true;
      }
      t = t.getCause() == t ? null : t.getCause();
    }
    return false;
  }

  /** A non-2xx answer. */
  public static final class UpstreamStatusException extends RuntimeException {
    private final int status;

    UpstreamStatusException(int status) {
      super("HTTP " + status, null, false, false);
      this.status = status;
    }

    public int status() {
      return status;
    }
  }
}
