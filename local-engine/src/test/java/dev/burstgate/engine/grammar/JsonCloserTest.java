package dev.burstgate.engine.grammar;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.json.JsonMapper;

class JsonCloserTest {

    @ParameterizedTest
    @ValueSource(
            strings = {
                "{",
                "{\"a",
                "{\"a\"",
                "{\"a\":",
                "{\"a\": [1, \"x",
                "{\"a\": tr",
                "{\"a\": -",
                "{\"a\": 1.",
                "{\"a\": 1e+",
                "{\"a\": \"x\\",
                "{\"a\": \"\\u00",
                "{\"a\": 1,",
                "[1, [",
                "[1,",
                "{\"a\": {\"b\": [true, {\"c\": nul"
            })
    void closesAnyCutPrefixIntoValidJson(String prefix) {
        JsonCloser closer = new JsonCloser();
        closer.accept(prefix);
        String closed = prefix + closer.closing();
        assertThat(JsonMapper.builder().build().readTree(closed)).as(closed).isNotNull();
    }

    @Test
    void aCompleteDocumentNeedsNothing() {
        JsonCloser closer = new JsonCloser();
        closer.accept("{\"a\": [1, 2], \"b\": \"}\"}");
        assertThat(closer.complete()).isTrue();
        assertThat(closer.closing()).isEmpty();
    }
}
