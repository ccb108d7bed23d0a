package dev.burstgate.gateway.tier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.burstgate.engine.EngineConfig;
import dev.burstgate.engine.server.LocalEngineServer;
import dev.burstgate.engine.server.ServerOptions;
import dev.burstgate.gateway.testsupport.GatewayIT;
import dev.burstgate.gateway.testsupport.GatewayIT.Tenant;
import dev.burstgate.gateway.testsupport.PaidApiMock;
import dev.burstgate.gateway.testsupport.PaidApiMock.Behavior;
import dev.burstgate.gateway.testsupport.TestGateway;
import dev.burstgate.gateway.testsupport.TestModels;
import dev.burstgate.policies.Tier;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
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
import tools.jackson.databind.json.JsonMapper;

/**
 * A cloud pool of two nodes: one answers every request with HTTP 429 and {@code Retry-After: 2} (a hosted node over
 * its rate limit: an HTTP mock), the other is a real local-engine server. Every request forced to {@code cloud} is
 * answered by the engine node at the cloud's price; the throttled node is benched for what it asked instead of being
 * asked again at once, its breaker counts no failure, the legacy tier is never called, and the client hears nothing of
 * it. The ledger keeps each node attempt, the failed ones at no cost.
 */
@GatewayIT(
        // a hundred requests as fast as the pool answers them: above the default 50 a second
        tenants =
                @Tenant(name = "acme", key = PoolThrottledNodeIT.KEY, policy = "balanced", requestsPerSecond = 10_000),
        properties = {
            "burstgate.cache.enabled=false",
            // A breaker that would open after two failures, were a 429 one.
            "burstgate.resilience.minimum-calls=2",
            "burstgate.resilience.sliding-window=4"
        })
class PoolThrottledNodeIT {

    static final String KEY = "sk-test-pool-throttle";
    static final int REQUESTS = 100;
    static final int RETRY_AFTER_SECONDS = 2;
    static final TestModels MODELS = TestModels.create("burstgate-pool-throttle");
    static final PaidApiMock THROTTLED;
    static final LocalEngineServer ENGINE;

    static {
        try {
            THROTTLED = new PaidApiMock();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ENGINE = LocalEngineServer.start(
                EngineConfig.builder()
                        .modelPath(MODELS.tinyModel())
                        .parallel(1)
                        .threads(1)
                        .contextSize(2048)
                        .maxQueue(8)
                        .build(),
                ServerOptions.loopback(0).withModelId("engine-node"));
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry r) {
        r.add("burstgate.tiers.cloud.endpoints", () -> THROTTLED.baseUrl() + "," + ENGINE.baseUri());
    }

    @AfterAll
    static void stop() throws IOException {
        ENGINE.close();
        THROTTLED.close();
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
                        nodes -> nodes.containsAll(List.of(THROTTLED.baseUrl(), ENGINE.baseUri())));
    }

    @Test
    void aNodeThatAnswers429ToEverythingLeavesEveryForcedRequestToTheOtherNodeAtTheCloudPrice(TestGateway gateway) {
        THROTTLED.always(Behavior.STATUS_429).retryAfter(Integer.toString(RETRY_AFTER_SECONDS));
        awaitBothNodesHealthy();
        WebTestClient client = gateway.client(Duration.ofSeconds(60));

        List<String> ids = new ArrayList<>();
        long start = System.nanoTime();
        for (int i = 0; i < REQUESTS; i++) {
            EntityExchangeResult<byte[]> result = client.post()
                    .uri("/v1/chat/completions")
                    .header("Authorization", "Bearer " + KEY)
                    .contentType(MediaType.APPLICATION_JSON)
                    .bodyValue("{\"model\":\"cloud\",\"max_tokens\":3,"
                            + "\"messages\":[{\"role\":\"user\",\"content\":\"Say something.\"}]}")
                    .exchange()
                    .expectBody()
                    .returnResult();
            String body = new String(result.getResponseBody(), StandardCharsets.UTF_8);
            assertThat(result.getStatus().value()).as("request %d: %s", i, body).isEqualTo(200);
            assertThat(result.getResponseHeaders().getFirst("X-Burstgate-Tier")).isEqualTo("cloud");
            assertThat(result.getResponseHeaders().getFirst("X-Burstgate-Cost-Usd"))
                    .isEqualTo("0.180000");
            assertThat(result.getResponseHeaders().getFirst("X-Burstgate-Reason"))
                    .as("a retry inside the pool is no fallback")
                    .doesNotContain("fallback", "rate limited", "429");
            assertThat(json.readTree(body)
                            .path("choices")
                            .path(0)
                            .path("message")
                            .path("content")
                            .isString())
                    .isTrue();
            assertThat(body)
                    .doesNotContain(
                            PaidApiMock.ECHO_HOST, ":" + THROTTLED.baseUrl().getPort());
            ids.add(result.getResponseHeaders().getFirst("X-Burstgate-Request-Id"));
        }
        double elapsedSeconds = (System.nanoTime() - start) / 1e9;

        assertThat(gateway.legacy().received())
                .as("no fallback to the pricier tier")
                .isEmpty();
        assertThat(engineCompletedRequests())
                .as("the engine node answered them all")
                .isEqualTo(REQUESTS);
        // Benched for its Retry-After after each 429: asked at most once every two seconds.
        int asked = THROTTLED.received().size();
        assertThat(asked)
                .as("429s in %.1f s", elapsedSeconds)
                .isBetween(1, (int) (elapsedSeconds / RETRY_AFTER_SECONDS) + 1);

        CircuitBreaker breaker = breakers.circuitBreaker(RemoteBackend.breakerName(Tier.CLOUD, THROTTLED.baseUrl()));
        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(breaker.getMetrics().getNumberOfFailedCalls())
                .as("a 429 is no breaker failure")
                .isZero();

        assertTheLedgerHasEveryNodeAttemptAndOnlyTheAnswersCost(ids, asked);
        assertTheMetersCountEachRetryAndBench(gateway, asked);
    }

