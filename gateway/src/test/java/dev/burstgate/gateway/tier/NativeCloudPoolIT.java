package dev.burstgate.gateway.tier;

import static org.assertj.core.api.Assertions.assertThat;

import dev.burstgate.engine.model.TinyModelGenerator;
import dev.burstgate.gateway.tenant.TenantRegistry;
import dev.burstgate.gateway.testsupport.CostRecords;
import dev.burstgate.gateway.testsupport.NativeLlamaServer;
import dev.burstgate.gateway.usage.CostRecord;
import dev.burstgate.gateway.usage.RecentRecords;
import dev.burstgate.policies.Tier;
import dev.burstgate.policies.cost.Usd;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.testcontainers.containers.GenericContainer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The cloud pool's node is native llama.cpp {@code llama-server}, as real pools run. It reports usage in a stream
 * only when asked, so this proves the gateway asks on the client's behalf and still records exact usage and cost.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class NativeCloudPoolIT {

    static GenericContainer<?> node;
    static Path dataDir;

    static {
        try {
            Path dir = Files.createTempDirectory("burstgate-native-pool");
            dataDir = dir;
            node = NativeLlamaServer.container(NativeLlamaServer.Options.of(TinyModelGenerator.ensureTinyModel(dir)));
            node.start();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry r) {
        r.add("burstgate.data-dir", () -> dataDir.toString());
        r.add("burstgate.demo", () -> "false");
        r.add("burstgate.tiers.local.enabled", () -> "false");
        r.add("burstgate.tiers.cloud.endpoints", () -> NativeLlamaServer.baseUri(node));
        r.add("burstgate.tiers.cloud.model", () -> NativeLlamaServer.MODEL_ALIAS);
        r.add("burstgate.cache.enabled", () -> "false");
    }

    @AfterAll
    static void stop() {
        node.stop();
    }

    @LocalServerPort
    int port;

    @Autowired
    JsonMapper json;

    @Autowired
    RecentRecords records;

    WebTestClient client;

    @BeforeEach
    void setUp() {
        client = WebTestClient.bindToServer()
                .baseUrl("http://localhost:" + port)
                .responseTimeout(Duration.ofSeconds(60))
                .build();
    }

    private WebTestClient.ResponseSpec chat(boolean stream, boolean includeUsage) {
        String body = "{\"model\":\"auto\",\"max_tokens\":6,\"stream\":" + stream
                + (includeUsage ? ",\"stream_options\":{\"include_usage\":true}" : "")
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"Name a colour\"}]}";
        return client.post()
                .uri("/v1/chat/completions")
                .header("Authorization", "Bearer " + TenantRegistry.DEMO_KEY)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body)
                .exchange();
    }

    @Test
    void answersThroughANativeLlamaServerNode() {
        JsonNode body = json.readTree(chat(false, false)
                .expectStatus()
                .isOk()
                .expectHeader()
                .valueEquals("X-Burstgate-Tier", "cloud")
                .expectHeader()
                .valueEquals("X-Burstgate-Cost-Usd", "0.180000")
                .expectBody()
                .returnResult()
                .getResponseBody());
        assertThat(body.path("model").asString()).isEqualTo(NativeLlamaServer.MODEL_ALIAS);
        assertThat(body.path("usage").path("completion_tokens").asInt()).isBetween(0, 6);
    }

    @Test
    void sendsTheNextRequestOnAFreshConnectionAfterTheNodeClosedOneAfterAStream() {
        for (int i = 0; i < 3; i++) {
            chat(true, false).expectStatus().isOk().expectHeader().valueEquals("X-Burstgate-Tier", "cloud");
            chat(false, false).expectStatus().isOk().expectHeader().valueEquals("X-Burstgate-Tier", "cloud");
        }
    }

    @Test
    void recordsExactUsageOfAStreamWhoseClientDidNotAskForIt() {
        var result = chat(true, false)
                .expectStatus()
                .isOk()
                .expectHeader()
                .valueEquals("X-Burstgate-Tier", "cloud")
                .expectBody(String.class)
                .returnResult();
        assertThat(result.getResponseBody()).endsWith("data: [DONE]\n\n").doesNotContain("\"usage\"");
        CostRecord record =
                CostRecords.await(records, result.getResponseHeaders().getFirst("X-Burstgate-Request-Id"));
        assertThat(record.finalTier()).isEqualTo(Tier.CLOUD);
        assertThat(record.attempts()).singleElement().satisfies(a -> {
            assertThat(a.usageEstimated())
                    .as("usage came from llama-server, not an estimate")
                    .isFalse();
            assertThat(a.usage().promptTokens()).isPositive();
        });
        assertThat(record.cost()).isEqualTo(Usd.of("0.18"));
    }

    @Test
    void passesUsageWithCostToAStreamingClientThatAskedForIt() {
        for (int i = 0; i < 3; i++) {
            String body = chat(true, true)
                    .expectStatus()
                    .isOk()
                    .expectBody(String.class)
                    .returnResult()
                    .getResponseBody();
            String last = body.substring(0, body.lastIndexOf("data: [DONE]")).strip();
            JsonNode usage = json.readTree(last.substring(last.lastIndexOf("data: ") + 6))
                    .path("usage");
            assertThat(usage.path("completion_tokens").asInt()).isBetween(0, 6);
            assertThat(usage.path("cost").decimalValue()).isEqualByComparingTo("0.18");
        }
    }
}
