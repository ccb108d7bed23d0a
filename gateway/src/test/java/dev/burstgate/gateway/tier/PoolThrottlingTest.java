package dev.burstgate.gateway.tier;

import static org.assertj.core.api.Assertions.assertThat;

import dev.burstgate.gateway.api.ChatCompletionRequest;
import dev.burstgate.gateway.api.ChatRequestParser;
import dev.burstgate.gateway.testsupport.PaidApiMock;
import dev.burstgate.gateway.testsupport.PaidApiMock.Behavior;
import dev.burstgate.policies.Tier;
import io.github.resilience4j.bulkhead.BulkheadRegistry;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import tools.jackson.databind.json.JsonMapper;

/**
 * A remote tier's nodes answering 429, against real sockets, with the bench on a clock the test moves: a throttled node
 * is replaced by another node of the pool, benched for its {@code Retry-After} (or the default), asked again only
 * afterwards, never counted by its breaker; a tier whose every node is benched fails {@code THROTTLED} with the time
 * until the first is back.
 */
class PoolThrottlingTest {

    private final JsonMapper json = JsonMapper.builder().build();
    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2030-01-01T00:00:00Z"));
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final NodeBench bench = new NodeBench(now::get, Duration.ofSeconds(1), Duration.ofMinutes(5), meters);
    /** Opens after two failures in two calls, were a 429 a failure. */
    private final CircuitBreakerRegistry breakers = CircuitBreakerRegistry.of(CircuitBreakerConfig.custom()
            .slidingWindowSize(2)
            .minimumNumberOfCalls(2)
            .failureRateThreshold(50)
            .waitDurationInOpenState(Duration.ofMinutes(1))
            .ignoreException(RemoteBackend::breakerIgnores)
            .build());

    private final List<PaidApiMock> mocks = new ArrayList<>();
    /** The tries each call told of: failed before their first byte, followed by another. */
    private final List<AttemptFailure> retried = new ArrayList<>();

    @AfterEach
    void closeMocks() throws Exception {
        for (PaidApiMock m : mocks) {
            m.close();
        }
    }

    private PaidApiMock node() throws Exception {
        PaidApiMock m = new PaidApiMock();
        mocks.add(m);
        return m;
    }

    private void advance(Duration d) {
        now.set(now.get().plus(d));
    }

    /** A pool over fixed nodes, in order, skipping the ones a request has tried: what CloudPool does without health. */
    private record Nodes(List<URI> nodes) implements RemoteBackend.EndpointChooser {
        @Override
        public Mono<URI> choose(Set<URI> tried) {
            return Mono.justOrEmpty(
                    nodes.stream().filter(n -> !tried.contains(n)).findFirst());
        }

        @Override
        public boolean anyUp(CircuitBreakerRegistry breakers, Tier tier) {
            return true;
        }
    }

    private RemoteBackend pool(RemoteBackend.EndpointChooser nodes, Tier tier) {
        return new RemoteBackend(
                tier,
                "pool-model",
                "sk-pool-secret-123",
                false,
                nodes,
                WebClient.create(),
                json,
                new ResilienceProperties(
                        Duration.ofSeconds(10),
                        Duration.ofSeconds(10),
                        Duration.ofSeconds(2),
                        8,
                        50,
                        2,
                        2,
                        Duration.ofMinutes(1),
                        0,
                        Duration.ofSeconds(1),
                        Duration.ofMinutes(5)),
                breakers,
                BulkheadRegistry.ofDefaults(),
                bench);
    }

    private RemoteBackend pool(PaidApiMock... nodes) {
        return pool(new Nodes(List.of(nodes).stream().map(PaidApiMock::baseUrl).toList()), Tier.CLOUD);
    }

    private ChatCompletionRequest request() {
        return new ChatRequestParser(json, Map.of())
                .parse("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}".getBytes(StandardCharsets.UTF_8));
    }

    /** One call, answered by {@code by}. */
    private void answeredBy(RemoteBackend b, PaidApiMock by) {
        StepVerifier.create(b.call(request(), "req", retried::add))
                .assertNext(c -> assertThat(c.endpoint()).isEqualTo(by.baseUrl().toString()))
                .verifyComplete();
    }

