package dev.burstgate.gateway.clients;

import static org.assertj.core.api.Assertions.assertThat;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.HttpResponseFor;
import com.openai.core.http.StreamResponse;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionFunctionTool;
import com.openai.models.chat.completions.ChatCompletionMessage;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionNamedToolChoice;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.chat.completions.ChatCompletionToolChoiceOption;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import com.openai.models.chat.completions.StructuredChatCompletion;
import dev.burstgate.gateway.tenant.TenantRegistry;
import dev.burstgate.gateway.testsupport.GatewayIT;
import dev.burstgate.gateway.testsupport.TestGateway;
import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ToolChoice;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.Result;
import dev.langchain4j.service.TokenStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Agents on the local tier, the generated random-weight model in the gateway's process: the official OpenAI Java SDK
 * and a LangChain4j {@code @Tool} AI service run a two-turn tool loop, streamed and not. The model's chat template
 * renders the tools and the tool results; its call is grammar-constrained, so the arguments always parse into the
 * tool's parameters, whatever the weights say. A random model never chooses to call on its own, so the clients ask for
 * a call in the first turn ({@code tool_choice}) and for an answer in the second, as agent code that forces its first
 * step does.
 */
@GatewayIT(localTier = true, legacyMock = false)
class LocalToolLoopIT {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /**
     * The city's name is bounded, so the constrained call always ends within the token limit (the generated model
     * spells JSON about a character a token: a call takes some 90 tokens).
     */
    private static final ChatCompletionFunctionTool WEATHER = ChatCompletionFunctionTool.builder()
            .function(FunctionDefinition.builder()
                    .name("get_weather")
                    .description("The current weather in a city")
                    .parameters(FunctionParameters.builder()
                            .putAdditionalProperty("type", JsonValue.from("object"))
                            .putAdditionalProperty(
                                    "properties",
                                    JsonValue.from(Map.of(
                                            "city", Map.of("type", "string", "maxLength", 12),
                                            "unit",
                                                    Map.of(
                                                            "type",
                                                            "string",
                                                            "enum",
                                                            List.of("celsius", "fahrenheit")))))
                            .putAdditionalProperty("required", JsonValue.from(List.of("city", "unit")))
                            .putAdditionalProperty("additionalProperties", JsonValue.from(false))
                            .build())
                    .strict(true)
                    .build())
            .build();

    OpenAIClient client;

    @BeforeEach
    void connect(TestGateway gateway) {
        client = OpenAIOkHttpClient.builder()
                .apiKey(TenantRegistry.DEMO_KEY)
                .baseUrl(gateway.url("/v1"))
                .maxRetries(0)
                .build();
    }

    @AfterEach
    void close() {
        client.close();
    }

    private static ChatCompletionCreateParams.Builder firstTurn() {
        return ChatCompletionCreateParams.builder()
                .model("local")
                .addUserMessage("What is the weather in Paris?")
                .addTool(WEATHER)
                .toolChoice(ChatCompletionNamedToolChoice.builder()
                        .function(ChatCompletionNamedToolChoice.Function.builder()
                                .name("get_weather")
                                .build())
                        .build())
                .parallelToolCalls(false)
                .seed(7)
                .maxCompletionTokens(400);
    }

    private static void assertValidArguments(ChatCompletionMessageFunctionToolCall call) {
        assertThat(call.id()).startsWith("call_");
        assertThat(call.function().name()).isEqualTo("get_weather");
        JsonNode args = JSON.readTree(call.function().arguments());
        assertThat(args.isObject()).isTrue();
        assertThat(args.propertyNames()).containsExactlyInAnyOrder("city", "unit");
        assertThat(args.get("city").isString()).isTrue();
        String city = args.get("city").asString();
        // JSON Schema counts characters (code points), not UTF-16 units: an escaped emoji is one character
        assertThat(city.codePointCount(0, city.length())).as("city %s", city).isLessThanOrEqualTo(12);
        assertThat(args.get("unit").asString()).isIn("celsius", "fahrenheit");
    }

