package dev.burstgate.gateway.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.burstgate.engine.ChatRequest;
import dev.burstgate.engine.ChatResult;
import dev.burstgate.engine.FinishReason;
import dev.burstgate.engine.LocalEngine;
import dev.burstgate.engine.ResponseFormat;
import dev.burstgate.gateway.tenant.TenantRegistry;
import dev.burstgate.gateway.testsupport.CascadeFixture;
import dev.burstgate.gateway.testsupport.CostRecords;
import dev.burstgate.gateway.testsupport.GatewayIT;
import dev.burstgate.gateway.testsupport.PaidApiMock;
import dev.burstgate.gateway.testsupport.Sse;
import dev.burstgate.gateway.testsupport.TestGateway;
import dev.burstgate.gateway.usage.AttemptRecord;
import dev.burstgate.gateway.usage.CostRecord;
import dev.burstgate.gateway.usage.Outcome;
import dev.burstgate.gateway.usage.RecentRecords;
import dev.burstgate.policies.Tier;
import dev.burstgate.policies.policy.PolicyRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The answer-aware cascade with the real engine in process on the generated tiny model and the cloud pool as an HTTP
 * mock. The bundled llama.cpp binding cannot report token probabilities (its {@code n_probs} aborts the process), so
 * the engine measures no confidence and the cascade judges local answers by their shape: for several prompts, token
 * limits and formats, the engine is first asked directly for the same answer, and the gateway escalates exactly when
 * that answer was cut by {@code max_tokens} (the cloud mock answers, both attempts are billed and in the ledger, the
 * local one {@code escalated}, and the reason says why) and keeps the local answer, with one attempt, otherwise. The
 * confidence threshold itself is covered by {@code DispatcherCascadeTest} with a stand-in local tier, and with a real
 * engine's confidence in runner mode by {@code RunnerCascadeIT}.
 */
