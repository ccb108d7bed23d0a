package dev.burstgate.gateway.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.burstgate.gateway.testsupport.GatewayIT;
import dev.burstgate.gateway.testsupport.GatewayIT.Tenant;
import dev.burstgate.gateway.testsupport.TestGateway;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Policies live: a file added to or changed in {@code burstgate.policies-dir} takes effect without a restart; an
 * invalid edit keeps the last good version and is reported in {@code GET /admin/policies} and a meter.
 */
@GatewayIT(
        tenants = @Tenant(name = "team", key = PolicyHotReloadIT.KEY, policy = "team"),
        adminKey = PolicyHotReloadIT.ADMIN)
class PolicyHotReloadIT {

    static final String KEY = "sk-hot";
    static final String ADMIN = "sk-hot-admin";
    /** The watched policies directory, with the tenant's policy in it before the gateway starts. */
    static Path dir;

    static {
        try {
            dir = Files.createTempDirectory("burstgate-policies");
            Files.writeString(dir.resolve("team.yaml"), policy("all legacy v1", "0.0", "0.0"));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static String policy(String description, String cloudAt, String legacyAt) {
        return """
        name: team
        description: %s
        thresholds:
          cloud-at: %s
          legacy-at: %s
        allowed-tiers: [local, cloud, legacy]
        fallback:
          legacy: [cloud]
        """.formatted(description, cloudAt, legacyAt);
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry r) {
        r.add("burstgate.policies-dir", () -> dir.toString());
    }

    @Autowired
    JsonMapper json;

    @Autowired
    MeterRegistry meters;

    WebTestClient client;

    @BeforeEach
    void setUp(TestGateway gateway) {
        client = gateway.client();
    }

    private JsonNode team() {
        JsonNode all = json.readTree(client.get()
                .uri("/admin/policies")
                .header("Authorization", "Bearer " + ADMIN)
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .returnResult()
                .getResponseBody());
        for (JsonNode p : all.path("policies")) {
            if (p.path("name").asString().equals("team")) {
                return p;
            }
        }
        throw new AssertionError("policy 'team' not listed: " + all);
    }

    private JsonNode awaitTeam(Predicate<JsonNode> condition) {
        return await("the reloaded policy 'team'")
                .atMost(Duration.ofSeconds(20))
                .pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(100))
                .until(this::team, condition);
    }

    @Test
    void appliesAnEditWithoutRestartAndKeepsTheLastGoodVersionOfAnInvalidOne() throws Exception {
        JsonNode p = team();
        assertThat(p.path("status").asString()).isEqualTo("loaded");
        assertThat(p.path("source").asString()).endsWith("team.yaml");
        client.post()
                .uri("/v1/chat/completions")
                .header("Authorization", "Bearer " + KEY)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
                .exchange()
                .expectStatus()
                .isOk()
                .expectHeader()
                .valueEquals("X-Burstgate-Tier", "legacy");

        Files.writeString(dir.resolve("team.yaml"), policy("all legacy v2", "0.0", "0.0"));
        p = awaitTeam(x -> x.path("description").asString().equals("all legacy v2"));
        assertThat(p.path("description").asString()).isEqualTo("all legacy v2");

        double failuresBefore =
                meters.counter("burstgate.policy.reload.failures").count();
        Files.writeString(dir.resolve("team.yaml"), policy("broken", "1.7", "0.0"));
        p = awaitTeam(x -> x.path("status").asString().equals("stale"));
        assertThat(p.path("status").asString()).isEqualTo("stale");
        assertThat(p.path("description").asString())
                .as("last good version in force")
                .isEqualTo("all legacy v2");
        assertThat(p.path("error").asString()).contains("cloud-at");
        assertThat(meters.counter("burstgate.policy.reload.failures").count()).isGreaterThan(failuresBefore);
        // Routing still works with the last good version.
        client.post()
                .uri("/v1/chat/completions")
                .header("Authorization", "Bearer " + KEY)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
                .exchange()
                .expectStatus()
                .isOk()
                .expectHeader()
                .valueEquals("X-Burstgate-Tier", "legacy");
    }
}