    private static ChatCompletionCreateParams.Builder secondTurn(
            ChatCompletionCreateParams.Builder params, ChatCompletionMessage message, String callId) {
        return params.addMessage(message)
                .addMessage(ChatCompletionToolMessageParam.builder()
                        .toolCallId(callId)
                        .content("21 degrees, sunny")
                        .build())
                .toolChoice(ChatCompletionToolChoiceOption.Auto.NONE)
                .maxCompletionTokens(8);
    }

    @Test
    void theOpenAiSdkRunsAToolLoopOnTheLocalTier() {
        ChatCompletionCreateParams.Builder params = firstTurn();
        ChatCompletion first;
        try (HttpResponseFor<ChatCompletion> raw =
                client.chat().completions().withRawResponse().create(params.build())) {
            assertThat(raw.headers().values("X-Burstgate-Tier")).containsExactly("local");
            first = raw.parse();
        }
        assertThat(first.choices().get(0).finishReason().asString()).isEqualTo("tool_calls");
        ChatCompletionMessage message = first.choices().get(0).message();
        assertThat(message.toolCalls().orElseThrow()).hasSize(1);
        ChatCompletionMessageFunctionToolCall call =
                message.toolCalls().orElseThrow().get(0).asFunction();
        assertValidArguments(call);
        assertThat(cost(first)).isEqualTo(0.02);

        ChatCompletion second;
        try (HttpResponseFor<ChatCompletion> raw = client.chat()
                .completions()
                .withRawResponse()
                .create(secondTurn(params, message, call.id()).build())) {
            assertThat(raw.headers().values("X-Burstgate-Tier")).containsExactly("local");
            second = raw.parse();
        }
        assertThat(second.choices().get(0).finishReason().asString()).isIn("stop", "length");
        assertThat(second.choices().get(0).message().toolCalls().orElse(List.of()))
                .isEmpty();
        assertThat(second.choices().get(0).message().content()).isPresent();
        // the tool's result was rendered into the prompt: the second prompt is longer than the first by its turns
        assertThat(second.usage().orElseThrow().promptTokens())
                .isGreaterThan(first.usage().orElseThrow().promptTokens());
    }

