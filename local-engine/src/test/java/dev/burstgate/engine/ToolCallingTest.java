package dev.burstgate.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.burstgate.engine.model.TinyModelGenerator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/** Tools on the generated model, through its own chat template's Hermes-style tool format. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ToolCallingTest {

    static final String WEATHER_SCHEMA = """
            {"type": "object",
             "properties": {"city": {"type": "string", "maxLength": 12}, "unit": {"enum": ["c", "f"]}},
             "required": ["city", "unit"], "additionalProperties": false}
            """;
    static final String ADD_SCHEMA = """
            {"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
             "required": ["a", "b"], "additionalProperties": false}
            """;
    static final Tool WEATHER = new Tool("get_weather", "Current weather in a city", WEATHER_SCHEMA, true);
    static final Tool ADD = new Tool("add", "Adds two integers", ADD_SCHEMA);

    private static final ObjectMapper JSON = JsonMapper.builder().build();
    private static final SchemaRegistry SCHEMAS = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
    private static final Map<String, Schema> BY_NAME =
            Map.of("get_weather", SCHEMAS.getSchema(WEATHER_SCHEMA), "add", SCHEMAS.getSchema(ADD_SCHEMA));

    private static LocalEngine engine;

    @BeforeAll
    static void start() {
        engine = LocalEngine.start(
                TestModels.tinyConfig().contextSize(4096).parallel(2).build());
    }

    @AfterAll
    static void stop() {
        engine.close();
    }

    private static ChatRequest.Builder ask(long seed) {
        return ChatRequest.builder()
                .system("You are helpful.")
                .user("What is the weather in Paris?")
                .tools(List.of(WEATHER, ADD))
                .maxTokens(400)
                .seed(seed);
    }

    private static void assertValidCalls(ChatResult result) {
        assertThat(result.finishReason()).as("%s", result).isEqualTo(FinishReason.TOOL_CALLS);
        assertThat(result.toolCalls()).isNotEmpty();
        for (ToolCall call : result.toolCalls()) {
            assertThat(call.id()).startsWith("call_").hasSize(29);
            assertThat(BY_NAME).containsKey(call.name());
            assertThat(BY_NAME.get(call.name()).validate(JSON.readTree(call.arguments())))
                    .as("%s", call)
                    .isEmpty();
        }
    }

    @Test
    void theTemplateRendersPlainChatsExactlyAsChatMl() {
        ChatRequest plain = ChatRequest.builder().system("Be brief.").user("Hi").build();
        String expected =
                "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n" + "<|im_start|>assistant\n";
        assertThat(engine.renderPrompt(plain)).isEqualTo(expected);
        ChatTemplate template = ChatTemplate.of(TinyModelGenerator.CHAT_TEMPLATE, "<s>", "</s>");
        assertThat(template.render(plain.messages(), List.of())).isEqualTo(expected);
        assertThat(template.toolFormat()).isEqualTo(ChatTemplate.ToolFormat.HERMES);
    }

    @Test
    void requiredProducesCallsWhoseArgumentsValidate() {
        for (long seed = 1; seed <= 10; seed++) {
            ChatResult result = engine.complete(
                            ask(seed).toolChoice(ToolChoice.REQUIRED).build())
                    .block();
            assertValidCalls(result);
        }
    }

    @Test
    void aNamedFunctionIsTheOneCalled() {
        for (long seed = 1; seed <= 5; seed++) {
            ChatResult result = engine.complete(ask(seed)
                            .toolChoice(ToolChoice.function("add"))
                            .parallelToolCalls(false)
                            .build())
                    .block();
            assertValidCalls(result);
            assertThat(result.toolCalls())
                    .singleElement()
                    .extracting(ToolCall::name)
                    .isEqualTo("add");
        }
    }

    @Test
    void noneProducesNoCalls() {
        for (long seed = 1; seed <= 5; seed++) {
            ChatResult result = engine.complete(
                            ask(seed).toolChoice(ToolChoice.NONE).maxTokens(40).build())
                    .block();
            assertThat(result.toolCalls()).isEmpty();
            assertThat(result.finishReason()).isNotEqualTo(FinishReason.TOOL_CALLS);
        }
    }

    @Test
    void autoProducesEitherTextOrValidCalls() {
        for (long seed = 1; seed <= 10; seed++) {
            ChatResult result = engine.complete(
                            ask(seed).toolChoice(ToolChoice.AUTO).maxTokens(60).build())
                    .block();
            if (result.toolCalls().isEmpty()) {
                assertThat(result.finishReason()).isNotEqualTo(FinishReason.TOOL_CALLS);
                assertThat(result.content()).doesNotContain("<tool_call>");
            } else {
                assertValidCalls(result);
            }
        }
    }

    @Test
    void aToolResultConversationRendersThroughTheTemplateAndGenerates() {
        ToolCall call = new ToolCall("call_abc", "get_weather", "{\"city\":\"Paris\",\"unit\":\"c\"}");
        ChatRequest request = ChatRequest.builder()
                .system("You are helpful.")
                .user("What is the weather in Paris?")
                .message(ChatMessage.assistant("", List.of(call)))
                .message(ChatMessage.tool("call_abc", "sunny, 21 C"))
                .tools(List.of(WEATHER, ADD))
                .maxTokens(300)
                .seed(3L)
                .build();

        String prompt = engine.renderPrompt(request);

        assertThat(prompt)
                .startsWith("<|im_start|>system\nYou are helpful.\n\nYou may call functions")
                .contains("<tools>\n{\"type\": \"function\", \"function\": {\"name\": \"get_weather\"")
                .contains("<|im_start|>assistant\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": "
                        + "{\"city\": \"Paris\", \"unit\": \"c\"}}\n</tool_call><|im_end|>\n")
                .contains("<|im_start|>tool\n<tool_response>\nsunny, 21 C\n</tool_response><|im_end|>\n")
                .endsWith("<|im_start|>assistant\n");
        ChatResult result = engine.complete(request.toBuilder()
                        .toolChoice(ToolChoice.REQUIRED)
                        .parallelToolCalls(false)
                        .build())
                .block();
        assertValidCalls(result);
        assertThat(result.usage().promptTokens()).isEqualTo(engine.countPromptTokens(request));
    }

    @Test
    void streamingEmitsTheCompleteCallsOnTheLastChunk() {
        List<ChatChunk> chunks = engine.stream(
                        ask(5).toolChoice(ToolChoice.REQUIRED).build())
                .collectList()
                .block();
        ChatChunk last = chunks.get(chunks.size() - 1);
        assertThat(last.finishReason()).isEqualTo(FinishReason.TOOL_CALLS);
        assertThat(last.toolCalls()).isNotEmpty();
        assertThat(chunks.subList(0, chunks.size() - 1))
                .allSatisfy(c -> assertThat(c.toolCalls()).isEmpty());
        assertThat(chunks).allSatisfy(c -> assertThat(c.content()).doesNotContain("<tool_call>"));
    }

    @Test
    void aCallCutByMaxTokensIsNotACall() {
        ChatResult result = engine.complete(
                        ask(1).toolChoice(ToolChoice.REQUIRED).maxTokens(24).build())
                .block();
        assertThat(result.finishReason()).isEqualTo(FinishReason.LENGTH);
        assertThat(result.toolCalls()).isEmpty();
        assertThat(result.content()).startsWith("<tool_call>");
    }

    @Test
    void aTemplateRefusalIsATypedErrorAndTheEngineLivesOn() {
        ChatRequest orphan = ChatRequest.builder()
                .user("hi")
                .message(ChatMessage.tool("call_nowhere", "result"))
                .build();
        assertThatThrownBy(() -> engine.renderPrompt(orphan))
                .isInstanceOf(InvalidChatRequestException.class)
                .hasMessageContaining("a tool message must follow an assistant message with tool calls");
        assertThatThrownBy(() -> engine.complete(orphan).block()).isInstanceOf(InvalidChatRequestException.class);
        ChatRequest badTool =
                ask(1).tools(List.of(new Tool("broken", null, "{\"type\": 5}"))).build();
        assertThatThrownBy(() -> engine.validate(badTool))
                .isInstanceOf(InvalidChatRequestException.class)
                .hasMessageContaining("tools[2].function.parameters");
        assertThat(engine.complete(ChatRequest.builder()
                                .user("alive?")
                                .maxTokens(4)
                                .build())
                        .block()
                        .usage()
                        .completionTokens())
                .isPositive();
    }

    @Test
    void aTemplateWithoutAToolFormatGetsTheGenericOne() {
        String bare = "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}"
                + "<|im_start|>assistant\n";
        try (LocalEngine generic = LocalEngine.start(
                TestModels.tinyConfig().contextSize(2048).chatTemplate(bare).build())) {
            ChatRequest request = ask(2).toolChoice(ToolChoice.REQUIRED).build();
            assertThat(generic.renderPrompt(request)).contains("You can call these functions");
            ChatResult result = generic.complete(request).block();
            assertValidCalls(result);
        }
    }
}
