package dev.burstgate.gateway.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.HttpResponseFor;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionContentPart;
import com.openai.models.chat.completions.ChatCompletionContentPartImage;
import com.openai.models.chat.completions.ChatCompletionContentPartText;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionMessage;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import dev.burstgate.gateway.tenant.TenantRegistry;
import dev.burstgate.gateway.testsupport.GatewayIT;
import dev.burstgate.gateway.testsupport.PaidApiMock;
import dev.burstgate.gateway.testsupport.TestGateway;
import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.TokenStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Agents through the gateway on a remote tier: the official OpenAI Java SDK and a LangChain4j {@code @Tool} AI service
 * run a two-turn tool loop, streamed and not, against a cloud node that answers with tool calls. The tools, the
 * assistant's calls and the tool results reach the node as the client wrote them; the calls come back intact; every
 * turn is priced as cloud.
 */
@GatewayIT(cloudMock = true)
class RemoteToolLoopIT {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** The SDK derives the function's name and JSON Schema from this class. */
    public record GetWeather(String city) {}

    OpenAIClient client;
    PaidApiMock cloud;

    @BeforeEach
    void connect(TestGateway gateway) {
        client = OpenAIOkHttpClient.builder()
                .apiKey(TenantRegistry.DEMO_KEY)
                .baseUrl(gateway.url("/v1"))
                .maxRetries(0)
                .build();
        cloud = gateway.cloud();
        cloud.reset();
        cloud.callingTool("GetWeather", "{\"city\":\"Paris\"}").answering("Sunny in Paris.", 30, 8);
    }

    @AfterEach
    void close() {
        client.close();
    }

    private static ChatCompletionCreateParams.Builder firstTurn() {
        return ChatCompletionCreateParams.builder()
                .model("cloud")
                .addUserMessage("What is the weather in Paris?")
                .addTool(GetWeather.class)
                .maxCompletionTokens(64);
    }

    @Test
    void theOpenAiSdkRunsAToolLoop() {
        ChatCompletionCreateParams.Builder params = firstTurn();
        ChatCompletion first;
        try (HttpResponseFor<ChatCompletion> raw =
                client.chat().completions().withRawResponse().create(params.build())) {
            assertThat(raw.headers().values("X-Burstgate-Tier")).containsExactly("cloud");
            first = raw.parse();
        }
        ChatCompletionMessage message = first.choices().get(0).message();
        assertThat(first.choices().get(0).finishReason().asString()).isEqualTo("tool_calls");
        assertThat(message.toolCalls())
                .hasValueSatisfying(calls -> assertThat(calls).hasSize(1));
        ChatCompletionMessageFunctionToolCall call =
                message.toolCalls().orElseThrow().get(0).asFunction();
        assertThat(call.function().name()).isEqualTo("GetWeather");
        assertThat(call.function().arguments(GetWeather.class)).isEqualTo(new GetWeather("Paris"));
        assertThat(cost(first)).isEqualTo(0.18);

        params.addMessage(message)
                .addMessage(ChatCompletionToolMessageParam.builder()
                        .toolCallId(call.id())
                        .content("21 C, sunny")
                        .build());
        ChatCompletion second = client.chat().completions().create(params.build());
        assertThat(second.choices().get(0).message().content()).contains("Sunny in Paris.");
        assertThat(second.choices().get(0).finishReason().asString()).isEqualTo("stop");
        assertThat(cost(second)).isEqualTo(0.18);

        List<PaidApiMock.Received> received = cloud.received();
        assertThat(received).hasSize(2);
        JsonNode up1 = JSON.readTree(received.get(0).body());
        assertThat(up1.at("/tools/0/type").asString()).isEqualTo("function");
        assertThat(up1.at("/tools/0/function/name").asString()).isEqualTo("GetWeather");
        assertThat(up1.at("/tools/0/function/parameters/properties/city/type").asString())
                .isEqualTo("string");
        JsonNode up2 = JSON.readTree(received.get(1).body());
        assertThat(up2.at("/messages/1/role").asString()).isEqualTo("assistant");
        assertThat(up2.at("/messages/1/tool_calls/0/id").asString()).isEqualTo(call.id());
        assertThat(up2.at("/messages/1/tool_calls/0/function/arguments").asString())
                .isEqualTo("{\"city\":\"Paris\"}");
        assertThat(up2.at("/messages/2/role").asString()).isEqualTo("tool");
        assertThat(up2.at("/messages/2/tool_call_id").asString()).isEqualTo(call.id());
        assertThat(up2.at("/messages/2/content").asString()).isEqualTo("21 C, sunny");
    }

