package dev.burstgate.gateway.local.runner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.burstgate.gateway.dispatch.Dispatcher;
import dev.burstgate.gateway.tenant.TenantRegistry;
import dev.burstgate.gateway.testsupport.CascadeFixture;
import dev.burstgate.gateway.testsupport.CostRecords;
import dev.burstgate.gateway.testsupport.GatewayIT;
import dev.burstgate.gateway.testsupport.LlamaServerRunner;
import dev.burstgate.gateway.testsupport.PaidApiMock;
import dev.burstgate.gateway.testsupport.Sse;
import dev.burstgate.gateway.testsupport.TestGateway;
import dev.burstgate.gateway.tier.TiersProperties;
import dev.burstgate.gateway.usage.AttemptRecord;
import dev.burstgate.gateway.usage.CostRecord;
import dev.burstgate.gateway.usage.Outcome;
import dev.burstgate.gateway.usage.RecentRecords;
import dev.burstgate.policies.Tier;
import dev.burstgate.policies.cost.PriceTable;
import dev.burstgate.policies.cost.Usd;
import dev.burstgate.policies.policy.Policy;
import dev.burstgate.policies.policy.PolicyRegistry;
import dev.burstgate.policies.replay.LedgerReplay;
import dev.burstgate.policies.replay.LedgerSource;
import dev.burstgate.policies.replay.RecordedRequest;
import dev.burstgate.policies.replay.ReplayReport;
import dev.burstgate.policies.routing.Router;
import dev.burstgate.policies.simulation.SimulationConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The answer-aware cascade in runner mode, where the local tier's confidence comes from native llama.cpp
 * {@code llama-server}'s own log-probabilities on a generated model, and the cloud pool is an HTTP mock. For several
 * prompts and seeds at a fixed temperature, the runner's llama-server is first asked directly for the same answer with
 * its log-probabilities, and the test computes the confidence itself, {@code exp(mean logprob)} of the sampled
 * tokens; with {@code escalate-below} just above that value the gateway escalates (the cloud mock answers, both
 * attempts are billed and in the ledger, the local one {@code escalated} with that confidence, and the reason says
 * why), and with it just below it keeps the local answer, with one attempt. The client never sees the
 * log-probabilities the gateway asked for, only those it asked for itself, and the gateway never warns that the local
 * tier measures no confidence. The policy lab's replay of the ledger escalates the same requests on the confidences
 * the gateway recorded.
 */
@GatewayIT(
        cloudMock = true,
        adminKey = RunnerCascadeIT.ADMIN,
        properties = {
            "burstgate.tiers.local.parallel=1",
            "burstgate.tiers.local.runner.context=4096",
            "burstgate.tiers.local.threads=1",
            "burstgate.tiers.local.capabilities.logprobs=true",
            "burstgate.cache.enabled=false"
        })
@DirtiesContext
class RunnerCascadeIT {

    static final String ADMIN = "sk-runner-cascade-admin";
    static final String POLICY = "runner-cascade-it";
    static final LlamaServerRunner RUNNER = LlamaServerRunner.of(LlamaServerRunner.SLOW);
    static final double TEMPERATURE = 0.7;
    /** How far above or below the measured confidence a threshold is put: well beyond the tolerance of 1e-6. */
    static final double MARGIN = 1e-5;

    static final Pattern REASON = Pattern.compile("; local confidence ([0-9.]+) < ([0-9.]+) -> cloud$");

    static final Path POLICIES;

    static final ListAppender<ILoggingEvent> DISPATCHER_LOG = new ListAppender<>();

    static {
        try {
            POLICIES = Files.createTempDirectory("burstgate-runner-cascade-it-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        RUNNER.properties().forEach((k, v) -> registry.add(k, () -> v));
        registry.add("burstgate.policies-dir", POLICIES::toString);
    }

    @BeforeAll
    static void watchTheDispatchersLog() {
        DISPATCHER_LOG.start();
        ((Logger) LoggerFactory.getLogger(Dispatcher.class)).addAppender(DISPATCHER_LOG);
    }

    @AfterAll
    static void noWarningThatTheLocalTierMeasuresNoConfidence() {
        ((Logger) LoggerFactory.getLogger(Dispatcher.class)).detachAppender(DISPATCHER_LOG);
        assertThat(DISPATCHER_LOG.list)
                .extracting(ILoggingEvent::getFormattedMessage)
                .noneMatch(m -> m.contains("measures no confidence"));
    }

    @Autowired
    JsonMapper json;

    @Autowired
    RunnerProcess runner;

    @Autowired
    PolicyRegistry policies;

    @Autowired
    RecentRecords records;

    @Autowired
    DataSource dataSource;

    @Autowired
    PriceTable prices;

    @Autowired
    TiersProperties tiers;

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
                Arguments.of("Say hello", 4, 1L),
                Arguments.of("Name a colour", 8, 2L),
                Arguments.of("Count to five", 6, 3L),
                Arguments.of("Tell me about rivers", 10, 4L));
    }

