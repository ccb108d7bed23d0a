package dev.burstgate.gateway.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.burstgate.gateway.api.ChatCompletionRequest;
import dev.burstgate.gateway.api.ChatRequestParser;
import dev.burstgate.policies.Tier;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

class ResponseCacheTest {

    private final JsonMapper json = JsonMapper.builder().build();
    private final ChatRequestParser parser = new ChatRequestParser(json, Map.of());
    private final ResponseCache cache = new ResponseCache(new CacheProperties(true, 100, Duration.ofMinutes(10)), json);

    private ChatCompletionRequest request(String body) {
        return parser.parse(body.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void cachesOnlyDeterministicNonStreamedRequests() {
        assertThat(cache.cacheable(request("{\"temperature\":0,\"messages\":[{\"role\":\"user\",\"content\":\"a\"}]}")))
                .isTrue();
        assertThat(cache.cacheable(request("{\"seed\":7,\"messages\":[{\"role\":\"user\",\"content\":\"a\"}]}")))
                .isTrue();
        assertThat(cache.cacheable(request("{\"messages\":[{\"role\":\"user\",\"content\":\"a\"}]}")))
                .isFalse();
        assertThat(cache.cacheable(request(
                        "{\"temperature\":0,\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"a\"}]}")))
                .isFalse();
    }

    @Test
    void keysByTenantAndWhatDeterminesTheAnswer() {
        ChatCompletionRequest r = request("{\"temperature\":0,\"messages\":[{\"role\":\"user\",\"content\":\"a\"}]}");
        assertThat(cache.key("acme", r))
                .isEqualTo(cache.key(
                        "acme", request("{\"messages\":[{\"content\":\"a\",\"role\":\"user\"}],\"temperature\":0}")));
        assertThat(cache.key("acme", r)).isNotEqualTo(cache.key("beta", r));
        assertThat(cache.key("acme", r))
                .isNotEqualTo(
                        cache.key(
                                "acme",
                                request(
                                        "{\"temperature\":0,\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"a\"}]}")));
        assertThat(cache.key("acme", r))
                .isNotEqualTo(cache.key(
                        "acme", request("{\"temperature\":0,\"messages\":[{\"role\":\"system\",\"content\":\"a\"}]}")));
    }

    @Test
    void toolsOutputFormatsAndImagesAreKeptApart() {
        String m = "\"messages\":[{\"role\":\"user\",\"content\":\"a\"}]";
        String tools = "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}]";
        List<String> bodies = List.of(
                "{\"temperature\":0," + m + "}",
                "{\"temperature\":0," + tools + "," + m + "}",
                "{\"temperature\":0," + tools + ",\"tool_choice\":\"required\"," + m + "}",
                "{\"temperature\":0,\"response_format\":{\"type\":\"json_object\"}," + m + "}",
                "{\"temperature\":0,\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"a\"},"
                        + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:,1\"}}]}]}",
                "{\"temperature\":0,\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"a\"},"
                        + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:,2\"}}]}]}");
        assertThat(bodies.stream().map(b -> cache.key("acme", request(b))).distinct())
                .hasSize(bodies.size());
    }

    @Test
    void givesBackACopySoAReaderCannotChangeWhatIsStored() {
        ObjectNode answer = (ObjectNode) json.readTree("{\"usage\":{\"cost\":0.18}}");
        cache.put("k", Tier.CLOUD, answer);
        answer.put("changed", true);
        ResponseCache.Entry first = cache.get("k").orElseThrow();
        ((ObjectNode) first.answer().get("usage")).put("cost", 0);

        ResponseCache.Entry second = cache.get("k").orElseThrow();
        assertThat(second.tier()).isEqualTo(Tier.CLOUD);
        assertThat(second.answer().toString()).isEqualTo("{\"usage\":{\"cost\":0.18}}");
    }

    @Test
    void aDisabledCacheHoldsNothing() {
        ResponseCache off = new ResponseCache(new CacheProperties(false, 100, Duration.ofMinutes(10)), json);
        off.put("k", Tier.CLOUD, json.createObjectNode());
        assertThat(off.get("k")).isEmpty();
        assertThat(off.cacheable(request("{\"temperature\":0,\"messages\":[{\"role\":\"user\",\"content\":\"a\"}]}")))
                .isFalse();
    }
}
