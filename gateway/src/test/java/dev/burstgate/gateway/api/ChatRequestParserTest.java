package dev.burstgate.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.burstgate.policies.Tier;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.http.HttpStatus;
import tools.jackson.databind.json.JsonMapper;

class ChatRequestParserTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final ChatRequestParser parser =
            new ChatRequestParser(JsonMapper.builder().build(), Map.of("fast", "local"));

    private ChatCompletionRequest parse(String body) {
        return parser.parse(body.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void defaultsToAutoAndFlattensTextParts() {
        ChatCompletionRequest r = parse("""
        {"messages":[{"role":"system","content":"be brief"},
                     {"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}]}""");
        assertThat(r.model()).isEqualTo("auto");
        assertThat(r.forcedTier()).isNull();
        assertThat(r.messages())
                .extracting(ChatCompletionRequest.Message::content)
                .containsExactly("be brief", "a\nb");
        assertThat(r.stream()).isFalse();
        assertThat(r.deterministic()).isFalse();
    }

    @Test
    void resolvesTierNamesAndAliases() {
        assertThat(parse("{\"model\":\"cloud\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}")
                        .forcedTier())
                .isEqualTo(Tier.CLOUD);
        assertThat(parse("{\"model\":\"fast\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}")
                        .forcedTier())
                .isEqualTo(Tier.LOCAL);
    }

    @Test
    void readsStreamingUsageAndSamplingParameters() {
        ChatCompletionRequest r = parse("""
        {"messages":[{"role":"user","content":"x"}],"stream":true,"stream_options":{"include_usage":true},
         "max_tokens":12,"temperature":0,"top_p":0.5,"stop":["a","b"],"seed":7}""");
        assertThat(r.stream()).isTrue();
        assertThat(r.includeUsage()).isTrue();
        assertThat(r.maxTokens()).isEqualTo(12);
        assertThat(r.temperature()).isEqualTo(0.0);
        assertThat(r.topP()).isEqualTo(0.5);
        assertThat(r.stop()).containsExactly("a", "b");
        assertThat(r.seed()).isEqualTo(7L);
        assertThat(r.deterministic()).isTrue();
    }

    @Test
    void rejectsAnUnknownModelListingTheValidOnes() {
        assertThatThrownBy(() -> parse("{\"model\":\"gpt-9\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(HttpStatus.BAD_REQUEST);
                    assertThat(e.code()).isEqualTo("model_not_found");
                    assertThat(e.param()).isEqualTo("model");
                    assertThat(e.getMessage()).contains("auto, local, cloud, legacy, fast");
                });
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
      not json                                  | {"messages":                                               | invalid_json               |
      not an object                             | [1,2]                                                      | invalid_json               |
      missing messages                          | {"model":"auto"}                                           | missing_required_parameter | messages
      messages not an array                     | {"messages":"hi"}                                          | invalid_type               | messages
      empty messages                            | {"messages":[]}                                            | invalid_value              | messages
      message not an object                     | {"messages":[3]}                                           | invalid_type               | messages[0]
      missing role                              | {"messages":[{"content":"x"}]}                             | missing_required_parameter | messages[0].role
      bad role                                  | {"messages":[{"role":"robot","content":"x"}]}              | invalid_value              | messages[0].role
      content a number                          | {"messages":[{"role":"user","content":5}]}                 | invalid_type               | messages[0].content
      image part without url                    | {"messages":[{"role":"user","content":[{"type":"image_url","image_url":{}}]}]} | missing_required_parameter | messages[0].content[0].image_url.url
      image part from the system                | {"messages":[{"role":"system","content":[{"type":"image_url","image_url":{"url":"x"}}]}]} | invalid_value | messages[0].content[0].type
      tool message without its call id          | {"messages":[{"role":"tool","content":"x"}]}               | missing_required_parameter | messages[0].tool_call_id
      tool calls not an array                   | {"messages":[{"role":"assistant","tool_calls":{}}]}        | invalid_type               | messages[0].tool_calls
      tool call without arguments               | {"messages":[{"role":"assistant","tool_calls":[{"id":"c","type":"function","function":{"name":"f"}}]}]} | missing_required_parameter | messages[0].tool_calls[0].function.arguments
      tool calls from the user                  | {"messages":[{"role":"user","content":"x","tool_calls":[]}]} | invalid_value            | messages[0].tool_calls
      model a number                            | {"model":1,"messages":[{"role":"user","content":"x"}]}     | invalid_type               | model
      stream a string                           | {"stream":"yes","messages":[{"role":"user","content":"x"}]} | invalid_type              | stream
      stream options without stream             | {"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"x"}]} | invalid_value | stream_options
      max tokens zero                           | {"max_tokens":0,"messages":[{"role":"user","content":"x"}]} | invalid_value             | max_tokens
      max tokens fractional                     | {"max_tokens":1.5,"messages":[{"role":"user","content":"x"}]} | invalid_type            | max_tokens
      temperature too high                      | {"temperature":3,"messages":[{"role":"user","content":"x"}]} | invalid_value            | temperature
      temperature a string                      | {"temperature":"hot","messages":[{"role":"user","content":"x"}]} | invalid_type         | temperature
      top_p above one                           | {"top_p":1.5,"messages":[{"role":"user","content":"x"}]}   | invalid_value              | top_p
      seed not integral                         | {"seed":1.2,"messages":[{"role":"user","content":"x"}]}    | invalid_type               | seed
      too many stops                            | {"stop":["a","b","c","d","e"],"messages":[{"role":"user","content":"x"}]} | invalid_value | stop
      n above one streamed                      | {"n":2,"stream":true,"messages":[{"role":"user","content":"x"}]} | unsupported_parameter | n
      tools not an array                        | {"tools":{},"messages":[{"role":"user","content":"x"}]}    | invalid_type               | tools
      tool without a function                   | {"tools":[{"type":"function"}],"messages":[{"role":"user","content":"x"}]} | missing_required_parameter | tools[0].function
      tool with a bad name                      | {"tools":[{"type":"function","function":{"name":"a b"}}],"messages":[{"role":"user","content":"x"}]} | invalid_value | tools[0].function.name
      tools named twice                         | {"tools":[{"type":"function","function":{"name":"a"}},{"type":"function","function":{"name":"a"}}],"messages":[{"role":"user","content":"x"}]} | invalid_value | tools[1].function.name
      tool parameters not an object             | {"tools":[{"type":"function","function":{"name":"a","parameters":"x"}}],"messages":[{"role":"user","content":"x"}]} | invalid_type | tools[0].function.parameters
      tool choice without tools                 | {"tool_choice":"required","messages":[{"role":"user","content":"x"}]} | invalid_value   | tool_choice
      tool choice of an unknown value           | {"tools":[{"type":"function","function":{"name":"a"}}],"tool_choice":"always","messages":[{"role":"user","content":"x"}]} | invalid_value | tool_choice
      tool choice naming an undeclared tool     | {"tools":[{"type":"function","function":{"name":"a"}}],"tool_choice":{"type":"function","function":{"name":"b"}},"messages":[{"role":"user","content":"x"}]} | invalid_value | tool_choice.function.name
      parallel tool calls a string              | {"parallel_tool_calls":"yes","messages":[{"role":"user","content":"x"}]} | invalid_type | parallel_tool_calls
      response format of an unknown type        | {"response_format":{"type":"xml"},"messages":[{"role":"user","content":"x"}]} | invalid_value | response_format.type
      json schema without its schema block      | {"response_format":{"type":"json_schema"},"messages":[{"role":"user","content":"x"}]} | missing_required_parameter | response_format.json_schema
      json schema without a name                | {"response_format":{"type":"json_schema","json_schema":{"schema":{}}},"messages":[{"role":"user","content":"x"}]} | missing_required_parameter | response_format.json_schema.name
      json schema not an object                 | {"response_format":{"type":"json_schema","json_schema":{"name":"x","schema":[]}},"messages":[{"role":"user","content":"x"}]} | invalid_type | response_format.json_schema.schema
      top logprobs too many                     | {"logprobs":true,"top_logprobs":21,"messages":[{"role":"user","content":"x"}]} | invalid_value | top_logprobs
      logit bias a list                         | {"logit_bias":[1],"messages":[{"role":"user","content":"x"}]} | invalid_type            | logit_bias
      unknown parameter                         | {"colour":"blue","messages":[{"role":"user","content":"x"}]} | unknown_parameter        | colour
      """)
    void rejectsBadInputWithATypedErrorNamingTheParameter(String what, String body, String code, String param) {
        assertThatThrownBy(() -> parse(body)).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.status()).as(what).isEqualTo(HttpStatus.BAD_REQUEST);
            assertThat(e.type()).isEqualTo("invalid_request_error");
            assertThat(e.code()).as(what).isEqualTo(code);
            assertThat(e.param()).as(what).isEqualTo(param);
        });
    }

    @Test
    void anAgentTurnWithToolsImagesAndJsonOutputIsAcceptedAndItsNeedsNamed() {
        String body = """
                {"model":"auto","messages":[
                  {"role":"system","content":"You are terse."},
                  {"role":"user","content":[{"type":"text","text":"What is in it?"},
                                            {"type":"image_url","image_url":{"url":"data:image/png;base64,AA==","detail":"low"}}]},
                  {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function",
                     "function":{"name":"lookup","arguments":"{\\"q\\":\\"cat\\"}"}}]},
                  {"role":"tool","tool_call_id":"call_1","content":"a cat"}],
                 "tools":[{"type":"function","function":{"name":"lookup","description":"Looks up",
                    "parameters":{"type":"object","properties":{"q":{"type":"string"}},"required":["q"]},"strict":true}}],
                 "tool_choice":{"type":"function","function":{"name":"lookup"}},"parallel_tool_calls":false,
                 "response_format":{"type":"json_schema","json_schema":{"name":"answer","strict":true,
                    "schema":{"type":"object","properties":{"a":{"type":"string"}},"required":["a"],"additionalProperties":false}}},
                 "logprobs":true,"top_logprobs":2,"n":2,"logit_bias":{"50256":-100},"reasoning_effort":"low",
                 "user":"u1","metadata":{"k":"v"},"seed":3}
                """;
        ChatCompletionRequest r = parse(body);
        assertThat(r.messages())
                .extracting(ChatCompletionRequest.Message::content)
                .containsExactly("You are terse.", "What is in it?", "", "a cat");
        assertThat(r.needs())
                .containsOnlyKeys(
                        dev.burstgate.policies.capability.Capability.TOOLS,
                        dev.burstgate.policies.capability.Capability.VISION,
                        dev.burstgate.policies.capability.Capability.JSON_SCHEMA,
                        dev.burstgate.policies.capability.Capability.LOGPROBS,
                        dev.burstgate.policies.capability.Capability.MULTIPLE_CHOICES)
                .containsEntry(dev.burstgate.policies.capability.Capability.VISION, "messages[1].content[1]");
        // the body goes on as the client wrote it
        assertThat(r.body().toString()).isEqualTo(JSON.readTree(body).toString());
    }

    @Test
    void aPlainChatNeedsNothing() {
        assertThat(parse("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"tools\":[],"
                                + "\"response_format\":{\"type\":\"text\"}}")
                        .needs())
                .isEmpty();
    }

    /** The messages of a request that is valid but for the parameter a test sets. */
    private static final String MESSAGES = "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]";

    private ApiException rejected(String body) {
        ApiException e = catchThrowableOfType(ApiException.class, () -> parse(body));
        assertThat(e).as("rejected: %s", body).isNotNull();
        assertThat(e.status()).isEqualTo(HttpStatus.BAD_REQUEST);
        return e;
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"temperature, 2.0", "top_p, 1.0"})
    void aSamplingParameterWrittenAsAnIntegerPastADoublesRangeIsA400NamingItsRange(String name, String max) {
        String huge = "1" + "0".repeat(309);
        for (String value : List.of(huge, "-" + huge)) {
            ApiException e = rejected("{\"" + name + "\":" + value + "," + MESSAGES + "}");
            assertThat(e.code()).isEqualTo("invalid_value");
            assertThat(e.param()).isEqualTo(name);
            assertThat(e.getMessage()).isEqualTo("'" + name + "' must be between 0.0 and " + max + ".");
        }
        assertThat(parse("{\"" + name + "\":1," + MESSAGES + "}")
                        .body()
                        .path(name)
                        .asInt())
                .isEqualTo(1);
    }

    @Test
    void anUnknownParameterIsQuotedOnlyInPart() {
        assertThat(rejected("{\"colour\":\"blue\"," + MESSAGES + "}").getMessage())
                .isEqualTo("Unrecognized request argument supplied: 'colour'.");
        String name = "c".repeat(5_000);
        ApiException e = rejected("{\"" + name + "\":1," + MESSAGES + "}");
        assertThat(e.code()).isEqualTo("unknown_parameter");
        assertThat(e.param()).isEqualTo("c".repeat(40));
        assertThat(e.getMessage()).isEqualTo("Unrecognized request argument supplied: '" + "c".repeat(40) + "\u2026'.");
    }

    @Test
    void aContentPartThatIsNotATextPartIsA400NamingThePart() {
        String before = "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"a\"},";
        assertThat(rejected(before + "\"b\"]}]}")).satisfies(e -> {
            assertThat(e.code()).isEqualTo("invalid_type");
            assertThat(e.param()).isEqualTo("messages[0].content[1]");
            assertThat(e.getMessage())
                    .isEqualTo(
                            "'messages[0].content[1]' must be an object such as {\"type\":\"text\",\"text\":\"...\"}.");
        });
        for (String part :
                List.of("{\"text\":\"b\"}", "{\"type\":1,\"text\":\"b\"}", "{\"type\":[\"text\"],\"text\":\"b\"}")) {
            assertThat(rejected(before + part + "]}]}")).as(part).satisfies(e -> {
                assertThat(e.code()).isEqualTo("invalid_type");
                assertThat(e.param()).isEqualTo("messages[0].content[1].type");
                assertThat(e.getMessage()).isEqualTo("'messages[0].content[1].type' must be a string.");
            });
        }
        assertThat(rejected(before + "{\"type\":\"video\",\"video\":{}}]}]}")).satisfies(e -> {
            assertThat(e.code()).isEqualTo("invalid_value");
            assertThat(e.param()).isEqualTo("messages[0].content[1].type");
            assertThat(e.getMessage())
                    .isEqualTo("'messages[0].content[1].type' must be one of text, image_url, input_audio, file, "
                            + "refusal; got 'video'.");
        });
    }

    @Test
    void rejectsAnAliasThatPointsNowhere() {
        assertThatThrownBy(() -> new ChatRequestParser(JsonMapper.builder().build(), Map.of("x", "gpu")))
                .hasMessageContaining("burstgate.models.x")
                .hasMessageContaining("gpu");
    }
}
