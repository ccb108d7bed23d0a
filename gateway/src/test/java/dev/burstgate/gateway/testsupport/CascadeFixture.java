package dev.burstgate.gateway.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.burstgate.policies.policy.PolicyRegistry;
import dev.burstgate.policies.policy.ReloadReport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import org.awaitility.Awaitility;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What the cascade ITs share: a local-first policy that escalates to cloud, rewritten with another
 * {@code escalate-below} and reloaded between tests, and a request's ledger row as the admin API shows it.
 *
 * @param dir the policy directory the gateway under test watches
 * @param name the policy's name (and file name)
 * @param description the policy's description
 */
public record CascadeFixture(Path dir, String name, String description) {

    /**
     * Writes the policy with {@code escalateBelow} and {@code more} (cascade lines, each indented by two spaces) and
     * reloads {@code policies}.
     */
    public void use(PolicyRegistry policies, double escalateBelow, String more) {
        String yaml = """
                name: %s
                description: %s
                thresholds:
                  cloud-at: 1.0
                allowed-tiers: [local, cloud]
                fallback:
                  local: [cloud]
                  cloud: []
                burst:
                  max-local-queue-wait-ms: 600000
                cascade:
                  escalate-below: %s
                %s""".formatted(name, description, String.format(Locale.ROOT, "%.17g", escalateBelow), more);
        try {
            Files.writeString(dir.resolve(name + ".yaml"), yaml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ReloadReport report = policies.reload();
        assertThat(report.failed()).isEmpty();
        assertThat(policies.get(name).cascade()).isNotNull();
        assertThat(policies.get(name).cascade().escalateBelow()).isEqualTo(escalateBelow);
    }

    /** The request's row in the ledger, as {@code GET /admin/costs/requests} shows it, once it has been written. */
    public static JsonNode ledgerRow(WebTestClient client, JsonMapper json, String adminKey, String requestId) {
        return Awaitility.await("the ledger row of " + requestId)
                .atMost(Duration.ofSeconds(15))
                .pollInterval(Duration.ofMillis(100))
                .until(
                        () -> {
                            JsonNode data = json.readTree(client.get()
                                            .uri("/admin/costs/requests?limit=100")
                                            .header("Authorization", "Bearer " + adminKey)
                                            .exchange()
                                            .expectStatus()
                                            .isOk()
                                            .expectBody()
                                            .returnResult()
                                            .getResponseBody())
                                    .path("data");
                            for (JsonNode r : data) {
                                if (r.path("id").asString().equals(requestId)) {
                                    return r;
                                }
                            }
                            return null;
                        },
                        Objects::nonNull);
    }
}
