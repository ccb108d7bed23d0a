package dev.burstgate.gateway.tier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.burstgate.gateway.testsupport.GatewayIT;
import dev.burstgate.gateway.testsupport.GatewayIT.Tenant;
import dev.burstgate.gateway.testsupport.PaidApiMock;
import dev.burstgate.gateway.testsupport.PaidApiMock.Behavior;
import dev.burstgate.gateway.testsupport.TestGateway;
import dev.burstgate.policies.Tier;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.reactive.ReactiveLoadBalancer;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A cloud pool of two nodes that both answer HTTP 429 (hosted nodes over their rate limit: HTTP mocks), one asking for
 * two seconds, the other naming an HTTP date half a minute ahead. A request forced to {@code cloud} is answered 429
 * with the {@code Retry-After} of the node that comes back first, never 502, and says nothing of the nodes; {@code
 * auto} falls back to legacy and says why; once the first node's time is up, it is asked again.
 */
@GatewayIT(
        tenants = @Tenant(name = "acme", key = PoolThrottledIT.KEY, policy = "balanced"),
        properties = {
            "burstgate.cache.enabled=false",
            "burstgate.tiers.cloud.api-key=" + PoolThrottledIT.CLOUD_SECRET,
            // A breaker that would open after two failures, were a 429 one.
            "burstgate.resilience.minimum-calls=2",
            "burstgate.resilience.sliding-window=4"
        })
class PoolThrottledIT {

    static final String KEY = "sk-test-pool-throttled";
    static final String CLOUD_SECRET = "sk-cloud-secret-91ab3c";
    static final PaidApiMock SOON;
    static final PaidApiMock LATER;

    static {
        try {
            SOON = new PaidApiMock();
            LATER = new PaidApiMock();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry r) {
        r.add("burstgate.tiers.cloud.endpoints", () -> SOON.baseUrl() + "," + LATER.baseUrl());
    }

    @AfterAll
    static void stop() throws IOException {
        SOON.close();
        LATER.close();
    }

    @Autowired
    JsonMapper json;

    @Autowired
    DataSource dataSource;

    @Autowired
    CircuitBreakerRegistry breakers;

    @Autowired
    ReactiveLoadBalancer.Factory<ServiceInstance> loadBalancers;

    /** Until the pool's first health checks have passed, the load balancer offers only the nodes checked so far. */
    void awaitBothNodesHealthy() {
        ServiceInstanceListSupplier healthChecked =
                loadBalancers.getInstance(CloudPool.SERVICE_ID, ServiceInstanceListSupplier.class);
        await("both nodes healthy")
                .atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(100))
                .until(
                        () -> healthChecked.get().next().block(Duration.ofSeconds(5)).stream()
                                .map(node -> URI.create(node.getMetadata().get("base")))
                                .toList(),
                        nodes -> nodes.containsAll(List.of(SOON.baseUrl(), LATER.baseUrl())));
    }

    WebTestClient client;
    PaidApiMock legacy;

    @BeforeEach
    void setUp(TestGateway gateway) {
        client = gateway.client(Duration.ofSeconds(30));
        legacy = gateway.legacy();
        SOON.reset();
        LATER.reset();
    }

    EntityExchangeResult<byte[]> chat(String model, boolean stream) {
        return client.post()
                .uri("/v1/chat/completions")
                .header("Authorization", "Bearer " + KEY)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"model\":\"" + model + "\",\"stream\":" + stream
                        + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
                .exchange()
                .expectBody()
                .returnResult();
    }

    /** Headers and body, as the client sees them. */
    static String clientView(EntityExchangeResult<byte[]> result) {
        StringBuilder b = new StringBuilder();
        result.getResponseHeaders()
                .forEach((name, values) ->
                        b.append(name).append(": ").append(values).append('\n'));
        b.append(new String(
                result.getResponseBody() == null ? new byte[0] : result.getResponseBody(), StandardCharsets.UTF_8));
        return b.toString();
    }

    static void assertNothingOfTheNodes(EntityExchangeResult<byte[]> result) {
        assertThat(clientView(result))
                .doesNotContain(
                        CLOUD_SECRET,
                        PaidApiMock.ECHO_HOST,
                        "Rate limit reached",
                        "127.0.0.1",
                        "localhost",
                        ":" + SOON.baseUrl().getPort(),
                        ":" + LATER.baseUrl().getPort(),
                        "http://",
                        "Exception");
    }

    static int retryAfter(EntityExchangeResult<byte[]> result) {
        String value = result.getResponseHeaders().getFirst("Retry-After");
        assertThat(value).as("Retry-After").isNotNull().matches("[0-9]+");
        return Integer.parseInt(value);
    }