    @Test
    void theOpenAiSdkRunsAStreamedToolLoop() {
        ChatCompletionCreateParams.Builder params = firstTurn()
                .streamOptions(
                        ChatCompletionStreamOptions.builder().includeUsage(true).build());
        ChatCompletionAccumulator acc = ChatCompletionAccumulator.create();
        try (StreamResponse<ChatCompletionChunk> stream =
                client.chat().completions().createStreaming(params.build())) {
            stream.stream().forEach(acc::accumulate);
        }
        ChatCompletion first = acc.chatCompletion();
        assertThat(first.choices().get(0).finishReason().asString()).isEqualTo("tool_calls");
        ChatCompletionMessageFunctionToolCall call = first.choices()
                .get(0)
                .message()
                .toolCalls()
                .orElseThrow()
                .get(0)
                .asFunction();
        assertThat(call.function().arguments(GetWeather.class)).isEqualTo(new GetWeather("Paris"));
        assertThat(cost(first)).isEqualTo(0.18);

        params.addMessage(first.choices().get(0).message())
                .addMessage(ChatCompletionToolMessageParam.builder()
                        .toolCallId(call.id())
                        .content("21 C, sunny")
                        .build());
        ChatCompletionAccumulator acc2 = ChatCompletionAccumulator.create();
        try (StreamResponse<ChatCompletionChunk> stream =
                client.chat().completions().createStreaming(params.build())) {
            stream.stream().forEach(acc2::accumulate);
        }
        ChatCompletion second = acc2.chatCompletion();
        assertThat(second.choices().get(0).message().content()).contains("Sunny in Paris.");
        assertThat(cost(second)).isEqualTo(0.18);
    }

    /** LangChain4j's tool: the model (the cloud node) calls it, the framework runs it and sends its result back. */
    public static final class WeatherTools {
        final List<String> asked = new CopyOnWriteArrayList<>();

        @Tool("The current weather in a city")
        public String weather(String city) {
            asked.add(city);
            return "21 C, sunny";
        }
    }

    interface Assistant {
        String chat(String message);
    }

    interface StreamingAssistant {
        TokenStream chat(String message);
    }

    @Test
    void aLangChain4jToolServiceRunsItsLoop(TestGateway gateway) {
        cloud.callingTool("weather", "{\"city\":\"Paris\"}");
        WeatherTools tools = new WeatherTools();
        Assistant assistant = AiServices.builder(Assistant.class)
                .chatModel(OpenAiChatModel.builder()
                        .baseUrl(gateway.url("/v1"))
                        .apiKey(TenantRegistry.DEMO_KEY)
                        .modelName("cloud")
                        .maxRetries(0)
                        .timeout(Duration.ofSeconds(30))
                        .build())
                .tools(tools)
                .build();
        assertThat(assistant.chat("What is the weather in Paris?")).isEqualTo("Sunny in Paris.");
        assertThat(tools.asked).containsExactly("Paris");
        assertThat(cloud.received()).hasSize(2);
        assertThat(JSON.readTree(cloud.received().get(1).body())
                        .at("/messages/2/content")
                        .asString())
                .isEqualTo("21 C, sunny");
    }

