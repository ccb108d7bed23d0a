package dev.burstgate.gateway.tier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.burstgate.gateway.api.ChatCompletionRequest;
import dev.burstgate.gateway.api.ChatRequestParser;
import dev.burstgate.gateway.testsupport.PaidApiMock;
import dev.burstgate.gateway.testsupport.PaidApiMock.Behavior;
import dev.burstgate.policies.Tier;
import io.github.resilience4j.bulkhead.BulkheadRegistry;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionPoolMetrics;
import reactor.netty.resources.ConnectionProvider;
import reactor.test.StepVerifier;
import tools.jackson.databind.json.JsonMapper;

/** A remote tier against real sockets: breaker, retries on connect errors, and what it sends upstream. */
class RemoteBackendTest {

    private final JsonMapper json = JsonMapper.builder().build();
    private final CircuitBreakerRegistry breakers = CircuitBreakerRegistry.of(CircuitBreakerConfig.custom()
            .slidingWindowSize(2)
            .minimumNumberOfCalls(2)
            .failureRateThreshold(50)
            .waitDurationInOpenState(Duration.ofMinutes(1))
            .build());
    private final NodeBench bench = new NodeBench(
            java.time.InstantSource.system(),
            Duration.ofSeconds(1),
            Duration.ofMinutes(5),
            new io.micrometer.core.instrument.simple.SimpleMeterRegistry());

    private RemoteBackend backend(URI url, int retries) {
        return backend(url, retries, WebClient.create());
    }

    private RemoteBackend backend(URI url, int retries, WebClient web) {
        ResilienceProperties resilience = new ResilienceProperties(
                Duration.ofSeconds(10),
                Duration.ofSeconds(10),
                Duration.ofSeconds(2),
                8,
                50,
                2,
                2,
                Duration.ofMinutes(1),
                retries,
                Duration.ofSeconds(1),
                Duration.ofMinutes(5));
        return new RemoteBackend(
                Tier.LEGACY,
                "upstream-model",
                "sk-up",
                false,
                new FixedEndpoint(url),
                web,
                json,
                resilience,
                breakers,
                BulkheadRegistry.ofDefaults(),
                bench);
    }

    private ChatCompletionRequest request(String body) {
        return new ChatRequestParser(json, Map.of()).parse(body.getBytes(StandardCharsets.UTF_8));
    }

