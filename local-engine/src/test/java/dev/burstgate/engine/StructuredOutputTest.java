package dev.burstgate.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
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

/** Constrained decoding on the generated random-weight model: every answer parses and validates. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class StructuredOutputTest {

    static final String PERSON_SCHEMA = """
            {"type": "object",
             "properties": {
               "name": {"type": "string", "maxLength": 12},
               "age": {"type": "integer"},
               "color": {"enum": ["red", "green", "blue"]},
               "tags": {"type": "array", "items": {"type": "string", "maxLength": 6}, "maxItems": 3},
               "address": {"type": "object",
                           "properties": {"city": {"type": "string", "maxLength": 10}, "zip": {"type": "integer"}},
                           "required": ["city", "zip"], "additionalProperties": false}},
             "required": ["name", "age", "color", "tags", "address"],
             "additionalProperties": false}
            """;

    private static final ObjectMapper JSON = JsonMapper.builder().build();
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

    @Test
    void fiftyStrictJsonSchemaAnswersWithDifferentSeedsAllValidate() {
        Schema schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
                .getSchema(PERSON_SCHEMA);
        List<String> failures = new ArrayList<>();
        for (long seed = 1; seed <= 50; seed++) {
            ChatRequest request = ChatRequest.builder()
                    .user("Describe a person as JSON.")
                    .maxTokens(1500)
                    .seed(seed)
                    .responseFormat(ResponseFormat.jsonSchema("person", PERSON_SCHEMA, true))
                    .build();
            ChatResult result = engine.complete(request).block();
            JsonNode answer = JSON.readTree(result.content());
            List<Error> errors = schema.validate(answer);
            if (!errors.isEmpty() || result.finishReason() != FinishReason.STOP) {
                failures.add("seed " + seed + ": " + result.finishReason() + " " + errors + " in " + result.content());
            }
        }
        assertThat(failures).isEmpty();
    }

    @Test
    void fiftyJsonObjectAnswersAllParseAsObjects() {
        for (long seed = 1; seed <= 50; seed++) {
            ChatRequest request = ChatRequest.builder()
                    .user("Answer in JSON.")
                    .maxTokens(64)
                    .seed(seed)
                    .responseFormat(ResponseFormat.JSON_OBJECT)
                    .build();
            ChatResult result = engine.complete(request).block();
            JsonNode answer = JSON.readTree(result.content());
            assertThat(answer.isObject())
                    .as("seed %d: %s", seed, result.content())
                    .isTrue();
        }
    }

    @Test
    void aMalformedSchemaIsATypedErrorAndTheEngineLivesOn() {
        ChatRequest bad = ChatRequest.builder()
                .user("x")
                .responseFormat(ResponseFormat.jsonSchema("bad", "{\"type\": \"foo\"}", true))
                .build();
        assertThatThrownBy(() -> engine.validate(bad))
                .isInstanceOf(InvalidChatRequestException.class)
                .hasMessageContaining("unknown type 'foo'");
        assertThatThrownBy(() -> engine.complete(bad).block())
                .isInstanceOf(InvalidChatRequestException.class)
                .hasMessageContaining("unknown type 'foo'");
        ChatRequest notJson = ChatRequest.builder()
                .user("x")
                .responseFormat(ResponseFormat.jsonSchema("bad", "{bad", false))
                .build();
        assertThatThrownBy(() -> engine.validate(notJson)).isInstanceOf(InvalidChatRequestException.class);
        ChatRequest pattern = ChatRequest.builder()
                .user("x")
                .responseFormat(
                        ResponseFormat.jsonSchema("p", "{\"type\": \"string\", \"pattern\": \"^a{3}(?=b)$\"}", true))
                .build();
        assertThatThrownBy(() -> engine.validate(pattern))
                .isInstanceOf(InvalidChatRequestException.class)
                .hasMessageContaining("pattern");

        assertThat(engine.complete(ChatRequest.builder()
                                .user("still alive?")
                                .maxTokens(4)
                                .build())
                        .block()
                        .usage()
                        .completionTokens())
                .isPositive();
    }
}
