package dev.burstgate.engine.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.burstgate.engine.LocalEngine;
import dev.burstgate.engine.TestModels;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
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

/** Tools and structured outputs in the OpenAI wire shape. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ServerToolsTest {

    private static final ObjectMapper JSON = JsonMapper.builder().build();
    private static final String TOOLS = """
            "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Weather in a city",
              "parameters": {"type": "object", "properties": {"city": {"type": "string", "maxLength": 10}},
                             "required": ["city"], "additionalProperties": false}}}]
            """;

    private static LocalEngine engine;
    private static LocalEngineServer server;
    private static HttpClient http;

    @BeforeAll
    static void start() {
        engine = LocalEngine.start(
                TestModels.tinyConfig().contextSize(2048).parallel(1).build());
        server = LocalEngineServer.start(engine, ServerOptions.loopback().withModelId("tiny-node"));
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterAll
    static void stop() {
        server.close();
        engine.close();
        http.close();
    }

    @Test
    void aRequiredToolCallComesBackInTheOpenAiShape() throws Exception {
        HttpResponse<String> res = post("""
                {"messages": [{"role": "user", "content": "Weather in Oslo?"}], %s,
                 "tool_choice": "required", "parallel_tool_calls": false, "max_tokens": 200, "seed": 4}
                """.formatted(TOOLS));

        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        JsonNode choice = JSON.readTree(res.body()).get("choices").get(0);
        assertThat(choice.get("finish_reason").stringValue()).isEqualTo("tool_calls");
        JsonNode message = choice.get("message");
        assertThat(message.get("content").isNull()).isTrue();
        JsonNode call = message.get("tool_calls").get(0);
        assertThat(call.get("id").stringValue()).startsWith("call_");
        assertThat(call.get("type").stringValue()).isEqualTo("function");
        assertThat(call.get("function").get("name").stringValue()).isEqualTo("get_weather");
        JsonNode args = JSON.readTree(call.get("function").get("arguments").stringValue());
        assertThat(args.get("city").isString()).isTrue();
    }

    @Test
    void aStreamedToolCallArrivesAsIndexedDeltas() throws Exception {
        HttpResponse<String> res = post("""
                {"messages": [{"role": "user", "content": "Weather in Oslo?"}], %s,
                 "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
                 "max_tokens": 200, "seed": 5, "stream": true}
                """.formatted(TOOLS));

        assertThat(res.statusCode()).isEqualTo(200);
        List<JsonNode> chunks = new ArrayList<>();
        for (String block : res.body().split("\n\n")) {
            if (block.startsWith("data: {")) {
                chunks.add(JSON.readTree(block.substring(6)));
            }
        }
        JsonNode last = chunks.get(chunks.size() - 1).get("choices").get(0);
        assertThat(last.get("finish_reason").stringValue()).isEqualTo("tool_calls");
        JsonNode call = last.get("delta").get("tool_calls").get(0);
        assertThat(call.get("index").intValue()).isZero();
        assertThat(call.get("id").stringValue()).startsWith("call_");
        assertThat(call.get("function").get("name").stringValue()).isEqualTo("get_weather");
        assertThat(JSON.readTree(call.get("function").get("arguments").stringValue())
                        .isObject())
                .isTrue();
        assertThat(res.body()).endsWith("data: [DONE]\n\n");
    }

    @Test
    void aToolResultConversationAndAJsonSchemaAnswer() throws Exception {
        HttpResponse<String> res = post("""
                {"messages": [
                   {"role": "user", "content": "Weather in Oslo?"},
                   {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function",
                     "function": {"name": "get_weather", "arguments": "{\\"city\\": \\"Oslo\\"}"}}]},
                   {"role": "tool", "tool_call_id": "call_1", "content": "snow"}], %s,
                 "tool_choice": "none", "max_tokens": 200, "seed": 6,
                 "response_format": {"type": "json_schema", "json_schema": {"name": "w", "strict": true,
                   "schema": {"type": "object", "properties": {"summary": {"type": "string", "maxLength": 20}},
                              "required": ["summary"], "additionalProperties": false}}}}
                """.formatted(TOOLS));

        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        JsonNode choice = JSON.readTree(res.body()).get("choices").get(0);
        assertThat(choice.get("finish_reason").stringValue()).isEqualTo("stop");
        JsonNode answer = JSON.readTree(choice.get("message").get("content").stringValue());
        assertThat(answer.get("summary")
                        .stringValue()
                        .codePointCount(0, answer.get("summary").stringValue().length()))
                .isLessThanOrEqualTo(20);
    }

    @Test
    void badToolsAndSchemasAre400sInTheOpenAiErrorShape() throws Exception {
        for (String body : List.of(
                "{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}], \"response_format\": {\"type\": "
                        + "\"json_schema\", \"json_schema\": {\"name\": \"n\", \"schema\": {\"type\": \"foo\"}}}}",
                "{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}], \"tools\": [{\"type\": \"function\", "
                        + "\"function\": {\"name\": \"f\", \"parameters\": {\"type\": 5}}}]}",
                "{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}], \"tools\": [{\"type\": \"function\"}]}",
                "{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}], " + TOOLS
                        + ", \"tool_choice\": {\"type\": \"function\", \"function\": {\"name\": \"nope\"}}}",
                "{\"messages\": [{\"role\": \"tool\", \"content\": \"x\"}]}",
                "{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}, {\"role\": \"tool\", "
                        + "\"tool_call_id\": \"c\", \"content\": \"orphan\"}]}")) {
            HttpResponse<String> res = post(body);
            assertThat(res.statusCode()).as(body + " -> " + res.body()).isEqualTo(400);
            JsonNode error = JSON.readTree(res.body()).get("error");
            assertThat(error.get("type").stringValue()).isEqualTo("invalid_request_error");
            assertThat(error.get("message").stringValue()).isNotBlank();
        }
        assertThat(post("{\"messages\": [{\"role\": \"user\", \"content\": \"alive?\"}], \"max_tokens\": 3}")
                        .statusCode())
                .isEqualTo(200);
    }

    private static HttpResponse<String> post(String body) throws IOException, InterruptedException {
        return http.send(
                HttpRequest.newBuilder(server.baseUri().resolve("/v1/chat/completions"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
