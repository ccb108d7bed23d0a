package dev.burstgate.engine.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.burstgate.engine.EngineLease;
import dev.burstgate.engine.LocalEngine;
import dev.burstgate.engine.TestModels;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/** The server over a real engine, through the JDK's HTTP client. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LocalEngineServerTest {

    private static final ObjectMapper JSON = JsonMapper.builder().build();
    private static final Instant NOW = Instant.parse("2026-01-02T03:04:05Z");

    private static LocalEngine engine;
    private static LocalEngineServer server;
    private static HttpClient http;

    @BeforeAll
    static void start() {
        engine = LocalEngine.start(TestModels.tinyConfig()
                .contextSize(1024)
                .parallel(2)
                .maxQueue(2)
                .build());
        server = LocalEngineServer.start(
                engine, ServerOptions.loopback().withModelId("tiny-node").withClock(InstantSource.fixed(NOW)));
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterAll
    static void stop() {
        server.close();
        engine.close();
        http.close();
    }

    @Test
    void listsTheServedModel() throws Exception {
        HttpResponse<String> res = get("/v1/models");

        assertThat(res.statusCode()).isEqualTo(200);
        JsonNode body = JSON.readTree(res.body());
        assertThat(body.get("object").stringValue()).isEqualTo("list");
        assertThat(body.get("data").get(0).get("id").stringValue()).isEqualTo("tiny-node");
        assertThat(body.get("data").get(0).get("meta").get("parallel").intValue())
                .isEqualTo(2);
    }

    @Test
    void healthReportsStatusAndSlots() throws Exception {
        HttpResponse<String> res = get("/health");

        assertThat(res.statusCode()).isEqualTo(200);
        JsonNode body = JSON.readTree(res.body());
        assertThat(body.get("status").stringValue()).isEqualTo("ok");
        assertThat(body.get("slots").get("capacity").intValue()).isEqualTo(2);
    }

    @Test
    void answersANonStreamedCompletionWithUsageAndFinishReason() throws Exception {
        HttpResponse<String> res = post("""
                {"model":"anything","messages":[{"role":"system","content":"Be brief."},
                 {"role":"user","content":"Hi"}],"max_tokens":12,"seed":3,"ignore_eos":true}""");

        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(res.headers().firstValue("content-type")).contains("application/json");
        JsonNode body = JSON.readTree(res.body());
        assertThat(body.get("object").stringValue()).isEqualTo("chat.completion");
        assertThat(body.get("model").stringValue()).isEqualTo("anything");
        assertThat(body.get("created").longValue()).isEqualTo(NOW.getEpochSecond());
        assertThat(body.get("id").stringValue()).startsWith("chatcmpl-");
        JsonNode choice = body.get("choices").get(0);
        assertThat(choice.get("message").get("role").stringValue()).isEqualTo("assistant");
        assertThat(choice.get("finish_reason").stringValue()).isEqualTo("length");
        JsonNode usage = body.get("usage");
        assertThat(usage.get("completion_tokens").intValue()).isEqualTo(12);
        assertThat(usage.get("prompt_tokens").intValue()).isPositive();
        assertThat(usage.get("total_tokens").intValue())
                .isEqualTo(usage.get("prompt_tokens").intValue() + 12);
    }

    @Test
    void streamsServerSentEventsWhoseDeltasEqualTheNonStreamedAnswer() throws Exception {
        String request = """
                {"messages":[{"role":"user","content":"Stream please"}],"max_tokens":30,"seed":9,
                 "ignore_eos":true%s}""";
        String whole = JSON.readTree(post(request.formatted("")).body())
                .get("choices")
                .get(0)
                .get("message")
                .get("content")
                .stringValue();

        HttpResponse<String> res =
                post(request.formatted(",\"stream\":true,\"stream_options\":{\"include_usage\":true}"));

        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(res.headers().firstValue("content-type"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
        List<String> data = dataLines(res.body());
        assertThat(data.getLast()).isEqualTo("[DONE]");
        List<JsonNode> events =
                data.subList(0, data.size() - 1).stream().map(JSON::readTree).toList();
        assertThat(events.getFirst()
                        .get("choices")
                        .get(0)
                        .get("delta")
                        .get("role")
                        .stringValue())
                .isEqualTo("assistant");
        StringBuilder text = new StringBuilder();
        for (JsonNode e : events) {
            assertThat(e.get("object").stringValue()).isEqualTo("chat.completion.chunk");
            JsonNode choices = e.get("choices");
            if (!choices.isEmpty() && choices.get(0).get("delta").has("content")) {
                text.append(choices.get(0).get("delta").get("content").stringValue());
            }
        }
        assertThat(text.toString()).isEqualTo(whole);
        JsonNode finish = events.get(events.size() - 2);
        assertThat(finish.get("choices").get(0).get("finish_reason").stringValue())
                .isEqualTo("length");
        JsonNode usage = events.getLast();
        assertThat(usage.get("choices")).isEmpty();
        assertThat(usage.get("usage").get("completion_tokens").intValue()).isEqualTo(30);
    }

    @Test
    void aStreamWithoutIncludeUsageCarriesNoUsage() throws Exception {
        HttpResponse<String> res = post("""
                {"messages":[{"role":"user","content":"x"}],"max_tokens":3,"stream":true}""");

        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(res.body()).doesNotContain("\"usage\"").endsWith("data: [DONE]\n\n");
    }

    @Test
    void streamedBytesAreStrictlyValidUtf8AndEveryEventIsValidJson() throws Exception {
        HttpRequest req = HttpRequest.newBuilder(server.baseUri().resolve("/v1/chat/completions"))
                .POST(HttpRequest.BodyPublishers.ofString("""
                        {"messages":[{"role":"user","content":"bytes"}],"max_tokens":200,"seed":5,
                         "ignore_eos":true,"stream":true}"""))
                .build();
        byte[] raw = http.send(req, HttpResponse.BodyHandlers.ofByteArray()).body();

        String text = StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(raw))
                .toString();
        List<String> data = dataLines(text);
        assertThat(data).hasSizeGreaterThan(10);
        for (String d : data.subList(0, data.size() - 1)) {
            assertThat(JSON.readTree(d).isObject()).isTrue();
        }
    }

    @Test
    void malformedJsonGets400InTheOpenAiErrorShape() throws Exception {
        HttpResponse<String> res = post("{\"messages\": [");

        assertThat(res.statusCode()).isEqualTo(400);
        JsonNode error = JSON.readTree(res.body()).get("error");
        assertThat(error.get("type").stringValue()).isEqualTo("invalid_request_error");
        assertThat(error.get("message").stringValue()).contains("not valid JSON");
        assertThat(error.has("param")).isTrue();
        assertThat(error.has("code")).isTrue();
    }

    @Test
    void anOutOfRangeFieldGets400NamingTheParam() throws Exception {
        HttpResponse<String> res = post("""
                {"messages":[{"role":"user","content":"x"}],"temperature":7}""");

        assertThat(res.statusCode()).isEqualTo(400);
        JsonNode error = JSON.readTree(res.body()).get("error");
        assertThat(error.get("param").stringValue()).isEqualTo("temperature");
        assertThat(error.get("message").stringValue()).contains("[0, 2]").contains("7");
    }

    @Test
    void anUnknownRoleGets400NamingTheMessage() throws Exception {
        HttpResponse<String> res = post("""
                {"messages":[{"role":"user","content":"x"},{"role":"robot","content":"y"}]}""");

        assertThat(res.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(res.body()).get("error").get("param").stringValue())
                .isEqualTo("messages[1].role");
    }

    @Test
    void aPromptLargerThanASlotGets400BeforeAnyStreamStarts() throws Exception {
        String big = "word ".repeat(2000);
        HttpResponse<String> res =
                post("{\"messages\":[{\"role\":\"user\",\"content\":\"" + big + "\"}],\"stream\":true}");

        assertThat(res.statusCode()).isEqualTo(400);
        JsonNode error = JSON.readTree(res.body()).get("error");
        assertThat(error.get("code").stringValue()).isEqualTo("context_length_exceeded");
        assertThat(engine.stats().activeSlots()).isZero();
    }

    @Test
    void anUnknownRouteGets404InTheSameShape() throws Exception {
        HttpResponse<String> res = get("/v1/nothing-here");

        assertThat(res.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(res.body()).get("error").get("message").stringValue())
                .contains("/v1/nothing-here");
    }

    @Test
    void theWrongMethodGets405() throws Exception {
        assertThat(get("/v1/chat/completions").statusCode()).isEqualTo(405);
    }

    @Test
    void aFullEngineAnswers503WithRetryAfter() throws Exception {
        List<EngineLease> held = new ArrayList<>();
        try {
            engine.tryAdmit().ifPresent(held::add);
            engine.tryAdmit().ifPresent(held::add);
            engine.tryAdmit().ifPresent(held::add);
            engine.tryAdmit().ifPresent(held::add);
            assertThat(engine.tryAdmit()).isEmpty();

            HttpResponse<String> res = post("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");

            assertThat(res.statusCode()).isEqualTo(503);
            assertThat(res.headers().firstValue("retry-after")).isPresent();
            assertThat(JSON.readTree(res.body()).get("error").get("code").stringValue())
                    .isEqualTo("engine_busy");
        } finally {
            held.forEach(EngineLease::close);
        }
    }

    @Test
    void aClientThatDisconnectsMidStreamFreesItsSlot() throws Exception {
        HttpRequest req = HttpRequest.newBuilder(server.baseUri().resolve("/v1/chat/completions"))
                .POST(HttpRequest.BodyPublishers.ofString("""
                        {"messages":[{"role":"user","content":"long"}],"max_tokens":900,"ignore_eos":true,
                         "stream":true}"""))
                .build();
        HttpResponse<InputStream> res = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(res.body(), StandardCharsets.UTF_8))) {
            assertThat(reader.readLine()).startsWith("data: ");
            assertThat(engine.stats().activeSlots()).isEqualTo(1);
        }

        await().atMost(Duration.ofSeconds(5))
                .pollInterval(Duration.ofMillis(10))
                .untilAsserted(() -> assertThat(engine.stats().activeSlots()).isZero());
    }

    @Test
    void anEmbeddedNodeOnPortZeroReportsItsPortAndRefusesConnectionsAfterClose() throws Exception {
        LocalEngineServer node = LocalEngineServer.start(engine, ServerOptions.loopback());
        URI base = node.baseUri();
        assertThat(node.port()).isPositive().isNotEqualTo(server.port());
        assertThat(http.send(
                                HttpRequest.newBuilder(base.resolve("/health")).build(),
                                HttpResponse.BodyHandlers.ofString())
                        .statusCode())
                .isEqualTo(200);

        node.close();

        assertThat(node.isRunning()).isFalse();
        HttpClient fresh = HttpClient.newHttpClient();
        assertThatThrownBy(() -> fresh.send(
                        HttpRequest.newBuilder(base.resolve("/health")).build(), HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(ConnectException.class);
        fresh.close();
        // the shared engine and the other server are unaffected
        assertThat(get("/health").statusCode()).isEqualTo(200);
    }

    private static HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(
                HttpRequest.newBuilder(server.baseUri().resolve(path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(String body) throws IOException, InterruptedException {
        return http.send(
                HttpRequest.newBuilder(server.baseUri().resolve("/v1/chat/completions"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static List<String> dataLines(String sse) {
        List<String> out = new ArrayList<>();
        for (String block : sse.split("\n\n")) {
            if (block.startsWith("data: ")) {
                out.add(block.substring("data: ".length()));
            }
        }
        return out;
    }
}