    @Test
    void theOpenAiSdkRunsAStreamedToolLoopOnTheLocalTier() {
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
        assertValidArguments(call);
        assertThat(cost(first)).isEqualTo(0.02);

        ChatCompletionAccumulator acc2 = ChatCompletionAccumulator.create();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat()
                .completions()
                .createStreaming(secondTurn(params, first.choices().get(0).message(), call.id())
                        .build())) {
            stream.stream().forEach(acc2::accumulate);
        }
        ChatCompletion second = acc2.chatCompletion();
        assertThat(second.choices().get(0).finishReason().asString()).isIn("stop", "length");
        assertThat(second.choices().get(0).message().toolCalls().orElse(List.of()))
                .isEmpty();
        assertThat(cost(second)).isEqualTo(0.02);
    }

    /**
     * A structured answer: every field bounded by its type, so the constrained answer always ends in time. The count is
     * a {@code long}: the schema says "integer", and a JSON integer of up to 16 digits is one.
     */
    public record Inventory(long count, Colour colour, boolean inStock) {
        public enum Colour {
            RED,
            GREEN,
            BLUE
        }
    }

    @Test
    void theOpenAiSdksStructuredOutputsParseOnTheLocalTier() {
        for (long seed = 1; seed <= 5; seed++) {
            StructuredChatCompletion<Inventory> answer = client.chat()
                    .completions()
                    .create(ChatCompletionCreateParams.builder()
                            .model("local")
                            .addUserMessage("How many red balls are in stock?")
                            .responseFormat(Inventory.class)
                            .seed(seed)
                            .maxCompletionTokens(200)
                            .build());
            assertThat(answer.choices().get(0).finishReason().asString()).isEqualTo("stop");
            Inventory inventory = answer.choices().get(0).message().content().orElseThrow();
            assertThat(inventory.colour()).isNotNull();
        }
    }

    /** LangChain4j's tool; its parameter is an enum, so the schema bounds the call. */
    public static final class WeatherTools {
        public enum City {
            PARIS,
            LONDON,
            TOKYO
        }

        final List<City> asked = new CopyOnWriteArrayList<>();

        @Tool("The current weather in a city")
        public String weather(City city) {
            asked.add(city);
            return "21 degrees, sunny";
        }
    }

    interface Assistant {
        Result<String> chat(String message);
    }

    interface StreamingAssistant {
        TokenStream chat(String message);
    }

    /** The first step must call a tool; once a tool has answered, the model must answer in text. */
    private static ChatRequest firstStepCallsATool(ChatRequest request) {
        boolean afterTool = request.messages().getLast() instanceof ToolExecutionResultMessage;
        boolean fromUser = request.messages().getLast() instanceof UserMessage;
        return request.toBuilder()
                .toolChoice(afterTool ? ToolChoice.NONE : fromUser ? ToolChoice.REQUIRED : ToolChoice.AUTO)
                .build();
    }

    @Test
    void aLangChain4jToolServiceRunsItsLoopOnTheLocalTier(TestGateway gateway) {
        WeatherTools tools = new WeatherTools();
        Assistant assistant = AiServices.builder(Assistant.class)
                .chatModel(OpenAiChatModel.builder()
                        .baseUrl(gateway.url("/v1"))
                        .apiKey(TenantRegistry.DEMO_KEY)
                        .modelName("local")
                        .maxCompletionTokens(400)
                        .parallelToolCalls(false)
                        .seed(11)
                        .maxRetries(0)
                        .timeout(Duration.ofSeconds(60))
                        .build())
                .chatRequestTransformer(LocalToolLoopIT::firstStepCallsATool)
                .tools(tools)
                .maxSequentialToolsInvocations(3)
                .build();
        Result<String> result = assistant.chat("What is the weather in Paris?");
        assertThat(tools.asked).hasSize(1);
        assertThat(result.toolExecutions()).hasSize(1);
        assertThat(result.toolExecutions().get(0).result()).isEqualTo("21 degrees, sunny");
        assertThat(result.content()).isNotNull();
    }

    @Test
    void aStreamingLangChain4jToolServiceRunsItsLoopOnTheLocalTier(TestGateway gateway) throws Exception {
        WeatherTools tools = new WeatherTools();
        StreamingAssistant assistant = AiServices.builder(StreamingAssistant.class)
                .streamingChatModel(OpenAiStreamingChatModel.builder()
                        .baseUrl(gateway.url("/v1"))
                        .apiKey(TenantRegistry.DEMO_KEY)
                        .modelName("local")
                        .maxCompletionTokens(400)
                        .parallelToolCalls(false)
                        .seed(11)
                        .timeout(Duration.ofSeconds(60))
                        .build())
                .chatRequestTransformer(LocalToolLoopIT::firstStepCallsATool)
                .tools(tools)
                .maxSequentialToolsInvocations(3)
                .build();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        assistant
                .chat("What is the weather in Paris?")
                .onPartialResponse(s -> {})
                .onCompleteResponse(done::complete)
                .onError(done::completeExceptionally)
                .start();
        ChatResponse response = done.get(120, TimeUnit.SECONDS);
        assertThat(tools.asked).hasSize(1);
        assertThat(response.aiMessage().hasToolExecutionRequests()).isFalse();
    }

    private static double cost(ChatCompletion c) {
        JsonValue cost = c.usage().orElseThrow()._additionalProperties().get("cost");
        assertThat(cost).isNotNull();
        return cost.convert(Double.class);
    }
}