@GatewayIT(
        localTier = true,
        cloudMock = true,
        adminKey = CascadeIT.ADMIN,
        properties = {
            "burstgate.tiers.local.parallel=1",
            "burstgate.tiers.local.context=4096",
            "burstgate.cache.enabled=false"
        })
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CascadeIT {

    static final String ADMIN = "sk-cascade-admin";
    static final String POLICY = "cascade-it";

    static final Path POLICIES;

    static {
        try {
            POLICIES = Files.createTempDirectory("burstgate-cascade-it-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry r) {
        r.add("burstgate.policies-dir", POLICIES::toString);
    }

    @Autowired
    JsonMapper json;

    @Autowired
    LocalEngine engine;

    @Autowired
    PolicyRegistry policies;

    @Autowired
    RecentRecords records;

    @Autowired
    MeterRegistry meters;

    PaidApiMock cloud;
    WebTestClient client;

    @BeforeEach
    void setUp(TestGateway gateway) {
        cloud = gateway.cloud();
        cloud.answering("Cloud answer.", 17, 5);
        client = gateway.client(Duration.ofSeconds(60));
    }

    static Stream<Arguments> prompts() {
        return Stream.of(
                Arguments.of("Say hello", 2, true, 1L),
                Arguments.of("Name a colour", 48, true, 2L),
                Arguments.of("Count to five", 12, false, 3L),
                Arguments.of("Tell me about rivers", 40, false, 4L),
                Arguments.of("What is the weather like?", 3, false, 5L));
    }

    @Order(1)
    @ParameterizedTest(name = "{0} (max_tokens {1}, JSON {2}, seed {3})")
    @MethodSource("prompts")
    void escalatesExactlyWhenTheLocalAnswerMissesItsShape(String prompt, int maxTokens, boolean json, long seed) {
        ChatResult direct = direct(prompt, maxTokens, json, seed);
        boolean cut = direct.finishReason() == FinishReason.LENGTH;
        usePolicy(0.0);
        EntityExchangeResult<byte[]> result = chat(prompt, maxTokens, json, seed);
        CostRecord record = CostRecords.await(records, requestId(result));
        JsonNode body = this.json.readTree(result.getResponseBody());
        String reason = result.getResponseHeaders().getFirst("X-Burstgate-Reason");
        if (cut) {
            assertThat(result.getResponseHeaders().getFirst("X-Burstgate-Tier")).isEqualTo("cloud");
            assertThat(reason).endsWith("; local answer cut at max_tokens -> cloud");
            assertThat(body.path("choices")
                            .get(0)
                            .path("message")
                            .path("content")
                            .asString())
                    .isEqualTo("Cloud answer.");
            // Both attempts are billed: the local price and the cloud price.
            assertThat(body.path("usage").path("cost").decimalValue()).isEqualByComparingTo("0.20");
            assertThat(result.getResponseHeaders().getFirst("X-Burstgate-Cost-Usd"))
                    .isEqualTo("0.200000");
            assertThat(record.attempts()).extracting(AttemptRecord::tier).containsExactly(Tier.LOCAL, Tier.CLOUD);
            AttemptRecord local = record.attempts().get(0);
            assertThat(local.outcome()).isEqualTo(Outcome.ESCALATED);
            assertThat(local.judged()).isTrue();
            assertThat(local.cost().amount()).isEqualByComparingTo("0.02");
            assertThat(local.usage().completionTokens())
                    .isEqualTo(direct.usage().completionTokens());
            assertThat(local.confidence()).isNull();
            assertThat(local.latency()).isNotNull();
            assertThat(local.error()).isEqualTo("local answer cut at max_tokens");

            // The ledger has both attempt rows, the escalated one judged, billed and timed.
            JsonNode attempts = ledgerRow(requestId(result)).path("attempts");
            assertThat(attempts.size()).isEqualTo(2);
            assertThat(attempts.get(0).path("outcome").asString()).isEqualTo("escalated");
            assertThat(attempts.get(0).path("judged").asBoolean()).isTrue();
            assertThat(attempts.get(0).path("cost_usd").decimalValue()).isEqualByComparingTo("0.02");
            assertThat(attempts.get(0).path("confidence").isNull()).isTrue();
            assertThat(attempts.get(0).path("latency_ms").isNumber()).isTrue();
            assertThat(attempts.get(1).path("tier").asString()).isEqualTo("cloud");
        } else {
            assertThat(result.getResponseHeaders().getFirst("X-Burstgate-Tier")).isEqualTo("local");
            assertThat(reason).doesNotContain("local answer");
            assertThat(body.path("choices")
                            .get(0)
                            .path("message")
                            .path("content")
                            .asString())
                    .isEqualTo(direct.content());
            assertThat(body.path("usage").path("cost").decimalValue()).isEqualByComparingTo("0.02");
            assertThat(record.attempts()).hasSize(1);
            assertThat(record.attempts().get(0).outcome()).isEqualTo(Outcome.OK);
            assertThat(record.attempts().get(0).judged()).isTrue();
            assertThat(cloud.received()).isEmpty();
        }
    }

    @Order(2)
    @Test
    void aConfidenceThresholdEscalatesNothingWhileTheEngineMeasuresNoConfidence() {
        assertThat(engine.measuresConfidence()).isFalse();
        usePolicy(1.0, "  structural: false\n");
        EntityExchangeResult<byte[]> result = chat("Say hello", 4, false, 9L);
        assertThat(result.getResponseHeaders().getFirst("X-Burstgate-Tier")).isEqualTo("local");
        CostRecord record = CostRecords.await(records, requestId(result));
        assertThat(record.attempts()).hasSize(1);
        assertThat(record.attempts().get(0).judged()).isTrue();
        assertThat(record.attempts().get(0).confidence()).isNull();
        assertThat(cloud.received()).isEmpty();
    }

    @Order(3)
    @Test
    void aStreamedRequestWithoutAStreamBufferStreamsFromTheLocalTierAsBefore() {
        // A threshold no answer can reach: a non-streamed request would always escalate.
        usePolicy(1.0);
        String body = client.post()
                .uri("/v1/chat/completions")
                .header("Authorization", "Bearer " + TenantRegistry.DEMO_KEY)
                .header("X-Burstgate-Policy", POLICY)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"model\":\"auto\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
                        + "\"max_tokens\":6,\"seed\":4,\"messages\":[{\"role\":\"user\",\"content\":\"Count\"}]}")
                .exchange()
                .expectStatus()
                .isOk()
                .expectHeader()
                .valueEquals("X-Burstgate-Tier", "local")
                .expectBody(String.class)
                .returnResult()
                .getResponseBody();
        assertThat(body).endsWith("data: [DONE]\n\n");
        List<JsonNode> events = Sse.events(json, body);
        assertThat(events.getLast().path("usage").path("cost").decimalValue()).isEqualByComparingTo("0.02");
        assertThat(cloud.received()).isEmpty();
    }

    @Order(4)
    @Test
    void aStreamedRequestWithAStreamBufferIsHeldBackJudgedAndEscalated() {
        usePolicy(0.0, "  stream-buffer: {max-tokens: 100, max-ms: 60000}\n");
        EntityExchangeResult<String> escalated = stream("Say hello", 2, true, 1L);
        assertThat(escalated.getResponseHeaders().getFirst("X-Burstgate-Tier")).isEqualTo("cloud");
        assertThat(escalated.getResponseHeaders().getFirst("X-Burstgate-Reason"))
                .endsWith("; local answer cut at max_tokens -> cloud");
        List<JsonNode> events = Sse.events(json, escalated.getResponseBody());
        StringBuilder text = new StringBuilder();
        for (JsonNode e : events) {
            text.append(e.path("choices").path(0).path("delta").path("content").asString(""));
        }
        assertThat(text.toString()).isEqualTo("Cloud answer.");
        assertThat(events.getLast().path("usage").path("cost").decimalValue()).isEqualByComparingTo("0.20");
        CostRecord record = CostRecords.await(records, requestId(escalated));
        assertThat(record.attempts()).extracting(AttemptRecord::outcome).containsExactly(Outcome.ESCALATED, Outcome.OK);
    }

    @Order(5)
    @Test
    void thePolicysCostSummaryCountsTheEscalationsAndWhatTheyCost() {
        List<CostRecord> mine = records.latest(1000).stream()
                .filter(r -> r.policy().equals(POLICY))
                .toList();
        long cascaded = mine.stream()
                .filter(r -> r.attempts().stream().anyMatch(AttemptRecord::judged))
                .count();
        long escalations = mine.stream()
                .filter(r -> r.attempts().stream().anyMatch(a -> a.outcome() == Outcome.ESCALATED))
                .count();
        assertThat(escalations).isPositive();
        assertThat(cascaded).isGreaterThan(escalations);
        JsonNode group = Awaitility.await("the summary of " + POLICY)
                .atMost(Duration.ofSeconds(15))
                .pollInterval(Duration.ofMillis(200))
                .until(
                        () -> {
                            JsonNode summary = json.readTree(client.get()
                                    .uri("/admin/costs/summary?groupBy=policy")
                                    .header("Authorization", "Bearer " + ADMIN)
                                    .exchange()
                                    .expectStatus()
                                    .isOk()
                                    .expectBody()
                                    .returnResult()
                                    .getResponseBody());
                            for (JsonNode g : summary.path("groups")) {
                                if (g.path("policy").asString().equals(POLICY)
                                        && g.path("requests").asLong() == mine.size()) {
                                    return g;
                                }
                            }
                            return null;
                        },
                        java.util.Objects::nonNull);
        JsonNode c = group.path("cascade");
        assertThat(c.path("cascaded").asLong()).isEqualTo(cascaded);
        assertThat(c.path("escalated").asLong()).isEqualTo(escalations);
        assertThat(c.path("escalation_rate").asDouble()).isCloseTo((double) escalations / cascaded, within(1e-4));
        assertThat(c.path("escalated_cost_usd").decimalValue())
                .isEqualByComparingTo(
                        new java.math.BigDecimal("0.02").multiply(java.math.BigDecimal.valueOf(escalations)));
        assertThat(c.path("escalated_latency_ms").asLong()).isGreaterThanOrEqualTo(0);
    }

    private String body(String prompt, int maxTokens, boolean json, long seed, boolean stream) {
        return "{\"model\":\"auto\",\"max_tokens\":" + maxTokens + ",\"temperature\":0,\"seed\":" + seed
                + (stream ? ",\"stream\":true,\"stream_options\":{\"include_usage\":true}" : "")
                + (json ? ",\"response_format\":{\"type\":\"json_object\"}" : "")
                + ",\"messages\":[{\"role\":\"user\",\"content\":" + this.json.writeValueAsString(prompt) + "}]}";
    }

    private EntityExchangeResult<String> stream(String prompt, int maxTokens, boolean json, long seed) {
        return client.post()
                .uri("/v1/chat/completions")
                .header("Authorization", "Bearer " + TenantRegistry.DEMO_KEY)
                .header("X-Burstgate-Policy", POLICY)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body(prompt, maxTokens, json, seed, true))
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody(String.class)
                .returnResult();
    }

    /** The answer the gateway's local tier gives this request, asked of the engine directly. */
    private ChatResult direct(String prompt, int maxTokens, boolean json, long seed) {
        ChatResult r = engine.complete(ChatRequest.builder()
                        .user(prompt)
                        .maxTokens(maxTokens)
                        .temperature(0.0)
                        .seed(seed)
                        .responseFormat(json ? ResponseFormat.JSON_OBJECT : ResponseFormat.TEXT)
                        .build())
                .block(Duration.ofSeconds(60));
        assertThat(r).isNotNull();
        return r;
    }

    private EntityExchangeResult<byte[]> chat(String prompt, int maxTokens, boolean json, long seed) {
        return client.post()
                .uri("/v1/chat/completions")
                .header("Authorization", "Bearer " + TenantRegistry.DEMO_KEY)
                .header("X-Burstgate-Policy", POLICY)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body(prompt, maxTokens, json, seed, false))
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .returnResult();
    }

    private static String requestId(EntityExchangeResult<?> r) {
        return r.getResponseHeaders().getFirst("X-Burstgate-Request-Id");
    }

    /** Writes the cascade policy with {@code escalateBelow}, without a stream buffer, and reloads the registry. */
    private void usePolicy(double escalateBelow) {
        usePolicy(escalateBelow, "");
    }

    /** Writes the cascade policy with {@code escalateBelow} and extra cascade lines, and reloads the registry. */
    private void usePolicy(double escalateBelow, String more) {
        new CascadeFixture(POLICIES, POLICY, "Local first, escalated to cloud when the local answer looks unsure.")
                .use(policies, escalateBelow, more);
    }

    private JsonNode ledgerRow(String requestId) {
        return CascadeFixture.ledgerRow(client, json, ADMIN, requestId);
    }

    private double counter(String outcome) {
        var c = meters.find("burstgate.cascade")
                .tags("policy", POLICY, "outcome", outcome)
                .counter();
        return c == null ? 0 : c.count();
    }
}