    @ParameterizedTest(name = "{0} (max_tokens {1}, seed {2})")
    @MethodSource("prompts")
    void escalatesExactlyWhenTheRunnersConfidenceIsBelowTheThreshold(String prompt, int maxTokens, long seed) {
        JsonNode direct = direct(body(prompt, maxTokens, seed, false, ",\"logprobs\":true,\"top_logprobs\":5"));
        double confidence = confidence(direct);
        String content =
                direct.path("choices").path(0).path("message").path("content").asString();

        // just above: escalated to the cloud
        usePolicy(confidence + MARGIN);
        EntityExchangeResult<byte[]> escalated = chat(body(prompt, maxTokens, seed, false, ""));
        assertEscalated(escalated, confidence, confidence + MARGIN);
        JsonNode answer = json.readTree(escalated.getResponseBody());
        assertThat(answer.path("choices")
                        .path(0)
                        .path("message")
                        .path("content")
                        .asString())
                .isEqualTo("Cloud answer.");
        assertThat(answer.path("usage").path("cost").decimalValue()).isEqualByComparingTo("0.20");
        assertThat(cloud.received()).hasSize(1);

        // just below: the local answer, as the runner gave it, without the log-probabilities
        usePolicy(confidence - MARGIN);
        EntityExchangeResult<byte[]> kept = chat(body(prompt, maxTokens, seed, false, ""));
        assertKept(kept, confidence);
        JsonNode local = json.readTree(kept.getResponseBody());
        JsonNode choice = local.path("choices").path(0);
        assertThat(choice.path("message").path("content").asString()).isEqualTo(content);
        assertThat(choice.has("logprobs")).isFalse();
        assertThat(local.path("usage").path("cost").decimalValue()).isEqualByComparingTo("0.02");
        assertThat(cloud.received()).hasSize(1);
    }

    @Test
    void aStreamWithAStreamBufferIsJudgedByTheRunnersConfidenceAndCarriesNoLogprobs() {
        String body = body("Count slowly", 6, 11L, true, "");
        double confidence =
                confidence(direct(body("Count slowly", 6, 11L, false, ",\"logprobs\":true,\"top_logprobs\":5")));
        String buffer = "  stream-buffer: {max-tokens: 100, max-ms: 60000}\n";

        usePolicy(confidence + MARGIN, buffer);
        EntityExchangeResult<String> escalated = stream(body);
        assertEscalated(escalated, confidence, confidence + MARGIN);
        assertThat(text(Sse.events(json, Objects.requireNonNull(escalated.getResponseBody()))))
                .isEqualTo("Cloud answer.");

        usePolicy(confidence - MARGIN, buffer);
        EntityExchangeResult<String> kept = stream(body);
        assertKept(kept, confidence);
        List<JsonNode> events = Sse.events(json, Objects.requireNonNull(kept.getResponseBody()));
        assertThat(events).isNotEmpty();
        for (JsonNode e : events) {
            for (JsonNode c : e.path("choices")) {
                assertThat(c.has("logprobs")).as("chunk %s", e).isFalse();
            }
        }
        assertThat(events.getLast().path("usage").path("cost").decimalValue()).isEqualByComparingTo("0.02");
    }

    @Test
    void aClientThatAsksForLogprobsGetsItsOwnAndTheCascadeStillMeasures() {
        String asked = ",\"logprobs\":true,\"top_logprobs\":2";
        JsonNode direct = direct(body("Say goodbye", 5, 21L, false, asked));
        double confidence = confidence(direct);
        usePolicy(confidence - MARGIN);
        EntityExchangeResult<byte[]> kept = chat(body("Say goodbye", 5, 21L, false, asked));
        assertKept(kept, confidence);
        JsonNode mine = json.readTree(kept.getResponseBody())
                .path("choices")
                .path(0)
                .path("logprobs")
                .path("content");
        JsonNode theirs = direct.path("choices").path(0).path("logprobs").path("content");
        assertThat(mine.size()).isEqualTo(theirs.size()).isPositive();
        for (int i = 0; i < mine.size(); i++) {
            assertThat(mine.get(i).path("top_logprobs").size()).isEqualTo(2);
            assertThat(mine.get(i).path("logprob").asDouble())
                    .isCloseTo(theirs.get(i).path("logprob").asDouble(), within(1e-6));
        }
    }

