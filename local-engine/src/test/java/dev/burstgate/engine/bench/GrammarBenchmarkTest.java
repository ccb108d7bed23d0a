package dev.burstgate.engine.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.burstgate.engine.ChatRequest;
import dev.burstgate.engine.ChatResult;
import dev.burstgate.engine.LocalEngine;
import dev.burstgate.engine.ResponseFormat;
import dev.burstgate.engine.TestModels;
import java.util.Locale;
import java.util.function.LongFunction;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Tokens/s of the local tier with a grammar (strict json_schema, json_object) beside without, on the generated tiny
 * model, one slot, 2 threads. Out of the normal suite; run with
 * {@code ./mvnw -o -q -pl local-engine test -Pbench -Dtest=GrammarBenchmarkTest -Dspotless.check.skip=true}.
 * Prints one {@code RESULT} line per mode: requests, tokens, tokens/s (best of 3 rounds).
 */
@Tag("benchmark")
class GrammarBenchmarkTest {

    static final String SCHEMA = """
            {"type": "object",
             "properties": {
               "name": {"type": "string", "maxLength": 40},
               "age": {"type": "integer"},
               "color": {"enum": ["red", "green", "blue"]},
               "tags": {"type": "array", "items": {"type": "string", "maxLength": 20}, "maxItems": 8},
               "address": {"type": "object",
                           "properties": {"city": {"type": "string", "maxLength": 30}, "zip": {"type": "integer"}},
                           "required": ["city", "zip"], "additionalProperties": false}},
             "required": ["name", "age", "color", "tags", "address"], "additionalProperties": false}
            """;
    static final int REQUESTS = 20;
    static final int MAX_TOKENS = 256;

    @Test
    void tokensPerSecondWithAndWithoutAGrammar() {
        try (LocalEngine engine = LocalEngine.start(
                TestModels.tinyConfig().contextSize(2048).parallel(1).build())) {
            measure(engine, "no-grammar", seed -> base(seed).build());
            measure(
                    engine,
                    "json_object",
                    seed -> base(seed)
                            .responseFormat(ResponseFormat.JSON_OBJECT)
                            .build());
            measure(
                    engine,
                    "json_schema-strict",
                    seed -> base(seed)
                            .responseFormat(ResponseFormat.jsonSchema("person", SCHEMA, true))
                            .build());
        }
    }

    private static ChatRequest.Builder base(long seed) {
        return ChatRequest.builder()
                .user("Describe a person as JSON.")
                .maxTokens(MAX_TOKENS)
                .seed(seed);
    }

    private static void measure(LocalEngine engine, String label, LongFunction<ChatRequest> request) {
        double best = 0;
        long bestTokens = 0;
        for (int round = 0; round < 3; round++) {
            long tokens = 0;
            long t0 = System.nanoTime();
            for (long seed = 1; seed <= REQUESTS; seed++) {
                ChatResult r = engine.complete(request.apply(seed)).block();
                tokens += r.usage().completionTokens();
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            if (tokens / seconds > best) {
                best = tokens / seconds;
                bestTokens = tokens;
            }
        }
        assertThat(bestTokens).isPositive();
        System.out.printf(
                Locale.ROOT, "RESULT\t%s\t%d requests\t%d tokens\t%.0f tokens/s%n", label, REQUESTS, bestTokens, best);
    }
}
