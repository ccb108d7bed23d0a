package dev.burstgate.gateway.tier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.burstgate.gateway.testsupport.GatewayIT;
import dev.burstgate.gateway.testsupport.GatewayIT.Tenant;
import dev.burstgate.gateway.testsupport.PaidApiMock;
import dev.burstgate.gateway.testsupport.PaidApiMock.Behavior;
import dev.burstgate.gateway.testsupport.Sse;
import dev.burstgate.gateway.testsupport.TestGateway;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Upstreams that echo the credentials they received and name their internal hosts, as error pages often do: the
 * client sees none of it (error bodies, stream error events, headers), and the log and the ledger keep the detail
 * without the credentials.
 */
@GatewayIT(
        cloudMock = true,
        tenants = @Tenant(name = "acme", key = UpstreamLeakIT.KEY, policy = "quality-first"),
        properties = {
            "burstgate.tiers.cloud.api-key=" + UpstreamLeakIT.CLOUD_SECRET,
            "burstgate.tiers.legacy.api-key=" + UpstreamLeakIT.LEGACY_SECRET,
            "burstgate.cache.enabled=false"
        })
@ExtendWith(OutputCaptureExtension.class)
class UpstreamLeakIT {

    static final String KEY = "sk-test-leak-tenant";
    static final String CLOUD_SECRET = "sk-cloud-secret-7f3a9c";
    static final String LEGACY_SECRET = "sk-legacy-secret-4d1e8b";

    @Autowired
    JsonMapper json;

    @Autowired
    DataSource dataSource;

    PaidApiMock cloud;
    PaidApiMock legacy;
    WebTestClient client;

    @BeforeEach
    void setUp(TestGateway gateway) {
        cloud = gateway.cloud();
        legacy = gateway.legacy();
        client = gateway.client(Duration.ofSeconds(30));
    }

    /** Anything a client must never read. */
    List<String> secrets() {
        return List.of(
                CLOUD_SECRET,
                LEGACY_SECRET,
                "hunter22",
                PaidApiMock.ECHO_HOST,
                "127.0.0.1",
                "localhost",
                ":" + cloud.baseUrl().getPort(),
                ":" + legacy.baseUrl().getPort(),
                "http://",
                "Exception",
                "netty",
                "reactor.",
                "<html>");
    }

    void assertNothingLeaks(String what, String text) {
        for (String secret : secrets()) {
            assertThat(text).as("%s must not contain %s", what, secret).doesNotContain(secret);
        }
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

    String clientView(EntityExchangeResult<byte[]> result) {
        StringBuilder b = new StringBuilder();
        result.getResponseHeaders()
                .forEach((name, values) ->
                        b.append(name).append(": ").append(values).append('\n'));
        b.append(new String(
                result.getResponseBody() == null ? new byte[0] : result.getResponseBody(), StandardCharsets.UTF_8));
        return b.toString();
    }

    @Test
    void aFailedAnswerShowsTheClientNeitherTheUpstreamsWordsNorItsCredentials(CapturedOutput output) {
        cloud.always(Behavior.ECHO_CREDENTIALS_500);
        legacy.always(Behavior.ECHO_CREDENTIALS_500);

        EntityExchangeResult<byte[]> result = chat("auto", false);

        assertThat(result.getStatus().value()).isEqualTo(502);
        String seen = clientView(result);
        assertNothingLeaks("the 502", seen);
        JsonNode error = json.readTree(result.getResponseBody()).path("error");
        assertThat(error.path("message").asString()).contains("legacy answered an error (HTTP 500)");
        // The upstreams did receive the gateway's own keys, and echoed them.
        assertThat(legacy.received())
                .singleElement()
                .satisfies(r -> assertThat(r.headers().get("authorization")).isEqualTo("Bearer " + LEGACY_SECRET));

        String log = output.getAll();
        assertThat(log).contains(PaidApiMock.ECHO_HOST).contains("HTTP 500");
        assertThat(log).doesNotContain(CLOUD_SECRET, LEGACY_SECRET, "hunter22");
        assertLedgerKeepsTheDetailWithoutSecrets(result);
    }

    @Test
    void aStreamCutByAnUpstreamErrorEventEndsWithAnErrorEventThatShowsNothingOfIt(CapturedOutput output) {
        cloud.always(Behavior.STREAM_ERROR_ECHOING_CREDENTIALS);

        EntityExchangeResult<byte[]> result = chat("cloud", true);

        assertThat(result.getStatus().value()).isEqualTo(200);
        String body = new String(result.getResponseBody(), StandardCharsets.UTF_8);
        assertThat(body).doesNotContain("[DONE]");
        List<JsonNode> events = Sse.events(json, body);
        JsonNode last = events.get(events.size() - 1).path("error");
        assertThat(last.path("code").asString()).isEqualTo("stream_cut");
        assertThat(last.path("message").asString())
                .isEqualTo("The cloud tier failed mid-stream: it answered an error.");
        assertNothingLeaks("the cut stream", clientView(result));
        assertThat(output.getAll()).contains(PaidApiMock.ECHO_HOST).doesNotContain(CLOUD_SECRET);
        assertLedgerKeepsTheDetailWithoutSecrets(result);
    }

    @Test
    void aStreamCutByALostConnectionEndsWithAnErrorEventWithoutNettysWords() {
        cloud.always(Behavior.CUT_AFTER_FIRST_CHUNK);

        EntityExchangeResult<byte[]> result = chat("cloud", true);

        List<JsonNode> events = Sse.events(json, new String(result.getResponseBody(), StandardCharsets.UTF_8));
        assertThat(events.get(events.size() - 1).path("error").path("message").asString())
                .isEqualTo("The cloud tier failed mid-stream: it dropped the connection.");
        assertNothingLeaks("the cut stream", clientView(result));
    }

    void assertLedgerKeepsTheDetailWithoutSecrets(EntityExchangeResult<byte[]> result) {
        String id = result.getResponseHeaders().getFirst("X-Burstgate-Request-Id");
        JdbcTemplate jdbc = new JdbcTemplate(dataSource);
        // The ledger writes in batches, every 100 ms at the most.
        List<String> errors = await("attempt errors of " + id)
                .atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(50))
                .until(
                        () -> jdbc.queryForList(
                                "SELECT error FROM ledger_attempt WHERE request_id = ? AND error IS NOT NULL",
                                String.class,
                                id),
                        e -> !e.isEmpty());
        assertThat(errors).as("attempt errors of %s", id).isNotEmpty().allSatisfy(e -> {
            assertThat(e).doesNotContain(CLOUD_SECRET, LEGACY_SECRET, "hunter22");
        });
        assertThat(String.join("\n", errors)).contains(PaidApiMock.ECHO_HOST);
    }
}
