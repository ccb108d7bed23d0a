package dev.burstgate.policies.capability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class ChatBodyNeedsTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static java.util.Map<Capability, String> needs(String body) {
        return ChatBodyNeeds.read(JSON.readTree(body));
    }

    @Test
    void aPlainChatNeedsNothing() {
        assertThat(needs(
                        "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"response_format\":{\"type\":\"text\"},"
                                + "\"n\":1,\"logprobs\":false,\"tools\":[]}"))
                .isEmpty();
    }

    @Test
    void eachFeatureIsNamedWithTheFirstParameterThatNeedsIt() {
        String body = """
                {"messages":[
                  {"role":"user","content":[{"type":"text","text":"look"},{"type":"image_url","image_url":{"url":"data:,"}}]},
                  {"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{}"}}]},
                  {"role":"tool","tool_call_id":"c","content":"ok"},
                  {"role":"user","content":[{"type":"input_audio","input_audio":{"data":"","format":"wav"}},{"type":"file","file":{"file_id":"x"}}]}],
                 "response_format":{"type":"json_schema","json_schema":{"name":"x","schema":{}}},
                 "logprobs":true,"n":3,"web_search_options":{}}
                """;
        assertThat(needs(body))
                .containsOnly(
                        entry(Capability.VISION, "messages[0].content[1]"),
                        entry(Capability.TOOLS, "messages[1].tool_calls"),
                        entry(Capability.AUDIO, "messages[3].content[0]"),
                        entry(Capability.FILES, "messages[3].content[1]"),
                        entry(Capability.JSON_SCHEMA, "response_format"),
                        entry(Capability.LOGPROBS, "logprobs"),
                        entry(Capability.MULTIPLE_CHOICES, "n"),
                        entry(Capability.OPENAI_EXTRAS, "web_search_options"));
    }

    @Test
    void toolsAndJsonObjectAndDeprecatedFunctions() {
        assertThat(needs("{\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}],"
                        + "\"response_format\":{\"type\":\"json_object\"},\"functions\":[{\"name\":\"g\"}]}"))
                .containsOnly(
                        entry(Capability.TOOLS, "tools"),
                        entry(Capability.JSON_SCHEMA, "response_format"),
                        entry(Capability.FUNCTIONS, "functions"));
    }

    @Test
    void capabilityKeysReadAsConfigurationSpellsThem() {
        assertThat(Capability.fromKey("json-schema")).contains(Capability.JSON_SCHEMA);
        assertThat(Capability.fromKey("JSON_SCHEMA")).contains(Capability.JSON_SCHEMA);
        assertThat(Capability.fromKey("jsonschema")).contains(Capability.JSON_SCHEMA);
        assertThat(Capability.fromKey("Vision")).contains(Capability.VISION);
        assertThat(Capability.fromKey("telepathy")).isEmpty();
    }
}