    long engineCompletedRequests() {
        byte[] health = WebTestClient.bindToServer()
                .baseUrl(ENGINE.baseUri().toString())
                .build()
                .get()
                .uri("/health")
                .exchange()
                .expectBody()
                .returnResult()
                .getResponseBody();
        return json.readTree(health).path("completed_requests").asLong();
    }

    void assertTheLedgerHasEveryNodeAttemptAndOnlyTheAnswersCost(List<String> ids, int asked) {
        JdbcTemplate jdbc = new JdbcTemplate(dataSource);
        String in = String.join(",", ids.stream().map(id -> "'" + id + "'").toList());
        // The ledger writes in batches, every 100 ms at the most.
        await("the ledger rows of the requests")
                .atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(100))
                .until(
                        () -> jdbc.queryForObject(
                                "SELECT COUNT(*) FROM ledger_request WHERE id IN (" + in + ")", Integer.class),
                        n -> n == REQUESTS);
        Map<String, Object> requests = jdbc.queryForMap("SELECT SUM(cost_usd) AS cost, "
                + "SUM(CASE WHEN outcome = 'ok' AND final_tier = 'cloud' THEN 1 ELSE 0 END) AS ok "
                + "FROM ledger_request WHERE id IN (" + in + ")");
        assertThat((BigDecimal) requests.get("cost")).isEqualByComparingTo("18.00");
        assertThat(((Number) requests.get("ok")).intValue()).isEqualTo(REQUESTS);

        List<Map<String, Object>> failed = jdbc.queryForList("SELECT endpoint, cost_usd, error FROM ledger_attempt "
                + "WHERE request_id IN (" + in + ") AND outcome <> 'ok'");
        assertThat(failed).as("one attempt row for each 429").hasSize(asked).allSatisfy(row -> {
            assertThat(row.get("endpoint")).isEqualTo(THROTTLED.baseUrl().toString());
            assertThat((BigDecimal) row.get("cost_usd")).isZero();
            assertThat((String) row.get("error")).contains("HTTP 429");
        });
        Map<String, Object> answered = jdbc.queryForMap(
                "SELECT COUNT(*) AS n, SUM(cost_usd) AS cost FROM ledger_attempt " + "WHERE request_id IN (" + in
                        + ") AND outcome = 'ok' AND endpoint = '" + ENGINE.baseUri() + "'");
        assertThat(((Number) answered.get("n")).intValue()).isEqualTo(REQUESTS);
        assertThat((BigDecimal) answered.get("cost")).isEqualByComparingTo("18.00");
    }

    void assertTheMetersCountEachRetryAndBench(TestGateway gateway, int asked) {
        String metrics = new String(
                gateway.management()
                        .get()
                        .uri("/actuator/prometheus")
                        .exchange()
                        .expectStatus()
                        .isOk()
                        .expectBody()
                        .returnResult()
                        .getResponseBody(),
                StandardCharsets.UTF_8);
        String endpoint = "endpoint=\"" + THROTTLED.baseUrl() + "\"";
        assertThat(meter(metrics, "burstgate_upstream_retries_total{", endpoint, "reason=\"throttled\""))
                .isEqualTo(asked);
        assertThat(meter(metrics, "burstgate_upstream_benches_total{", endpoint, "tier=\"cloud\""))
                .isEqualTo(asked);
        assertThat(meter(metrics, "burstgate_upstream_retries_total{", "endpoint=\"" + ENGINE.baseUri() + "\""))
                .as("the engine node caused no retry")
                .isZero();
    }

    /** The value of the Prometheus series named {@code name} whose labels include all of {@code labels}; 0 if none. */
    static double meter(String metrics, String name, String... labels) {
        return metrics.lines()
                .filter(l -> l.startsWith(name))
                .filter(l -> List.of(labels).stream().allMatch(l::contains))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .sum();
    }
}