    @Test
    void aStreamingLangChain4jToolServiceRunsItsLoop(TestGateway gateway) throws Exception {
        cloud.callingTool("weather", "{\"city\":\"Paris\"}");
        WeatherTools tools = new WeatherTools();
        StreamingAssistant assistant = AiServices.builder(StreamingAssistant.class)
                .streamingChatModel(OpenAiStreamingChatModel.builder()
                        .baseUrl(gateway.url("/v1"))
                        .apiKey(TenantRegistry.DEMO_KEY)
                        .modelName("cloud")
                        .timeout(Duration.ofSeconds(30))
                        .build())
                .tools(tools)
                .build();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        assistant
                .chat("What is the weather in Paris?")
                .onPartialResponse(s -> {})
                .onCompleteResponse(done::complete)
                .onError(done::completeExceptionally)
                .start();
        ChatResponse response = done.get(60, TimeUnit.SECONDS);
        assertThat(response.aiMessage().text()).isEqualTo("Sunny in Paris.");
        assertThat(tools.asked).containsExactly("Paris");
    }

    @Test
    void anImageReachesAVisionCapableRemoteTierAndIsRefusedOnTheLocalOne() {
        String image =
                "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";
        List<ChatCompletionContentPart> parts = List.of(
                ChatCompletionContentPart.ofText(ChatCompletionContentPartText.builder()
                        .text("What is in this picture?")
                        .build()),
                ChatCompletionContentPart.ofImageUrl(ChatCompletionContentPartImage.builder()
                        .imageUrl(ChatCompletionContentPartImage.ImageUrl.builder()
                                .url(image)
                                .build())
                        .build()));
        cloud.callingTool("none_declared", "{}");
        ChatCompletion c = client.chat()
                .completions()
                .create(ChatCompletionCreateParams.builder()
                        .model("auto")
                        .addUserMessageOfArrayOfContentParts(parts)
                        .build());
        assertThat(c.choices().get(0).message().content()).contains("Sunny in Paris.");
        JsonNode up = JSON.readTree(cloud.received().get(0).body());
        assertThat(up.at("/messages/0/content/1/image_url/url").asString()).isEqualTo(image);

        assertThatThrownBy(() -> client.chat()
                        .completions()
                        .create(ChatCompletionCreateParams.builder()
                                .model("local")
                                .addUserMessageOfArrayOfContentParts(parts)
                                .build()))
                .isInstanceOfSatisfying(BadRequestException.class, e -> {
                    assertThat(e.code()).contains("unsupported_by_tiers");
                    assertThat(e.param()).contains("messages[0].content[1]");
                    assertThat(e.getMessage()).contains("local tier cannot serve this request: needs image content");
                });
    }

    @Test
    void theModelsListSaysWhatEachTierServes(TestGateway gateway) {
        byte[] body = gateway.client()
                .get()
                .uri("/v1/models")
                .header("Authorization", "Bearer " + TenantRegistry.DEMO_KEY)
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .returnResult()
                .getResponseBody();
        JsonNode models = JSON.readTree(body).path("data");
        java.util.Map<String, JsonNode> byId = new java.util.HashMap<>();
        models.forEach(m -> byId.put(m.path("id").asString(), m.path("burstgate")));
        assertThat(byId.get("local").path("capabilities").toString()).isEqualTo("[\"tools\",\"json-schema\"]");
        assertThat(byId.get("local").path("context_tokens").asLong()).isPositive();
        assertThat(byId.get("cloud").path("capabilities").toString())
                .contains("\"vision\"", "\"tools\"", "\"logprobs\"");
        assertThat(byId.get("cloud").path("context_tokens").isNull()).isTrue();
        assertThat(byId.get("auto").has("capabilities")).isFalse();
    }

    private static double cost(ChatCompletion c) {
        JsonValue cost = c.usage().orElseThrow()._additionalProperties().get("cost");
        assertThat(cost).isNotNull();
        return cost.convert(Double.class);
    }
}
