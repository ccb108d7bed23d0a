package dev.burstgate.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.http.HttpStatus;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The request body is untrusted: whatever the bytes, {@link ChatRequestParser#parse} returns a request or throws an
 * {@link ApiException} 400 that names the field at fault (or, for a body that is not a JSON object with distinct keys,
 * says why), names no JSON library internals and quotes at most {@value JsonErrors#ECHO_LIMIT} characters of the
 * body in a row. Each property runs over the generated bodies of a few fixed seeds ({@link Fuzz}); to explore
 * further, add a seed.
 */
class ChatRequestParserPropertiesTest {

    /** A quoted value and its quote marks. */
    private static final int MAX_QUOTED = JsonErrors.ECHO_LIMIT + 2;

    /** Fragments of the JSON library's messages and of stack traces that a client must never see. */
    private static final String[] INTERNALS = {
        "tools.jackson",
        "com.fasterxml",
        "jackson",
        "Jackson",
        "StreamReadConstraints",
        "StreamReadFeature",
        "JsonReadFeature",
        "DeserializationFeature",
        "JsonToken",
        "JsonNode",
        "Exception",
        "java.",
        "\tat ",
        "ALLOW_",
        "FAIL_ON_"
    };

    /** Reads bodies as a lenient client library would: a key given twice is kept, its last value wins. */
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final ChatRequestParser parser = new ChatRequestParser(JSON, Map.of("fast", "local"));

    /** A body, shown in reports as text (bytes that are not UTF-8 as U+FFFD). */
    record Body(byte[] bytes) {
        static Body any(RandomGenerator r) {
            return new Body(ChatBodies.any(r));
        }

        @Override
        public String toString() {
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {20261206, 7, 1_000_003})
    void aBodyIsARequestOrABadRequestNamingTheFieldAtFault(long seed) {
        Fuzz.check(seed, 1_500, Body::any, body -> {
            ChatCompletionRequest request;
            try {
                request = parser.parse(body.bytes());
            } catch (ApiException e) {
                assertThat(e.status()).as("status for: %s", e.getMessage()).isEqualTo(HttpStatus.BAD_REQUEST);
                assertThat(e.type()).isEqualTo("invalid_request_error");
                if (readsAsAnObjectWithDistinctKeys(body.bytes())) {
                    assertThat(e.param())
                            .as("the field at fault for: %s", e.getMessage())
                            .isNotNull();
                    assertThat(e.getMessage())
                            .as("names %s", e.param())
                            .containsAnyOf(e.param(), JsonErrors.quote(e.param()));
                } else {
                    assertThat(e.code()).isEqualTo("invalid_json");
                }
                return;
            }
            assertThat(request.messages()).isNotEmpty();
            assertThat(parser.models()).containsKey(request.model());
            assertThat(readsAsAnObjectWithDistinctKeys(body.bytes()))
                    .as("an object with distinct keys")
                    .isTrue();
        });
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {20261206, 7, 1_000_003})
    void aRejectionNamesNoLibraryInternalsAndQuotesLittleOfTheBody(long seed) {
        Fuzz.check(seed, 1_500, Body::any, body -> {
            ApiException e = catchThrowableOfType(ApiException.class, () -> parser.parse(body.bytes()));
            if (e != null) {
                assertThat(e.getMessage()).doesNotContain(INTERNALS);
                assertThat(longestQuote(e.getMessage(), body.bytes()))
                        .as("the longest part of the body quoted in: %s", e.getMessage())
                        .hasSizeLessThanOrEqualTo(MAX_QUOTED);
            }
        });
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {20261206, 7})
    void aValidRequestIsAcceptedAsWritten(long seed) {
        Fuzz.check(
                seed, 1_000, r -> new Body(ChatBodies.utf8(ChatBodies.valid(r).text())), body -> {
                    ChatCompletionRequest request = parser.parse(body.bytes());
                    JsonNode written = JSON.readTree(body.bytes());
                    assertThat(request.model()).isEqualTo(written.path("model").asString("auto"));
                    assertThat(request.messages())
                            .hasSize(written.get("messages").size());
                    assertThat(request.body()).isEqualTo(written);
                });
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {20261206, 7})
    void aKeyGivenTwiceAnywhereIsABadRequestNamingTheKey(long seed) {
        Fuzz.check(seed, 1_000, ChatBodies::duplicated, duplicated -> {
            ApiException e = catchThrowableOfType(
                    ApiException.class,
                    () -> parser.parse(ChatBodies.utf8(duplicated.body().text())));
            assertThat(e).as("a 400 for a key given twice").isNotNull();
            assertThat(e.status()).isEqualTo(HttpStatus.BAD_REQUEST);
            assertThat(e.code()).isEqualTo("invalid_json");
            assertThat(e.getMessage()).contains("the key " + JsonErrors.quote(duplicated.key()) + " more than once");
        });
    }

    /**
     * Whether the body reads as a JSON object whose objects, at every depth, hold each key once: tokens are read one by
     * one, keeping the keys seen in each open object.
     */
    private static boolean readsAsAnObjectWithDistinctKeys(byte[] body) {
        try (JsonParser p = JSON.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return false;
            }
            Deque<Set<String>> open = new ArrayDeque<>(List.of(new HashSet<>()));
            for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
                switch (t) {
                    case START_OBJECT -> open.push(new HashSet<>());
                    case END_OBJECT -> open.pop();
                    case PROPERTY_NAME -> {
                        if (!open.element().add(p.currentName())) {
                            return false;
                        }
                    }
                    default -> {}
                }
            }
            return open.isEmpty() && read(body) != null;
        } catch (JacksonException e) {
            return false;
        }
    }

    private static @Nullable JsonNode read(byte[] body) {
        try {
            return JSON.readTree(body);
        } catch (JacksonException e) {
            return null;
        }
    }

    /** The longest run of the message's characters that appears in the body, as sent or in a decoded string or key. */
    private static String longestQuote(String message, byte[] body) {
        List<String> sources = new ArrayList<>(List.of(new String(body, StandardCharsets.UTF_8)));
        JsonNode root = read(body);
        if (root != null) {
            collectStrings(root, sources);
        }
        String longest = "";
        for (int i = 0; i < message.length(); i++) {
            for (int end = i + longest.length() + 1; end <= message.length(); end++) {
                String run = message.substring(i, end);
                if (sources.stream().noneMatch(s -> s.contains(run))) {
                    break;
                }
                longest = run;
            }
        }
        return longest;
    }

    private static void collectStrings(JsonNode node, List<String> into) {
        if (node.isString()) {
            into.add(node.stringValue());
        }
        for (var field : node.properties()) {
            into.add(field.getKey());
            collectStrings(field.getValue(), into);
        }
        if (node.isArray()) {
            node.forEach(item -> collectStrings(item, into));
        }
    }
}
