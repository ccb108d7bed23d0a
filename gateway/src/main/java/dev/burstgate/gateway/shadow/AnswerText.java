package dev.burstgate.gateway.shadow;

import dev.burstgate.policies.cost.Usage;
import dev.burstgate.policies.shadow.ShadowAnswer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * Assembles what an answer said from a whole {@code chat.completion} or from its {@code chat.completion.chunk}s: the
 * first choice's text and tool calls (a streamed call's arguments arrive in pieces, by index), and the usage it
 * reported. Copies strings out; keeps no reference to a chunk. Not thread-safe: one answer's chunks arrive in order.
 */
final class AnswerText {

    private final StringBuilder text = new StringBuilder();
    private final Map<Integer, String[]> calls = new TreeMap<>();
    private @Nullable Usage reported;
    private long chars;

    void see(JsonNode chunk) {
        JsonNode usage = chunk.get("usage");
        if (usage != null && usage.isObject()) {
            reported = new Usage(
                    Math.max(0, usage.path("prompt_tokens").asLong(0)),
                    Math.max(0, usage.path("completion_tokens").asLong(0)));
        }
        for (JsonNode choice : chunk.path("choices")) {
            if (choice.path("index").asInt(0) != 0) {
                continue;
            }
            boolean whole = choice.has("message");
            JsonNode m = whole ? choice.get("message") : choice.path("delta");
            String content = m.path("content").asString("");
            if (whole) {
                text.setLength(0);
                calls.clear();
                chars = 0;
            }
            text.append(content);
            chars += content.length();
            int position = 0;
            for (JsonNode call : m.path("tool_calls")) {
                int index = call.has("index") ? call.path("index").asInt(position) : position;
                position++;
                String[] c = calls.get(index);
                if (c == null) {
                    c = new String[] {"", ""};
                    calls.put(index, c);
                }
                String name = call.path("function").path("name").asString("");
                String args = call.path("function").path("arguments").asString("");
                if (!name.isEmpty()) {
                    c[0] = name;
                }
                c[1] = c[1] + args;
                chars += name.length() + args.length();
            }
        }
    }

    ShadowAnswer answer() {
        List<ShadowAnswer.ToolCall> out = new ArrayList<>(calls.size());
        for (String[] c : calls.values()) {
            out.add(new ShadowAnswer.ToolCall(c[0], c[1]));
        }
        return new ShadowAnswer(text.toString(), out);
    }

    /** The usage the upstream reported, or null. */
    @Nullable
    Usage reported() {
        return reported;
    }

    /** Characters of text and tool calls (for a usage estimate). */
    long chars() {
        return chars;
    }
}
