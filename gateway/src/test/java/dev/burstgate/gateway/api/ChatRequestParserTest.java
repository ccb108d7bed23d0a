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
      image part                                | {"messages":[{"role":"user","content":[{"type":"image_url","image_url":{}}]}]} | unsupported_content | messages[0].content[0].type
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
      n above one                               | {"n":2,"messages":[{"role":"user","content":"x"}]}         | unsupported_parameter      | n
      tools                                     | {"tools":[],"messages":[{"role":"user","content":"x"}]}    | unsupported_parameter      | tools
      json mode                                 | {"response_format":{"type":"json_object"},"messages":[{"role":"user","content":"x"}]} | unsupported_parameter | response_format
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
        assertThat(rejected(before + "{\"type\":\"image_url\",\"image_url\":{}}]}]}"))
                .satisfies(e -> {
                    assertThat(e.code()).isEqualTo("unsupported_content");
                    assertThat(e.param()).isEqualTo("messages[0].content[1].type");
                    assertThat(e.getMessage())
                            .isEqualTo("'messages[0].content[1].type' must be 'text': only text content parts are "
                                    + "supported; got 'image_url'.");
                });
    }

    @Test
    void rejectsAnAliasThatPointsNowhere() {
        assertThatThrownBy(() -> new ChatRequestParser(JsonMapper.builder().build(), Map.of("x", "gpu")))
                .hasMessageContaining("burstgate.models.x")
                .hasMessageContaining("gpu");
    }
}