    private double counted(String meter, PaidApiMock node) {
        var c = meters.find(meter).tag("endpoint", node.baseUrl().toString()).counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void aThrottledNodeIsReplacedBenchedForItsRetryAfterAndAskedAgainOnlyAfterwards() throws Exception {
        PaidApiMock throttled = node().always(Behavior.STATUS_429).retryAfter("5");
        PaidApiMock healthy = node();
        RemoteBackend b = pool(throttled, healthy);

        answeredBy(b, healthy);
        assertThat(throttled.received()).hasSize(1);
        assertThat(retried).singleElement().satisfies(f -> {
            assertThat(f.kind()).isEqualTo(AttemptFailure.Kind.THROTTLED);
            assertThat(f.endpoint()).isEqualTo(throttled.baseUrl().toString());
            assertThat(f.retryAfter()).isEqualTo(Duration.ofSeconds(5));
            assertThat(f.getMessage()).contains("HTTP 429").doesNotContain("sk-pool-secret-123");
        });

        // Benched: not asked, nothing to tell.
        advance(Duration.ofMillis(4_999));
        answeredBy(b, healthy);
        assertThat(throttled.received()).hasSize(1);
        assertThat(retried).hasSize(1);

        // Its five seconds are up: asked again, benched again.
        advance(Duration.ofMillis(1));
        answeredBy(b, healthy);
        assertThat(throttled.received()).hasSize(2);
        assertThat(retried).hasSize(2);
        assertThat(healthy.received()).hasSize(3);

        assertThat(counted("burstgate.upstream.retries", throttled)).isEqualTo(2);
        assertThat(counted("burstgate.upstream.benches", throttled)).isEqualTo(2);
        assertThat(counted("burstgate.upstream.retries", healthy)).isZero();
        CircuitBreaker breaker = breakers.circuitBreaker(RemoteBackend.breakerName(Tier.CLOUD, throttled.baseUrl()));
        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(breaker.getMetrics().getNumberOfFailedCalls()).isZero();
    }

    @Test
    void a429WithoutRetryAfterBenchesTheNodeForTheDefault() throws Exception {
        PaidApiMock throttled = node().always(Behavior.STATUS_429);
        PaidApiMock healthy = node();
        RemoteBackend b = pool(throttled, healthy);

        answeredBy(b, healthy);
        advance(Duration.ofMillis(999));
        answeredBy(b, healthy);
        assertThat(throttled.received()).hasSize(1);
        advance(Duration.ofMillis(1));
        answeredBy(b, healthy);
        assertThat(throttled.received()).hasSize(2);
    }

    @Test
    void whenEveryNodeIsThrottledTheTierIsThrottledUntilTheFirstIsBack() throws Exception {
        PaidApiMock later = node().always(Behavior.STATUS_429).retryAfter("30");
        PaidApiMock sooner = node().always(Behavior.STATUS_429).retryAfter("Tue, 01 Jan 2030 00:00:10 GMT");
        RemoteBackend b = pool(later, sooner);

        StepVerifier.create(b.call(request(), "req", retried::add))
                .expectErrorSatisfies(e -> {
                    AttemptFailure f = (AttemptFailure) e;
                    assertThat(f.kind()).isEqualTo(AttemptFailure.Kind.THROTTLED);
                    assertThat(f.status()).isEqualTo(429);
                    assertThat(f.retryAfter()).isEqualTo(Duration.ofSeconds(10));
                    assertThat(f.endpoint()).isEqualTo(sooner.baseUrl().toString());
                    assertThat(f.publicMessage()).isEqualTo("is rate limited (HTTP 429)");
                })
                .verify();
        assertThat(retried)
                .as("the first node's 429, followed by the second's try")
                .singleElement()
                .satisfies(
                        f -> assertThat(f.endpoint()).isEqualTo(later.baseUrl().toString()));

        // Both benched: no node is asked; the wait runs down.
        advance(Duration.ofSeconds(4));
        StepVerifier.create(b.call(request(), "req", retried::add))
                .expectErrorSatisfies(e -> {
                    AttemptFailure f = (AttemptFailure) e;
                    assertThat(f.kind()).isEqualTo(AttemptFailure.Kind.THROTTLED);
                    assertThat(f.endpoint()).isEqualTo("-");
                    assertThat(f.retryAfter()).isEqualTo(Duration.ofSeconds(6));
                    assertThat(f.getMessage()).contains("benched");
                    assertThat(f.publicMessage()).isEqualTo("is rate limited");
                })
                .verify();
        assertThat(later.received()).hasSize(1);
        assertThat(sooner.received()).hasSize(1);
        assertThat(retried).hasSize(1);

        // The second is back first.
        sooner.always(Behavior.ANSWER);
        advance(Duration.ofSeconds(6));
        answeredBy(b, sooner);
        assertThat(later.received()).hasSize(1);
    }

    @Test
    void a429IsNoFailureOfTheBreakerButA5xxStillIs() throws Exception {
        PaidApiMock api = node().always(Behavior.STATUS_429).retryAfter("1");
        RemoteBackend legacy = pool(new FixedEndpoint(api.baseUrl()), Tier.LEGACY);
        CircuitBreaker breaker = breakers.circuitBreaker(RemoteBackend.breakerName(Tier.LEGACY, api.baseUrl()));

        for (int i = 0; i < 4; i++) {
            StepVerifier.create(legacy.call(request(), "req"))
                    .expectErrorSatisfies(e -> {
                        assertThat(((AttemptFailure) e).kind()).isEqualTo(AttemptFailure.Kind.THROTTLED);
                        assertThat(((AttemptFailure) e).retryAfter()).isEqualTo(Duration.ofSeconds(1));
                    })
                    .verify();
            advance(Duration.ofSeconds(1));
        }
        assertThat(api.received()).hasSize(4);
        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(breaker.getMetrics().getNumberOfFailedCalls()).isZero();

        api.always(Behavior.STATUS_503).retryAfter("");
        for (int i = 0; i < 2; i++) {
            StepVerifier.create(legacy.call(request(), "req"))
                    .expectErrorSatisfies(
                            e -> assertThat(((AttemptFailure) e).status()).isEqualTo(503))
                    .verify();
        }
        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.OPEN);
    }

