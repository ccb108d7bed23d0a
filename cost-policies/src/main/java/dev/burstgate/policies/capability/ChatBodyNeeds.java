package dev.burstgate.policies.capability;

import java.util.EnumMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * Reads what a Chat Completions body needs: the one reading the gateway applies to a live request and the policy lab
 * to a recorded one. Only the shape is looked at here; validation is the gateway's parser's job.
 */
public final class ChatBodyNeeds {

    private ChatBodyNeeds() {}

    /** The capabilities {@code body} needs, each with the first parameter that needs it. */
    public static Map<Capability, String> read(JsonNode body) {
        Map<Capability, String> out = new EnumMap<>(Capability.class);
        if (present(body.get("tools")) && !body.get("tools").isEmpty()) {
            out.putIfAbsent(Capability.TOOLS, "tools");
        }
        JsonNode tools = body.path("tools");
        for (int i = 0; i < tools.size(); i++) {
            if (!tools.get(i).path("type").asString("function").equals("function")) {
                out.putIfAbsent(Capability.OPENAI_EXTRAS, "tools[" + i + "]");
            }
        }
        JsonNode choice = body.path("tool_choice");
        if (choice.isObject() && !choice.path("type").asString("function").equals("function")) {
            out.putIfAbsent(Capability.OPENAI_EXTRAS, "tool_choice");
        }
        if (present(body.get("functions")) || present(body.get("function_call"))) {
            out.putIfAbsent(Capability.FUNCTIONS, present(body.get("functions")) ? "functions" : "function_call");
        }
        String format = body.path("response_format").path("type").asString("");
        if (format.equals("json_object") || format.equals("json_schema")) {
            out.putIfAbsent(Capability.JSON_SCHEMA, "response_format");
        }
        if (body.path("logprobs").asBoolean(false) || present(body.get("top_logprobs"))) {
            out.putIfAbsent(Capability.LOGPROBS, body.path("logprobs").asBoolean(false) ? "logprobs" : "top_logprobs");
        }
        if (body.path("n").asInt(1) > 1) {
            out.putIfAbsent(Capability.MULTIPLE_CHOICES, "n");
        }
        if (present(body.get("audio"))) {
            out.putIfAbsent(Capability.AUDIO, "audio");
        }
        for (JsonNode m : body.path("modalities")) {
            if (m.asString("").equals("audio")) {
                out.putIfAbsent(Capability.AUDIO, "modalities");
            }
        }
        for (String name : new String[] {"prediction", "web_search_options"}) {
            if (present(body.get(name))) {
                out.putIfAbsent(Capability.OPENAI_EXTRAS, name);
            }
        }
        JsonNode messages = body.path("messages");
        for (int i = 0; i < messages.size(); i++) {
            JsonNode m = messages.get(i);
            String p = "messages[" + i + "]";
            String role = m.path("role").asString("");
            if (role.equals("tool")) {
                out.putIfAbsent(Capability.TOOLS, p);
            } else if (role.equals("function")) {
                out.putIfAbsent(Capability.FUNCTIONS, p);
            }
            if (present(m.get("tool_calls")) && !m.get("tool_calls").isEmpty()) {
                out.putIfAbsent(Capability.TOOLS, p + ".tool_calls");
            }
            if (present(m.get("function_call"))) {
                out.putIfAbsent(Capability.FUNCTIONS, p + ".function_call");
            }
            JsonNode content = m.get("content");
            if (content == null || !content.isArray()) {
                continue;
            }
            for (int j = 0; j < content.size(); j++) {
                String pp = p + ".content[" + j + "]";
                switch (content.get(j).path("type").asString("")) {
                    case "image_url", "image" -> out.putIfAbsent(Capability.VISION, pp);
                    case "input_audio" -> out.putIfAbsent(Capability.AUDIO, pp);
                    case "file" -> out.putIfAbsent(Capability.FILES, pp);
                    default -> {}
                }
            }
        }
        return out;
    }

    private static boolean present(@Nullable JsonNode n) {
        return n != null && !n.isNull() && !n.isMissingNode();
    }
}
