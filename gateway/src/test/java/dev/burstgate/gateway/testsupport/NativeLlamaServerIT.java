package dev.burstgate.gateway.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.burstgate.engine.model.ModelShape;
import dev.burstgate.engine.model.TinyModelGenerator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.containers.GenericContainer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Native llama.cpp {@code llama-server} as a cloud-pool node, serving the project's generated tiny model: it loads,
 * answers the OpenAI calls the gateway makes, and reports usage the way the gateway's usage tap expects — in a
 * stream only when {@code stream_options.include_usage} is set, which is why the gateway adds that option upstream.
 */
class NativeLlamaServerIT {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int MAX_TOKENS = 8;

    @TempDir
    static Path modelDir;

    static GenericContainer<?> node;
    static HttpClient http;
    static String base;

    @BeforeAll
    static void start() {
        Path model = TinyModelGenerator.ensureTinyModel(modelDir);
        node = NativeLlamaServer.container(
                NativeLlamaServer.Options.of(model).withSlots(2).withContextPerSlot(ModelShape.TINY.context()));
        node.start();
        base = NativeLlamaServer.baseUri(node);
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterAll
    static void stop() {
        if (http != null) {
            http.close();
        }
        if (node != null) {
            node.stop();
        }
    }

    @Test
    void reportsHealthyOnceTheModelIsLoaded() throws Exception {
        HttpResponse<String> response = http.send(get("/health"), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(response.body()).path("status").asString()).isEqualTo("ok");
    }

    @Test
    void listsTheServedModelUnderItsAlias() throws Exception {
        HttpResponse<String> response = http.send(get("/v1/models"), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode data = JSON.readTree(response.body()).path("data");
        assertThat(data.isArray()).isTrue();
        assertThat(data.valueStream().map(m -> m.path("id").asString())).contains(NativeLlamaServer.MODEL_ALIAS);
    }

    @Test
    void answersANonStreamedChatCompletionWithUsage() throws Exception {
        HttpResponse<String> response = http.send(post(chatRequest(false, null)), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode body = JSON.readTree(response.body());
        assertThat(body.path("object").asString()).isEqualTo("chat.completion");
        JsonNode choice = body.path("choices").path(0);
        assertThat(choice.path("message").path("role").asString()).isEqualTo("assistant");
        assertThat(choice.path("finish_reason").asString()).isIn("stop", "length");
        assertUsage(body.path("usage"));
    }

    @Test
    void streamsWithoutStreamOptionsAndStillEndsWithAFinishReason() throws Exception {
        // Without stream_options a fresh slot sends no usage, but a slot that served an include_usage request before
        // may
        // keep sending it (seen on build 11669); the gateway therefore always asks for usage upstream and never relies
        // on
        // its absence.
        List<JsonNode> chunks = stream(chatRequest(true, null));

        assertThat(chunks).isNotEmpty();
        assertThat(chunks)
                .allSatisfy(chunk -> assertThat(chunk.path("object").asString()).isEqualTo("chat.completion.chunk"));
        assertThat(chunks.stream()
                        .filter(c -> !c.path("choices").isEmpty())
                        .map(c ->
                                c.path("choices").path(0).path("finish_reason").asString(""))
                        .toList())
                .containsAnyOf("stop", "length");
    }

    @Test
    void streamsUsageInAFinalChunkWhenIncludeUsageIsSet() throws Exception {
        List<JsonNode> chunks = stream(chatRequest(true, true));

        assertThat(chunks).hasSizeGreaterThan(1);
        JsonNode last = chunks.getLast();
        assertThat(last.path("choices").isArray()).isTrue();
        assertThat(last.path("choices")).as("choices of the usage chunk").isEmpty();
        assertUsage(last.path("usage"));
        assertThat(chunks.subList(0, chunks.size() - 1))
                .allSatisfy(chunk -> assertThat(chunk.path("usage").isMissingNode()
                                || chunk.path("usage").isNull())
                        .as("usage before the final chunk in %s", chunk)
                        .isTrue());
        assertThat(chunks.get(chunks.size() - 2)
                        .path("choices")
                        .path(0)
                        .path("finish_reason")
                        .asString())
                .isIn("stop", "length");
    }

    @Test
    void streamsWithoutUsageWhenIncludeUsageIsFalse() throws Exception {
        List<JsonNode> chunks = stream(chatRequest(true, false));

        assertThat(chunks).isNotEmpty();
        assertThat(chunks)
                .noneSatisfy(chunk -> assertThat(chunk.path("usage").isObject()).isTrue());
    }

    private static void assertUsage(JsonNode usage) {
        assertThat(usage.isObject()).as("usage object").isTrue();
        int prompt = usage.path("prompt_tokens").asInt(-1);
        int completion = usage.path("completion_tokens").asInt(-1);
        assertThat(prompt).isPositive();
        assertThat(completion).isBetween(1, MAX_TOKENS);
        assertThat(usage.path("total_tokens").asInt(-1)).isEqualTo(prompt + completion);
    }

    /**
     * The {@code data:} payloads of an SSE response, in order, up to the {@code [DONE]} sentinel, which must come.
     *
     * <p>llama-server closes the connection after every streamed response although it advertises keep-alive, so a
     * stream gets a client of its own: a pooled connection reused right after a stream fails with no response.
     */
    private static List<JsonNode> stream(String request) throws Exception {
        try (HttpClient streamClient =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
            return readStream(streamClient.send(post(request), HttpResponse.BodyHandlers.ofLines()));
        }
    }

    private static List<JsonNode> readStream(HttpResponse<Stream<String>> response) {
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type"))
                .hasValueSatisfying(type -> assertThat(type).startsWith("text/event-stream"));
        List<JsonNode> chunks = new ArrayList<>();
        boolean done = false;
        try (Stream<String> lines = response.body()) {
            for (String line : (Iterable<String>) lines::iterator) {
                if (!line.startsWith("data:")) {
                    continue;
                }
                String data = line.substring("data:".length()).strip();
                assertThat(done).as("data after [DONE]: %s", data).isFalse();
                if (data.equals("[DONE]")) {
                    done = true;
                } else {
                    chunks.add(JSON.readTree(data));
                }
            }
        }
        assertThat(done).as("stream ended with [DONE]").isTrue();
        return chunks;
    }

    private static String chatRequest(boolean stream, Boolean includeUsage) {
        ObjectNode request = JSON.createObjectNode()
                .put("model", NativeLlamaServer.MODEL_ALIAS)
                .put("max_tokens", MAX_TOKENS)
                .put("temperature", 0)
                .put("seed", 7)
                .put("stream", stream);
        request.putArray("messages").addObject().put("role", "user").put("content", "Say hello to the cloud pool.");
        if (includeUsage != null) {
            request.putObject("stream_options").put("include_usage", includeUsage);
        }
        return JSON.writeValueAsString(request);
    }

    private static HttpRequest get(String path) {
        return HttpRequest.newBuilder(URI.create(base + path))
                .timeout(Duration.ofSeconds(30))
                .GET()
                .build();
    }

    private static HttpRequest post(String body) {
        return HttpRequest.newBuilder(URI.create(base + "/v1/chat/completions"))
                .timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
    }
}
