package dev.burstgate.gateway.tier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.burstgate.engine.EngineLease;
import dev.burstgate.engine.LocalEngine;
import dev.burstgate.engine.server.LocalEngineServer;
import dev.burstgate.gateway.demo.EngineSimulatedNodes;
import dev.burstgate.gateway.tenant.TenantRegistry;
import dev.burstgate.gateway.testsupport.GatewayIT;
import dev.burstgate.gateway.testsupport.PaidApiMock;
import dev.burstgate.gateway.testsupport.PaidApiMock.Behavior;
import dev.burstgate.gateway.testsupport.Sse;
import dev.burstgate.gateway.testsupport.TestGateway;
import dev.burstgate.policies.Tier;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.reactive.ReactiveLoadBalancer;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The three tiers with real parts: the local engine in process, a cloud pool of two local-engine servers (real
 * llama.cpp inference over real HTTP), and the legacy API as an HTTP mock that fails in every way a paid API does.
 */
// Configured tiers beside simulated stand-ins for the others (the local tiny model, local-engine nodes).
@GatewayIT(
        demo = true,
        localTier = true,
        properties = {
            "burstgate.tiers.legacy.api-key=sk-legacy",
            "burstgate.resilience.first-byte-timeout=5s",
            "burstgate.resilience.minimum-calls=2",
            "burstgate.resilience.sliding-window=4",
            "burstgate.resilience.open-wait=60s",
            "spring.cloud.loadbalancer.health-check.interval=3s"
        })
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TieredRoutingIT {

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry r) {
        r.add("burstgate.policies-dir", () -> policiesDir().toString());
    }

    static Path policiesDir() {
        try {
            return Path.of(TieredRoutingIT.class.getResource("/policies-it").toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Autowired
    JsonMapper json;

    @Autowired
    EngineSimulatedNodes simulated;

    @Autowired
    CircuitBreakerRegistry breakers;

    @Autowired
    CloudPool pool;

    @Autowired
    ReactiveLoadBalancer.Factory<ServiceInstance> loadBalancers;

    @Autowired
    LocalEngine engine;

    TestGateway gateway;
    PaidApiMock legacy;
    WebTestClient client;

    @BeforeEach
    void setUp(TestGateway gateway) {
        this.gateway = gateway;
        legacy = gateway.legacy();
        client = gateway.client(Duration.ofSeconds(60));
        breakers.getAllCircuitBreakers().forEach(CircuitBreaker::reset);
    }

    private WebTestClient.ResponseSpec chat(String model, boolean stream, String policy) {
        String body = "{\"model\":\"" + model + "\",\"max_tokens\":5,\"stream\":" + stream
                + (stream ? ",\"stream_options\":{\"include_usage\":true}" : "")
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"Tell me something\"}]}";
        return client.post()
                .uri("/v1/chat/completions")
                .header("Authorization", "Bearer " + TenantRegistry.DEMO_KEY)
                .header("X-Burstgate-Policy", policy)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body)
                .exchange();
    }

    private List<JsonNode> events(String body) {
        return Sse.events(json, body);
    }

    @Test
    @Order(1)
    void listsEveryTierAndSaysWhichAreSimulated() {
        JsonNode models = json.readTree(client.get()
                .uri("/v1/models")
                .header("Authorization", "Bearer " + TenantRegistry.DEMO_KEY)
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .returnResult()
                .getResponseBody());
        assertThat(models.path("data"))
                .extracting(m -> m.path("id").asString())
                .containsExactly("auto", "local", "cloud", "legacy");
        JsonNode cloud = models.path("data").get(2).path("burstgate");
        assertThat(cloud.path("simulated").asBoolean()).isTrue();
        assertThat(cloud.path("available").asBoolean()).isTrue();
        JsonNode legacyInfo = models.path("data").get(3).path("burstgate");
        assertThat(legacyInfo.path("simulated").asBoolean()).isFalse();
        assertThat(legacyInfo.path("configured").asBoolean()).isTrue();
    }

    @Test
    @Order(2)
    void answersOnTheCloudPoolWithRealInferenceAndTheCloudPrice() {
        JsonNode body = json.readTree(chat("cloud", false, "balanced")
                .expectStatus()
                .isOk()
                .expectHeader()
                .valueEquals("X-Burstgate-Tier", "cloud")
                .expectHeader()
                .valueEquals("X-Burstgate-Cost-Usd", "0.180000")
                .expectBody()
                .returnResult()
                .getResponseBody());
        assertThat(body.path("choices").get(0).path("message").path("content").isString())
                .isTrue();
        assertThat(body.path("usage").path("completion_tokens").asInt()).isBetween(0, 5);
        assertThat(body.path("usage").path("cost").decimalValue()).isEqualByComparingTo("0.18");
    }

    @Test
    @Order(3)
    void streamsFromTheCloudPoolWithUsageFromUpstream() {
        String body = chat("cloud", true, "balanced")
                .expectStatus()
                .isOk()
                .expectHeader()
                .valueEquals("X-Burstgate-Tier", "cloud")
                .expectBody(String.class)
                .returnResult()
                .getResponseBody();
        List<JsonNode> events = events(body);
        assertThat(body).endsWith("data: [DONE]\n\n");
        JsonNode usage = events.get(events.size() - 1).path("usage");
        assertThat(usage.path("completion_tokens").asInt()).isBetween(0, 5);
        assertThat(usage.path("prompt_tokens").asInt()).isPositive();
        assertThat(usage.path("cost").decimalValue()).isEqualByComparingTo("0.18");
    }

    @Test
    @Order(4)
    void fallsBackFromALegacyErrorToTheNextTier() {
        legacy.then(Behavior.STATUS_500);
        chat("auto", false, "legacy-first")
                .expectStatus()
                .isOk()
                .expectHeader()
                .valueEquals("X-Burstgate-Tier", "cloud")
                .expectHeader()
                .value("X-Burstgate-Reason", r -> assertThat(r).contains("legacy answered an error (HTTP 500)"));
    }

    @Test
    @Order(5)
    void fallsBackWhenTheLegacyApiNeverAnswers() {
        legacy.then(Behavior.HANG);
        chat("auto", false, "legacy-first")
                .expectStatus()
                .isOk()
                .expectHeader()
                .valueEquals("X-Burstgate-Tier", "cloud")
                .expectHeader()
                .value("X-Burstgate-Reason", r -> assertThat(r).contains("timed out"));
    }

    @Test
    @Order(6)
    void fallsBackWhenTheLegacyApiResetsTheConnection() {
        legacy.then(Behavior.RESET, Behavior.RESET, Behavior.RESET);
        chat("auto", true, "legacy-first")
                .expectStatus()
                .isOk()
                .expectHeader()
                .valueEquals("X-Burstgate-Tier", "cloud");
    }

    @Test
    @Order(7)
    void endsAStreamCutAfterItsFirstChunkWithAnErrorEventAndNoDone() {
        legacy.answering("one two three four", 12, 4).then(Behavior.CUT_AFTER_FIRST_CHUNK);
        String body = chat("auto", true, "legacy-first")
                .expectStatus()
                .isOk()
                .expectHeader()
                .valueEquals("X-Burstgate-Tier", "legacy")
                .expectBody(String.class)
                .returnResult()
                .getResponseBody();
        assertThat(body).contains("\"content\":\"one \"").doesNotContain("[DONE]");
        List<JsonNode> events = events(body);
        JsonNode error = events.get(events.size() - 1).path("error");
        assertThat(error.path("code").asString()).isEqualTo("stream_cut");
    }

    @Test
    @Order(8)
    void answersAnIdenticalDeterministicRequestFromTheCacheForFree() {
        String body =
                "{\"model\":\"local\",\"max_tokens\":4,\"temperature\":0,\"messages\":[{\"role\":\"user\",\"content\":\"cache me\"}]}";
        byte[] first = client.post()
                .uri("/v1/chat/completions")
                .header("Authorization", "Bearer " + TenantRegistry.DEMO_KEY)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body)
                .exchange()
                .expectStatus()
                .isOk()
                .expectHeader()
                .doesNotExist("X-Burstgate-Cache")
                .expectBody()
                .returnResult()
                .getResponseBody();
        byte[] second = client.post()
                .uri("/v1/chat/completions")
                .header("Authorization", "Bearer " + TenantRegistry.DEMO_KEY)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body)
                .exchange()
                .expectStatus()
                .isOk()
                .expectHeader()
                .valueEquals("X-Burstgate-Cache", "hit")
                .expectHeader()
                .valueEquals("X-Burstgate-Cost-Usd", "0.000000")
                .expectBody()
                .returnResult()
                .getResponseBody();
        JsonNode a = json.readTree(first);
        JsonNode b = json.readTree(second);
        assertThat(b.path("choices")).isEqualTo(a.path("choices"));
        assertThat(b.path("usage").path("cost").decimalValue()).isEqualByComparingTo("0");
    }

    @Test
    @Order(9)
    void keepsAnsweringWhenOneCloudNodeStopsMidTest() throws Exception {
        List<LocalEngineServer> nodes = simulated.cloudServers();
        assertThat(nodes).hasSize(2);
        for (int i = 0; i < 4; i++) {
            chat("cloud", false, "balanced")
                    .expectStatus()
                    .isOk()
                    .expectHeader()
                    .valueEquals("X-Burstgate-Tier", "cloud");
        }
        LocalEngineServer stopped = nodes.get(0);
        URI stoppedUri = stopped.baseUri();
        stopped.close();
        CircuitBreaker breaker = breakers.circuitBreaker(RemoteBackend.breakerName(Tier.CLOUD, stoppedUri));
        // Until the next health check (every 3 s here) the dead node may still be chosen: its breaker sees the connect
        // failures and opens, and each such request is retried on the live node.
        for (int i = 0; i < 6; i++) {
            chat("cloud", i % 2 == 0, "balanced")
                    .expectStatus()
                    .isOk()
                    .expectHeader()
                    .valueEquals("X-Burstgate-Tier", "cloud");
        }
        // Usually the breaker saw the connect failures and opened; if a health check ran in between, the node was
        // dropped
        // before it was chosen again. Either way no client saw an error (asserted above).
        int failed = breaker.getMetrics().getNumberOfFailedCalls();
        assertThat(breaker.getState() == CircuitBreaker.State.OPEN || failed < 2)
                .as("breaker of the stopped node: %s with %d failed calls", breaker.getState(), failed)
                .isTrue();
        // After a health check (every 3 s here) the load balancer no longer offers the node at all.
        ServiceInstanceListSupplier healthChecked =
                loadBalancers.getInstance(CloudPool.SERVICE_ID, ServiceInstanceListSupplier.class);
        await("a health check to drop " + stoppedUri)
                .atMost(Duration.ofSeconds(15))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> healthChecked.get().next().block(Duration.ofSeconds(5)).stream()
                        .noneMatch(node ->
                                stoppedUri.equals(URI.create(node.getMetadata().get("base")))));
        for (int i = 0; i < 10; i++) {
            URI chosen = pool.choose(java.util.Set.of()).block(Duration.ofSeconds(5));
            assertThat(chosen).isNotEqualTo(stoppedUri);
        }
        for (int i = 0; i < 6; i++) {
            chat("cloud", i % 2 == 0, "balanced")
                    .expectStatus()
                    .isOk()
                    .expectHeader()
                    .valueEquals("X-Burstgate-Tier", "cloud");
        }
        assertThat(legacy.received())
                .as("no request needed the legacy fallback")
                .isEmpty();
    }

    @Test
    @Order(10)
    void burstsToTheCloudWhenTheLocalSlotsAndQueueAreTaken() {
        List<EngineLease> taken = new ArrayList<>();
        try {
            for (var lease = engine.tryAdmit(); lease.isPresent(); lease = engine.tryAdmit()) {
                taken.add(lease.get());
            }
            assertThat(taken)
                    .as("every slot and queue place")
                    .hasSize(engine.config().parallel() + engine.config().maxQueue());
            client.post()
                    .uri("/v1/chat/completions")
                    .header("Authorization", "Bearer " + TenantRegistry.DEMO_KEY)
                    .header("X-Burstgate-Policy", "balanced")
                    .contentType(MediaType.APPLICATION_JSON)
                    .bodyValue("{\"max_tokens\":4,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
                    .exchange()
                    .expectStatus()
                    .isOk()
                    .expectHeader()
                    .valueEquals("X-Burstgate-Tier", "cloud")
                    // Routing bursts on the engine's load signals, or the refused admission falls back before the first
                    // byte.
                    .expectHeader()
                    .value(
                            "X-Burstgate-Reason",
                            r -> assertThat(r)
                                    .satisfiesAnyOf(
                                            x -> assertThat(x)
                                                    .startsWith("burst: local")
                                                    .endsWith("-> cloud"),
                                            x -> assertThat(x).contains("fallback to cloud (local is busy")));
        } finally {
            taken.forEach(EngineLease::close);
        }
    }

    @Test
    @Order(11)
    void exposesRequestAndCostMetricsForPrometheus() {
        String metrics = gateway.management()
                .get()
                .uri("/actuator/prometheus")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody(String.class)
                .returnResult()
                .getResponseBody();
        assertThat(metrics)
                .contains("burstgate_requests_total{")
                .contains("tier=\"cloud\"")
                .contains("burstgate_cost_usd_total")
                .contains("burstgate_savings_usd_total")
                .contains("burstgate_local_slots_capacity")
                .contains("resilience4j_circuitbreaker_state");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"one message of 10,000 characters", "5,000 messages"})
    @Order(12)
    void aPromptLongerThanEveryTiersContextIsA400ContextLengthExceededThatCostsNothing(String shape) {
        StringBuilder messages = new StringBuilder();
        if (shape.startsWith("one")) {
            messages.append("{\"role\":\"user\",\"content\":\"")
                    .append("lorem ipsum dolor ".repeat(560))
                    .append("\"}");
        } else {
            for (int i = 0; i < 5000; i++) {
                messages.append(i == 0 ? "" : ",")
                        .append("{\"role\":\"user\",\"content\":\"hi ")
                        .append(i)
                        .append("\"}");
            }
        }
        // The local engine and the simulated cloud nodes hold 1,024 tokens per slot; the paid API refuses it too.
        legacy.always(PaidApiMock.Behavior.CONTEXT_EXCEEDED_400);
        byte[] body = client.post()
                .uri("/v1/chat/completions")
                .header("Authorization", "Bearer " + TenantRegistry.DEMO_KEY)
                .header("X-Burstgate-Policy", "balanced")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"max_tokens\":4,\"messages\":[" + messages + "]}")
                .exchange()
                .expectStatus()
                .isEqualTo(400)
                .expectHeader()
                .doesNotExist("X-Burstgate-Tier")
                .expectBody()
                .returnResult()
                .getResponseBody();
        JsonNode error = json.readTree(body).path("error");
        assertThat(error.path("code").asString()).isEqualTo("context_length_exceeded");
        assertThat(error.path("param").asString()).isEqualTo("messages");
        assertThat(error.path("message").asString()).doesNotContain("http", "127.0.0.1");
    }
}