    /**
     * The policy lab's replay of the ledger under the live policy makes the gateway's decisions again on the
     * confidences the runner measured: with the threshold between the second and third of four answers' confidences,
     * the two below it escalated live and escalate again, at the ledger's cost; a threshold above them all escalates
     * all four, one below them none.
     */
    @Test
    void replayingTheLedgerReproducesTheEscalationsOnTheRecordedConfidences() throws Exception {
        List<String> prompts = List.of("Name a river", "Say thanks", "Count to three", "Describe the sea");
        double[] confidences = new double[prompts.size()];
        for (int i = 0; i < prompts.size(); i++) {
            confidences[i] = confidence(
                    direct(body(prompts.get(i), 6, 31L + i, false, ",\"logprobs\":true,\"top_logprobs\":5")));
        }
        double[] sorted = confidences.clone();
        java.util.Arrays.sort(sorted);
        assertThat(sorted[2] - sorted[1]).as("distinct confidences %s", sorted).isGreaterThan(2 * MARGIN);
        double threshold = (sorted[1] + sorted[2]) / 2;
        usePolicy(threshold);
        Instant since = Instant.now().minusSeconds(1);
        List<String> ids = new java.util.ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            ids.add(requestId(chat(body(prompts.get(i), 6, 31L + i, false, ""))));
        }
        JdbcClient jdbc = JdbcClient.create(dataSource);
        Awaitility.await()
                .atMost(Duration.ofSeconds(15))
                .pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> assertThat(jdbc.sql("select count(*) from ledger_request where id in (:ids)")
                                .param("ids", ids)
                                .query(Long.class)
                                .single())
                        .isEqualTo(ids.size()));
        List<RecordedRequest> rows;
        try (Connection c = dataSource.getConnection()) {
            rows = LedgerSource.read(c, since).rows().stream()
                    .filter(r -> ids.contains(r.id()))
                    .toList();
        }
        assertThat(rows)
                .hasSize(ids.size())
                .allMatch(r -> r.judged() != null && r.judged().confidence() != null);
        LedgerReplay replay = new LedgerReplay(
                new Router(prices, tiers.capabilities()),
                SimulationConfig.defaults().withPrices(prices),
                policies::find);

        ReplayReport live = replay.live("live", policies::get, rows);

        assertThat(rows).filteredOn(r -> r.judged().escalated()).hasSize(2);
        assertThat(live.agreement()).isEqualTo(1.0);
        assertThat(live.escalated()).isEqualTo(2);
        assertThat(live.confidenceUnknown()).isZero();
        assertThat(live.simulation().cost()).isEqualTo(live.ledgerCost()).isEqualTo(Usd.of("0.44"));
        Policy.Cascade cascade = policies.get(POLICY).cascade();
        ReplayReport all = replay.run(
                policies.get(POLICY)
                        .withCascade(new Policy.Cascade(
                                sorted[3] + MARGIN, cascade.signal(), cascade.structural(), cascade.streamBuffer())),
                rows);
        ReplayReport none = replay.run(
                policies.get(POLICY)
                        .withCascade(new Policy.Cascade(
                                sorted[0] - MARGIN, cascade.signal(), cascade.structural(), cascade.streamBuffer())),
                rows);
        assertThat(all.escalated()).isEqualTo(4);
        assertThat(all.simulation().cost()).isEqualTo(Usd.of("0.80"));
        assertThat(none.escalated()).isZero();
        assertThat(none.simulation().cost()).isEqualTo(Usd.of("0.08"));
    }

    private void assertEscalated(EntityExchangeResult<?> result, double confidence, double threshold) {
        assertThat(result.getResponseHeaders().getFirst("X-Burstgate-Tier")).isEqualTo("cloud");
        String reason = result.getResponseHeaders().getFirst("X-Burstgate-Reason");
        Matcher m = REASON.matcher(Objects.requireNonNull(reason));
        assertThat(m.find()).as(reason).isTrue();
        double shownConfidence = Double.parseDouble(m.group(1));
        double shownThreshold = Double.parseDouble(m.group(2));
        assertThat(shownConfidence).isLessThan(shownThreshold);
        assertThat(shownConfidence).isCloseTo(confidence, within(confidence * 1e-2));
        assertThat(shownThreshold).isCloseTo(threshold, within(threshold * 1e-2));

        CostRecord record = CostRecords.await(records, requestId(result));
        assertThat(record.attempts()).extracting(AttemptRecord::tier).containsExactly(Tier.LOCAL, Tier.CLOUD);
        AttemptRecord local = record.attempts().get(0);
        assertThat(local.outcome()).isEqualTo(Outcome.ESCALATED);
        assertThat(local.judged()).isTrue();
        assertThat(local.confidence()).isNotNull().isCloseTo(confidence, within(1e-6));
        assertThat(local.cost().amount()).isEqualByComparingTo("0.02");
        assertThat(record.attempts().get(1).outcome()).isEqualTo(Outcome.OK);

        JsonNode attempts = ledgerRow(requestId(result)).path("attempts");
        assertThat(attempts.size()).isEqualTo(2);
        assertThat(attempts.get(0).path("outcome").asString()).isEqualTo("escalated");
        assertThat(attempts.get(0).path("cost_usd").decimalValue()).isEqualByComparingTo("0.02");
        assertThat(attempts.get(0).path("confidence").asDouble()).isCloseTo(confidence, within(1e-6));
        assertThat(attempts.get(1).path("tier").asString()).isEqualTo("cloud");
    }

    private void assertKept(EntityExchangeResult<?> result, double confidence) {
        assertThat(result.getResponseHeaders().getFirst("X-Burstgate-Tier")).isEqualTo("local");
        assertThat(result.getResponseHeaders().getFirst("X-Burstgate-Reason")).doesNotContain("local confidence");
        CostRecord record = CostRecords.await(records, requestId(result));
        assertThat(record.attempts()).hasSize(1);
        AttemptRecord local = record.attempts().get(0);
        assertThat(local.tier()).isEqualTo(Tier.LOCAL);
        assertThat(local.outcome()).isEqualTo(Outcome.OK);
        assertThat(local.judged()).isTrue();
        assertThat(local.confidence()).isNotNull().isCloseTo(confidence, within(1e-6));
    }

    /** The confidence of an answer computed here from its log-probabilities: exp of their mean. */
    private static double confidence(JsonNode completion) {
        JsonNode tokens = completion.path("choices").path(0).path("logprobs").path("content");
        assertThat(tokens.size()).as("tokens with log-probabilities").isPositive();
        double sum = 0;
        for (JsonNode t : tokens) {
            sum += t.path("logprob").asDouble();
        }
        return Math.exp(sum / tokens.size());
    }

    private String body(String prompt, int maxTokens, long seed, boolean stream, String more) {
        return "{\"model\":\"auto\",\"max_tokens\":" + maxTokens + ",\"temperature\":" + TEMPERATURE + ",\"seed\":"
                + seed + (stream ? ",\"stream\":true,\"stream_options\":{\"include_usage\":true}" : "") + more
                + ",\"messages\":[{\"role\":\"user\",\"content\":" + json.writeValueAsString(prompt) + "}]}";
    }

    /** The runner's own answer to {@code body}, asked of its llama-server directly. */
    private JsonNode direct(String body) {
        URI base = Objects.requireNonNull(runner.base(), "runner is up");
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> response = http.send(
                    HttpRequest.newBuilder(base.resolve("/v1/chat/completions"))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(body))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            return json.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private EntityExchangeResult<byte[]> chat(String body) {
        return client.post()
                .uri("/v1/chat/completions")
                .header("Authorization", "Bearer " + TenantRegistry.DEMO_KEY)
                .header("X-Burstgate-Policy", POLICY)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body)
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .returnResult();
    }

    private EntityExchangeResult<String> stream(String body) {
        return client.post()
                .uri("/v1/chat/completions")
                .header("Authorization", "Bearer " + TenantRegistry.DEMO_KEY)
                .header("X-Burstgate-Policy", POLICY)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body)
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody(String.class)
                .returnResult();
    }

    private static String text(List<JsonNode> events) {
        StringBuilder text = new StringBuilder();
        for (JsonNode e : events) {
            text.append(e.path("choices").path(0).path("delta").path("content").asString(""));
        }
        return text.toString();
    }

    private static String requestId(EntityExchangeResult<?> r) {
        return r.getResponseHeaders().getFirst("X-Burstgate-Request-Id");
    }

    private void usePolicy(double escalateBelow) {
        usePolicy(escalateBelow, "");
    }

    /**
     * Writes the cascade policy (confidence only: no structural check) with {@code escalateBelow} and extra cascade
     * lines, and reloads the registry.
     */
    private void usePolicy(double escalateBelow, String more) {
        new CascadeFixture(POLICIES, POLICY, "Local first, escalated to cloud when the runner is unsure of its answer.")
                .use(policies, escalateBelow, "  structural: false\n" + more);
    }

    private JsonNode ledgerRow(String requestId) {
        return CascadeFixture.ledgerRow(client, json, ADMIN, requestId);
    }
}