    private static URI closedPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return URI.create("http://127.0.0.1:" + s.getLocalPort());
        }
    }

    @Test
    void opensItsBreakerAfterConnectFailuresAndThenFailsFast() throws Exception {
        URI dead = closedPort();
        RemoteBackend b = backend(dead, 0);
        ChatCompletionRequest r = request("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        for (int i = 0; i < 2; i++) {
            StepVerifier.create(b.call(r, "req"))
                    .expectErrorSatisfies(e ->
                            assertThat(e).isInstanceOf(AttemptFailure.class).hasMessageContaining("cannot reach"))
                    .verify();
        }
        assertThat(breakers.circuitBreaker(RemoteBackend.breakerName(Tier.LEGACY, dead))
                        .getState())
                .isEqualTo(CircuitBreaker.State.OPEN);
        assertThat(b.available()).isFalse();
        StepVerifier.create(b.call(r, "req"))
                .expectErrorSatisfies(e -> assertThat(e).hasMessageContaining("circuit breaker open"))
                .verify();
    }

    /** A pool over fixed nodes, in order, skipping the ones a request has tried: what CloudPool does without health. */
    private record Nodes(List<URI> nodes) implements RemoteBackend.EndpointChooser {
        @Override
        public reactor.core.publisher.Mono<URI> choose(java.util.Set<URI> tried) {
            return reactor.core.publisher.Mono.justOrEmpty(
                    nodes.stream().filter(n -> !tried.contains(n)).findFirst());
        }

        @Override
        public boolean anyUp(CircuitBreakerRegistry breakers, Tier tier) {
            return true;
        }
    }

    private RemoteBackend pool(URI... nodes) {
        ResilienceProperties resilience = new ResilienceProperties(
                Duration.ofSeconds(10),
                Duration.ofSeconds(10),
                Duration.ofSeconds(2),
                8,
                50,
                20,
                20,
                Duration.ofMinutes(1),
                0,
                Duration.ofSeconds(1),
                Duration.ofMinutes(5));
        return new RemoteBackend(
                Tier.CLOUD,
                "pool-model",
                "sk-pool-secret-123",
                false,
                new Nodes(List.of(nodes)),
                WebClient.create(),
                json,
                resilience,
                breakers,
                BulkheadRegistry.ofDefaults(),
                bench);
    }

    @ParameterizedTest(name = "{0}, streamed: {1}")
    @CsvSource({
        "STATUS_503, false",
        "STATUS_503, true",
        "RESET, false",
        "RESET, true",
        "STATUS_429, false",
        "STATUS_429, true"
    })
    void aNodeThatFailsBeforeItsFirstByteIsReplacedByAnotherNodeOfThePool(Behavior failure, boolean stream)
            throws Exception {
        try (PaidApiMock broken = new PaidApiMock();
                PaidApiMock healthy = new PaidApiMock()) {
            broken.always(failure);
            RemoteBackend b = pool(broken.baseUrl(), healthy.baseUrl());
            StepVerifier.create(b.call(
                            request("{\"stream\":" + stream
                                    + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"),
                            "req"))
                    .thenConsumeWhile(c -> c.endpoint().equals(healthy.baseUrl().toString()))
                    .verifyComplete();
            assertThat(broken.received()).hasSize(1);
            assertThat(healthy.received()).hasSize(1);
        }
    }

    @Test
    void whenEveryNodeFailsTheLastFailureIsReported() throws Exception {
        try (PaidApiMock a = new PaidApiMock();
                PaidApiMock b = new PaidApiMock()) {
            a.always(Behavior.STATUS_503);
            b.always(Behavior.STATUS_503);
            StepVerifier.create(pool(a.baseUrl(), b.baseUrl())
                            .call(request("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"), "req"))
                    .expectErrorSatisfies(e -> {
                        assertThat(e).isInstanceOf(AttemptFailure.class);
                        assertThat(((AttemptFailure) e).status()).isEqualTo(503);
                        assertThat(((AttemptFailure) e).publicMessage()).isEqualTo("answered an error (HTTP 503)");
                    })
                    .verify();
            assertThat(a.received()).hasSize(1);
            assertThat(b.received()).hasSize(1);
        }
    }

    @ParameterizedTest
    @CsvSource({"STATUS_400, REFUSED", "CONTEXT_EXCEEDED_400, CONTEXT_EXCEEDED", "STATUS_500, UPSTREAM_ERROR"})
    void aFailureOfTheRequestItselfIsNotTriedOnAnotherNode(Behavior answer, AttemptFailure.Kind kind) throws Exception {
        try (PaidApiMock a = new PaidApiMock();
                PaidApiMock b = new PaidApiMock()) {
            a.always(answer);
            StepVerifier.create(pool(a.baseUrl(), b.baseUrl())
                            .call(request("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"), "req"))
                    .expectErrorSatisfies(
                            e -> assertThat(((AttemptFailure) e).kind()).isEqualTo(kind))
                    .verify();
            assertThat(a.received()).hasSize(1);
            assertThat(b.received()).isEmpty();
        }
    }

    @Test
    void anUpstreamThatEchoesItsCredentialsHasThemRedactedAndItsWordsKeptFromTheClient() throws Exception {
        try (PaidApiMock mock = new PaidApiMock()) {
            mock.always(Behavior.ECHO_CREDENTIALS_500);
            StepVerifier.create(pool(mock.baseUrl())
                            .call(request("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"), "req"))
                    .expectErrorSatisfies(e -> {
                        AttemptFailure f = (AttemptFailure) e;
                        // The detail (log, ledger) keeps the upstream's words without its secrets.
                        assertThat(f.getMessage())
                                .contains("HTTP 500", PaidApiMock.ECHO_HOST)
                                .doesNotContain("sk-pool-secret-123", "hunter22");
                        // What a client may read has none of it.
                        assertThat(f.publicMessage()).isEqualTo("answered an error (HTTP 500)");
                    })
                    .verify();
        }
    }

    @Test
    void retriesAConnectFailureButNeverAnHttpError() throws Exception {
        try (PaidApiMock mock = new PaidApiMock()) {
            mock.then(Behavior.STATUS_500);
            RemoteBackend b = backend(mock.baseUrl(), 2);
            StepVerifier.create(b.call(request("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"), "req"))
                    .expectErrorSatisfies(e -> assertThat(e).hasMessageContaining("HTTP 500"))
                    .verify();
            assertThat(mock.received()).hasSize(1);
        }
    }

    @Test
    void resendsOnAFreshConnectionWhenTheUpstreamDroppedAReusedOne() throws Exception {
        // A pool of its own whose state the test can read.
        AtomicReference<ConnectionPoolMetrics> pool = new AtomicReference<>();
        ConnectionProvider connections = ConnectionProvider.builder("resend-test")
                .metrics(true, () -> (name, id, address, metrics) -> pool.set(metrics))
                .build();
        try (PaidApiMock mock = new PaidApiMock()) {
            mock.then(Behavior.ANSWER_THEN_DROP_NEXT_ON_CONNECTION);
            RemoteBackend b = backend(
                    mock.baseUrl(),
                    0,
                    WebClient.builder()
                            .clientConnector(new ReactorClientHttpConnector(HttpClient.create(connections)))
                            .build());
            ChatCompletionRequest r = request("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
            StepVerifier.create(b.call(r, "first")).expectNextCount(1).verifyComplete();
            // The connection goes back to the pool a moment after the answer was read.
            await().atMost(Duration.ofSeconds(5))
                    .pollInterval(Duration.ofMillis(5))
                    .until(() -> pool.get() != null && pool.get().idleSize() == 1);
            // The pooled connection is reused, the upstream closes it without answering; the request goes out again.
            StepVerifier.create(b.call(r, "second")).expectNextCount(1).verifyComplete();
            assertThat(mock.received())
                    .extracting(x -> x.headers().get("x-request-id"))
                    .as("the second request on the reused connection, then on a fresh one")
                    .containsExactly("first", "second", "second");
            assertThat(breakers.circuitBreaker(RemoteBackend.breakerName(Tier.LEGACY, mock.baseUrl()))
                            .getMetrics()
                            .getNumberOfFailedCalls())
                    .isZero();
        } finally {
            connections.dispose();
        }
    }

    @Test
    void sendsItsOwnModelAndKeyAndAsksForUsageInStreams() throws Exception {
        try (PaidApiMock mock = new PaidApiMock()) {
            RemoteBackend b = backend(mock.baseUrl(), 0);
            StepVerifier.create(b.call(
                            request(
                                    "{\"model\":\"auto\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"),
                            "req_9"))
                    .thenConsumeWhile(c -> true)
                    .verifyComplete();
            PaidApiMock.Received got = mock.received().get(0);
            assertThat(got.path()).isEqualTo("/v1/chat/completions");
            assertThat(got.headers().get("authorization")).isEqualTo("Bearer sk-up");
            assertThat(got.headers().get("x-request-id")).isEqualTo("req_9");
            assertThat(json.readTree(got.body()).path("model").asString()).isEqualTo("upstream-model");
            assertThat(json.readTree(got.body())
                            .path("stream_options")
                            .path("include_usage")
                            .asBoolean())
                    .isTrue();
        }
    }

    @Test
    void treatsAStreamThatEndsWithoutDoneAsCut() throws Exception {
        try (PaidApiMock mock = new PaidApiMock()) {
            mock.then(Behavior.CUT_AFTER_FIRST_CHUNK);
            RemoteBackend b = backend(mock.baseUrl(), 0);
            StepVerifier.create(b.call(
                            request("{\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"), "req"))
                    .expectNextCount(1)
                    .expectError(AttemptFailure.class)
                    .verify(Duration.ofSeconds(10));
        }
    }

    @Test
    void acceptsABaseUrlWithOrWithoutTheVersionPath() {
        assertThat(RemoteBackend.chatUrl(URI.create("https://api.example.com")))
                .hasToString("https://api.example.com/v1/chat/completions");
        assertThat(RemoteBackend.chatUrl(URI.create("https://api.example.com/v1/")))
                .hasToString("https://api.example.com/v1/chat/completions");
        assertThat(List.of(RemoteBackend.chatUrl(URI.create("http://h:1/proxy"))))
                .singleElement()
                .hasToString("http://h:1/proxy/v1/chat/completions");
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "{\"model\":\"auto\",\"messages\":[{\"role\":\"user\",\"content\":\"hi é 😀\"}]}",
                "{\"messages\":[{\"role\":\"user\",\"content\":\"no model\"}],\"temperature\":0.5}",
                "{\"stream\":true,\"model\":\"x\",\"stream_options\":{\"include_usage\":false,\"y\":1},\"n\":1}",
                "{\"stream\":true,\"messages\":[],\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}]}",
                "{\"max_tokens\":12345678901,\"stop\":[\"a\",\"b\"],\"model\":null,\"user\":\"u\\n\"}"
            })
    void thePayloadIsTheBodyWithTheTiersModelAndUsageInStreams(String body) {
        tools.jackson.databind.node.ObjectNode tree = (tools.jackson.databind.node.ObjectNode) json.readTree(body);
        for (boolean stream : new boolean[] {false, true}) {
            // What the upstream got before the payload was written straight from the tree: a copy, changed, written.
            tools.jackson.databind.node.ObjectNode copy = tree.deepCopy();
            copy.put("model", "tier-model");
            if (stream) {
                copy.putObject("stream_options").put("include_usage", true);
            }
            assertThat(new String(RemoteBackend.payload(json, tree, "tier-model", stream), StandardCharsets.UTF_8))
                    .isEqualTo(json.writeValueAsString(copy));
        }
        assertThat(json.writeValueAsString(tree))
                .as("the client's tree is left alone")
                .isEqualTo(json.writeValueAsString(json.readTree(body)));
    }
}