    @Test
    void everyNodeThrottledAnswersAForcedTier429WithTheSoonestRetryAfterAndAutoFallsBackToLegacy() {
        SOON.always(Behavior.STATUS_429).retryAfter("2");
        LATER.always(Behavior.STATUS_429)
                .retryAfter(DateTimeFormatter.RFC_1123_DATE_TIME.format(
                        ZonedDateTime.now(ZoneOffset.UTC).plusSeconds(30)));
        awaitBothNodesHealthy();

        // Forced to cloud: both nodes asked once, then 429 with the first node's time, never 502.
        EntityExchangeResult<byte[]> forced = chat("cloud", false);
        assertThat(forced.getStatus().value()).as(clientView(forced)).isEqualTo(429);
        assertThat(retryAfter(forced)).isBetween(1, 2);
        JsonNode error = json.readTree(forced.getResponseBody()).path("error");
        assertThat(error.path("type").asString()).isEqualTo("rate_limit_error");
        assertThat(error.path("code").asString()).isEqualTo("upstream_rate_limited");
        assertThat(error.path("message").asString()).contains("cloud is rate limited", "retry after");
        assertThat(forced.getResponseHeaders().getFirst("X-Burstgate-Tier")).isNull();
        assertNothingOfTheNodes(forced);
        assertThat(SOON.received()).hasSize(1);
        assertThat(LATER.received()).hasSize(1);
        assertThat(legacy.received()).as("a forced tier falls back nowhere").isEmpty();

        // Both benched: the next ones are answered at once, without asking the nodes again; a stream alike.
        EntityExchangeResult<byte[]> again = chat("cloud", false);
        assertThat(again.getStatus().value()).isEqualTo(429);
        assertThat(retryAfter(again)).isBetween(1, 2);
        assertNothingOfTheNodes(again);
        EntityExchangeResult<byte[]> streamed = chat("cloud", true);
        assertThat(streamed.getStatus().value()).isEqualTo(429);
        assertThat(retryAfter(streamed)).isBetween(1, 2);
        assertThat(streamed.getResponseHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_JSON);
        assertNothingOfTheNodes(streamed);

        // auto: the policy's fallback takes legacy, and the reason says why.
        EntityExchangeResult<byte[]> auto = chat("auto", false);
        assertThat(auto.getStatus().value()).as(clientView(auto)).isEqualTo(200);
        assertThat(auto.getResponseHeaders().getFirst("X-Burstgate-Tier")).isEqualTo("legacy");
        assertThat(auto.getResponseHeaders().getFirst("X-Burstgate-Reason"))
                .contains("fallback to legacy", "cloud is rate limited");
        assertNothingOfTheNodes(auto);
        assertThat(legacy.received()).hasSize(1);

        // Neither node's breaker counted a failure.
        for (PaidApiMock node : List.of(SOON, LATER)) {
            CircuitBreaker breaker = breakers.circuitBreaker(RemoteBackend.breakerName(Tier.CLOUD, node.baseUrl()));
            assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
            assertThat(breaker.getMetrics().getNumberOfFailedCalls()).isZero();
        }

        assertTheLedgerKeepsTheNodeAttemptsAtNoCost(forced, again);

        // Once its two seconds are up, the first node is asked again, and answers.
        SOON.always(Behavior.ANSWER);
        EntityExchangeResult<byte[]> back = await("the first node back")
                .atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> chat("cloud", false), r -> r.getStatus().value() != 429);
        assertThat(back.getStatus().value()).as(clientView(back)).isEqualTo(200);
        assertThat(back.getResponseHeaders().getFirst("X-Burstgate-Tier")).isEqualTo("cloud");
        assertThat(LATER.received()).as("the other node is still benched").hasSize(1);
    }

    void assertTheLedgerKeepsTheNodeAttemptsAtNoCost(
            EntityExchangeResult<byte[]> forced, EntityExchangeResult<byte[]> again) {
        JdbcTemplate jdbc = new JdbcTemplate(dataSource);
        String first = forced.getResponseHeaders().getFirst("X-Burstgate-Request-Id");
        String second = again.getResponseHeaders().getFirst("X-Burstgate-Request-Id");
        // The ledger writes in batches, every 100 ms at the most.
        List<Map<String, Object>> attempts = await("the attempts of " + first)
                .atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(50))
                .until(
                        () -> jdbc.queryForList(
                                "SELECT endpoint, outcome, cost_usd, error FROM ledger_attempt WHERE request_id = ?"
                                        + " ORDER BY seq",
                                first),
                        rows -> !rows.isEmpty());
        assertThat(attempts)
                .extracting(a -> a.get("endpoint"))
                .containsExactlyInAnyOrder(
                        SOON.baseUrl().toString(), LATER.baseUrl().toString());
        assertThat(attempts).allSatisfy(a -> {
            assertThat((BigDecimal) a.get("cost_usd")).isZero();
            assertThat((String) a.get("error")).contains("HTTP 429").doesNotContain(CLOUD_SECRET);
        });
        assertThat(jdbc.queryForObject("SELECT outcome FROM ledger_request WHERE id = ?", String.class, first))
                .isEqualTo("error");
        // The next one asked no node: one attempt row, not sent anywhere.
        List<Map<String, Object>> none = await("the attempts of " + second)
                .atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(50))
                .until(
                        () -> jdbc.queryForList(
                                "SELECT endpoint, cost_usd, error FROM ledger_attempt WHERE request_id = ?", second),
                        rows -> !rows.isEmpty());
        assertThat(none).singleElement().satisfies(a -> {
            assertThat(a.get("endpoint")).isEqualTo("-");
            assertThat((BigDecimal) a.get("cost_usd")).isZero();
            assertThat((String) a.get("error")).contains("benched");
        });
    }
}
