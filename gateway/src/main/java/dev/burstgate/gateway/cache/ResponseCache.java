package dev.burstgate.gateway.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.burstgate.gateway.api.ChatCompletionRequest;
import dev.burstgate.policies.Tier;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Exact-match cache of deterministic non-streaming answers (temperature 0 or a fixed seed), per tenant. The key is
 * the tenant plus a canonical form of what determines the answer: model, messages (with their images and tool calls),
 * sampling parameters, limits, tools and the output format.
 */
public final class ResponseCache {

    /** Fields beside the messages and sampling parameters that change the answer. */
    private static final List<String> ANSWER_FIELDS = List.of(
            "tools",
            "tool_choice",
            "parallel_tool_calls",
            "response_format",
            "n",
            "logprobs",
            "top_logprobs",
            "logit_bias",
            "reasoning_effort",
            "functions",
            "function_call",
            "modalities",
            "audio",
            "prediction",
            "web_search_options");

    /** A cached answer and the tier that produced it. */
    public record Entry(Tier tier, ObjectNode answer) {}

    private final @Nullable Cache<String, Entry> cache;
    private final JsonMapper json;

    public ResponseCache(CacheProperties config, JsonMapper json) {
        this.json = json;
        this.cache = config.enabled() && config.maxEntries() > 0
                ? Caffeine.newBuilder()
                        .maximumSize(config.maxEntries())
                        .expireAfterWrite(config.ttl())
                        .recordStats()
                        .build()
                : null;
    }

    /** Whether {@code request} may be answered from, and stored in, the cache. */
    public boolean cacheable(ChatCompletionRequest request) {
        return cache != null && !request.stream() && request.deterministic();
    }

    public String key(String tenant, ChatCompletionRequest r) {
        List<Object> parts = new ArrayList<>();
        parts.add(tenant);
        parts.add(r.model());
        for (ChatCompletionRequest.Message m : r.messages()) {
            parts.add(m.role());
            parts.add(m.content());
        }
        parts.add(String.valueOf(r.maxTokens()));
        parts.add(String.valueOf(r.temperature()));
        parts.add(String.valueOf(r.topP()));
        parts.add(String.valueOf(r.seed()));
        parts.add(r.stop());
        // what the text alone does not say: tools, output format, images, tool calls and results
        for (String field : ANSWER_FIELDS) {
            JsonNode v = r.body().get(field);
            parts.add(v == null ? "" : v.toString());
        }
        if (!r.needs().isEmpty()) {
            parts.add(r.body().path("messages").toString());
        }
        return json.writeValueAsString(parts);
    }

    public Optional<Entry> get(String key) {
        if (cache == null) {
            return Optional.empty();
        }
        Entry e = cache.getIfPresent(key);
        return e == null
                ? Optional.empty()
                : Optional.of(new Entry(e.tier(), e.answer().deepCopy()));
    }

    public void put(String key, Tier tier, ObjectNode answer) {
        if (cache != null) {
            cache.put(key, new Entry(tier, answer.deepCopy()));
        }
    }

    public long size() {
        return cache == null ? 0 : cache.estimatedSize();
    }
}