    @Test
    void a503WithRetryAfterBenchesTheNodeAndStillCountsForItsBreaker() throws Exception {
        PaidApiMock busy = node().always(Behavior.STATUS_503).retryAfter("3");
        PaidApiMock healthy = node();
        RemoteBackend b = pool(busy, healthy);

        answeredBy(b, healthy);
        answeredBy(b, healthy);
        assertThat(busy.received()).hasSize(1);
        assertThat(retried).singleElement().satisfies(f -> {
            assertThat(f.kind()).isEqualTo(AttemptFailure.Kind.UPSTREAM_ERROR);
            assertThat(f.retryAfter()).isEqualTo(Duration.ofSeconds(3));
        });
        assertThat(bench.isBenched(Tier.CLOUD, busy.baseUrl())).isTrue();
        assertThat(breakers.circuitBreaker(RemoteBackend.breakerName(Tier.CLOUD, busy.baseUrl()))
                        .getMetrics()
                        .getNumberOfFailedCalls())
                .isEqualTo(1);
        assertThat(meters.find("burstgate.upstream.retries")
                        .tag("reason", "http_503")
                        .counter()
                        .count())
                .isEqualTo(1);
    }

    @Test
    void a503WithoutRetryAfterBenchesNothing() throws Exception {
        PaidApiMock broken = node().always(Behavior.STATUS_503);
        PaidApiMock healthy = node();
        RemoteBackend b = pool(broken, healthy);

        answeredBy(b, healthy);
        answeredBy(b, healthy);
        assertThat(broken.received()).hasSize(2);
        assertThat(bench.benched(Tier.CLOUD)).isEmpty();
    }

    @Test
    void theClockOfTheBenchReadsAnHttpDate() {
        InstantSource fixed = InstantSource.fixed(Instant.parse("2030-01-01T00:00:00Z"));
        NodeBench b = new NodeBench(fixed, Duration.ofSeconds(1), Duration.ofMinutes(5), meters);
        assertThat(b.retryAfter("Tue, 01 Jan 2030 00:00:42 GMT")).isEqualTo(Duration.ofSeconds(42));
    }
}
