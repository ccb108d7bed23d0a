package dev.burstgate.gateway.tier;

import static org.assertj.core.api.Assertions.assertThat;

import dev.burstgate.gateway.tenant.ApiKeys;
import dev.burstgate.gateway.testsupport.PaidApiMock;
import dev.burstgate.gateway.testsupport.TestModels;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A cloud pool of two local-engine nodes, each a process of its own (the module's packaged server), and one is
 * killed ({@code kill -9}) while it generates a non-streamed answer. Nothing has reached the client, so the request
 * goes to the other node and is answered there, at the cloud's price, without touching the legacy tier.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class PoolNodeFailureIT {

    static final String KEY = "sk-test-pool";
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final TestModels MODELS = TestModels.create("burstgate-pool-failure");
    static final List<Node> NODES = new ArrayList<>();
    static PaidApiMock legacy;

    /** A local-engine server process. */
    record Node(String id, Process process, URI baseUri) {
        JsonNode health(JsonMapper json) throws IOException, InterruptedException {
            return json.readTree(HTTP.send(
                            HttpRequest.newBuilder(baseUri.resolve("/health"))
                                    .timeout(Duration.ofSeconds(2))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body());
        }
    }

    static {
        try {
            legacy = new PaidApiMock();
            NODES.add(start("node-a"));
            NODES.add(start("node-b"));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static Node start(String id) throws IOException {
        Path jar = Path.of("..", "local-engine", "target", "local-engine.jar")
                .toAbsolutePath()
                .normalize();
        assertThat(jar).as("the packaged local-engine server").isRegularFile();
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        String java = ProcessHandle.current().info().command().orElse("java");
        Path log = Files.createTempFile("burstgate-" + id, ".log");
        Process p = new ProcessBuilder(
                        java,
                        "-jar",
                        jar.toString(),
                        "-m",
                        MODELS.tinyModel().toString(),
                        "--host",
                        "127.0.0.1",
                        "-p",
                        Integer.toString(port),
                        "-np",
                        "1",
                        "-t",
                        "1",
                        "-c",
                        "2048",
                        "--model-id",
                        id)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        URI base = URI.create("http://127.0.0.1:" + port);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (HTTP.send(
                                        HttpRequest.newBuilder(base.resolve("/health"))
                                                .timeout(Duration.ofSeconds(1))
                                                .build(),
                                        HttpResponse.BodyHandlers.discarding())
                                .statusCode()
                        == 200) {
                    return new Node(id, p, base);
                }
            } catch (IOException e) {
                // not up yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            if (!p.isAlive()) {
                break;
            }
            Thread.onSpinWait();
        }
        p.destroyForcibly();
        throw new IllegalStateException(id + " did not start; its log: " + Files.readString(log));
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry r) {
        r.add("burstgate.data-dir", () -> MODELS.dataDir().toString());
        r.add("burstgate.demo", () -> "false");
        r.add("burstgate.tiers.local.enabled", () -> "false");
        r.add(
                "burstgate.tiers.cloud.endpoints",
                () -> NODES.get(0).baseUri() + "," + NODES.get(1).baseUri());
        r.add("burstgate.tiers.legacy.url", () -> legacy.baseUrl().toString());
        r.add("burstgate.tenants[0].name", () -> "acme");
        r.add("burstgate.tenants[0].key-sha256", () -> ApiKeys.sha256(KEY));
        r.add("burstgate.tenants[0].policy", () -> "balanced");
        r.add("burstgate.cache.enabled", () -> "false");
    }

    @AfterAll
    static void stop() throws IOException {
        NODES.forEach(n -> n.process().destroyForcibly());
        legacy.close();
    }

    @LocalServerPort
    int port;

    @Autowired
    JsonMapper json;

    @Test
    void aNodeKilledWhileGeneratingANonStreamedAnswerIsReplacedByTheOtherNode() throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + KEY)
                .header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"cloud\",\"max_tokens\":900,\"temperature\":1,"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"Write a long story.\"}]}"))
                .build();
        CompletableFuture<HttpResponse<String>> answer = HTTP.sendAsync(request, HttpResponse.BodyHandlers.ofString());

        Node busy = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (busy == null && System.nanoTime() < deadline && !answer.isDone()) {
            for (Node node : NODES) {
                if (node.health(json).path("slots").path("active").asInt() > 0) {
                    busy = node;
                }
            }
        }
        assertThat(busy)
                .as("a node started generating before the answer was complete")
                .isNotNull();
        busy.process().destroyForcibly(); // SIGKILL, mid-generation
        busy.process().waitFor();

        HttpResponse<String> response = answer.get();
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("X-Burstgate-Tier")).hasValue("cloud");
        assertThat(response.headers().firstValue("X-Burstgate-Cost-Usd")).hasValue("0.180000");
        assertThat(json.readTree(response.body())
                        .path("choices")
                        .path(0)
                        .path("message")
                        .path("content")
                        .asString())
                .isNotEmpty();
        Node other = NODES.get(0) == busy ? NODES.get(1) : NODES.get(0);
        assertThat(other.health(json).path("completed_requests").asLong())
                .as("the other node answered")
                .isEqualTo(1);
        assertThat(legacy.received()).as("no fallback to the pricier tier").isEmpty();
    }
}
