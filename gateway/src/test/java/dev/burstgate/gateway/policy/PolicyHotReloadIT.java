package dev.burstgate.gateway.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.burstgate.gateway.tenant.ApiKeys;
import dev.burstgate.gateway.testsupport.PaidApiMock;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Predicate;
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
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Policies live: a file added to or changed in {@code burstgate.policies-dir} takes effect without a restart; an
 * invalid edit keeps the last good version and is reported in {@code GET /admin/policies} and a meter.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class PolicyHotReloadIT {

  static final String KEY = "sk-hot";
  static final String ADMIN = "sk-hot-admin";
  static Path dir;
  static Path dataDir;
  static PaidApiMock legacy;

  static {
    try {
      dir = Files.createTempDirectory("burstgate-policies");
      dataDir = Files.createTempDirectory("burstgate-policies-data");
      legacy = new PaidApiMock();
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
    r.add("burstgate.data-dir", () -> dataDir.toString());
    r.add("burstgate.policies-dir", () -> dir.toString());
    r.add("burstgate.demo", () -> "false");
    r.add("burstgate.tiers.local.enabled", () -> "false");
    r.add("burstgate.tiers.legacy.url", () -> legacy.baseUrl().toString());
    r.add("burstgate.tenants[0].name", () -> "team");
    r.add("burstgate.tenants[0].key-sha256", () -> ApiKeys.sha256(KEY));
    r.add("burstgate.tenants[0].policy", () -> "team");
    r.add("burstgate.admin-key-sha256", () -> ApiKeys.sha256(ADMIN));
  }

  @AfterAll
  static void stop() throws IOException {
    legacy.close();
  }

  @LocalServerPort
  int port;

  @Autowired
  JsonMapper json;

  @Autowired
  MeterRegistry meters;

  WebTestClient client;

  @BeforeEach
  void setUp() {
    client = WebTestClient.bindToServer().baseUrl("http://localhost:" + port).build();
  }

  private JsonNode team() {
    JsonNode all = json.readTree(client.get().uri("/admin/policies").header("Authorization", "Bearer " + ADMIN)
        .exchange().expectStatus().isOk().expectBody().returnResult().getResponseBody());
    for (JsonNode p : all.path("policies")) {
      if (p.path("name").asString().equals("team")) {
        return p;
      }
    }
    throw new AssertionError("policy 'team' not listed: " + all);
  }

  private JsonNode awaitTeam(Predicate<JsonNode> condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    JsonNode p = team();
    while (!condition.test(p) && System.nanoTime() < deadline) {
      Thread.sleep(100);
      p = team();
    }
    return p;
  }

  @Test
  void appliesAnEditWithoutRestartAndKeepsTheLastGoodVersionOfAnInvalidOne() throws Exception {
    JsonNode p = team();
    assertThat(p.path("status").asString()).isEqualTo("loaded");
    assertThat(p.path("source").asString()).endsWith("team.yaml");
    client.post().uri("/v1/chat/completions").header("Authorization", "Bearer " + KEY).contentType(MediaType.APPLICATION_JSON)
        .bodyValue("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").exchange()
        .expectStatus().isOk().expectHeader().valueEquals("X-Burstgate-Tier", "legacy");

    Files.writeString(dir.resolve("team.yaml"), policy("all legacy v2", "0.0", "0.0"));
    p = awaitTeam(x -> x.path("description").asString().equals("all legacy v2"));
    assertThat(p.path("description").asString()).isEqualTo("all legacy v2");

    double failuresBefore = meters.counter("burstgate.policy.reload.failures").count();
    Files.writeString(dir.resolve("team.yaml"), policy("broken", "1.7", "0.0"));
    p = awaitTeam(x -> x.path("status").asString().equals("stale"));
    assertThat(p.path("status").asString()).isEqualTo("stale");
    assertThat(p.path("description").asString()).as("last good version in force").isEqualTo("all legacy v2");
    assertThat(p.path("error").asString()).contains("cloud-at");
    assertThat(meters.counter("burstgate.policy.reload.failures").count()).isGreaterThan(failuresBefore);
    // Routing still works with the last good version.
    client.post().uri("/v1/chat/completions").header("Authorization", "Bearer " + KEY).contentType(MediaType.APPLICATION_JSON)
        .bodyValue("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").exchange()
        .expectStatus().isOk().expectHeader().valueEquals("X-Burstgate-Tier", "legacy");
  }
}
