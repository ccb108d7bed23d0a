package dev.burstgate.engine.server;

import dev.burstgate.engine.ChatMessage;
import dev.burstgate.engine.ChatRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * An OpenAI {@code POST /v1/chat/completions} body, parsed and validated; every rejection names the field.
 *
 * @param model         the requested model id (echoed back; a node serves one model)
 * @param chat          the engine request
 * @param stream        whether to answer with server-sent events
 * @param includeUsage  {@code stream_options.include_usage}: send a usage chunk before {@code [DONE]}
 */
record ChatCompletionRequest(@Nullable String model, ChatRequest chat, boolean stream, boolean includeUsage) {

    /** A request the server refuses with 400. */
    static final class BadRequest extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final transient @Nullable String param;

        BadRequest(String message, @Nullable String param) {
            super(message);
            this.param = param;
        }

        /** The message the constructor was given, never null. */
        @Override
        public String getMessage() {
            return Objects.requireNonNull(super.getMessage());
        }

        @Nullable
        String param() {
            return param;
        }
    }

    static ChatCompletionRequest parse(ObjectMapper json, byte[] body) {
        JsonNode root;
        try {
            root = json.readTree(body);
        } catch (JacksonException e) {
            throw new BadRequest("request body is not valid JSON: " + e.getOriginalMessage(), null);
        }
        if (root == null || !root.isObject()) {
            throw new BadRequest("request body must be a JSON object", null);
        }
        String model = optionalString(root, "model");
        JsonNode messagesNode = root.get("messages");
        if (messagesNode == null || !messagesNode.isArray() || messagesNode.isEmpty()) {
            throw new BadRequest("'messages' must be a non-empty array", "messages");
        }
        List<ChatMessage> messages = new ArrayList<>();
        for (int i = 0; i < messagesNode.size(); i++) {
            messages.add(message(messagesNode.get(i), "messages[" + i + "]"));
        }
        ChatRequest.Builder b = ChatRequest.builder().messages(messages);
        Integer maxTokens = optionalInt(root, "max_completion_tokens");
        String maxParam = "max_completion_tokens";
        if (maxTokens == null) {
            maxTokens = optionalInt(root, "max_tokens");
            maxParam = "max_tokens";
        }
        if (maxTokens != null && maxTokens < 1) {
            throw new BadRequest("'" + maxParam + "' must be >= 1, got " + maxTokens, maxParam);
        }
        b.maxTokens(maxTokens);
        Double temperature = optionalNumber(root, "temperature");
        if (temperature != null && !(temperature >= 0 && temperature <= 2)) {
            throw new BadRequest("'temperature' must be in [0, 2], got " + temperature, "temperature");
        }
        b.temperature(temperature);
        Double topP = optionalNumber(root, "top_p");
        if (topP != null && !(topP > 0 && topP <= 1)) {
            throw new BadRequest("'top_p' must be in (0, 1], got " + topP, "top_p");
        }
        b.topP(topP);
        Integer n = optionalInt(root, "n");
        if (n != null && n != 1) {
            throw new BadRequest("'n' must be 1, got " + n, "n");
        }
        JsonNode seed = root.get("seed");
        if (seed != null && !seed.isNull()) {
            if (!seed.isIntegralNumber() || !seed.canConvertToLong()) {
                throw new BadRequest("'seed' must be an integer", "seed");
            }
            b.seed(seed.longValue());
        }
        b.stop(stops(root.get("stop")));
        Boolean ignoreEos = optionalBoolean(root, "ignore_eos");
        b.ignoreEos(ignoreEos != null && ignoreEos);
        Boolean stream = optionalBoolean(root, "stream");
        boolean includeUsage = false;
        JsonNode options = root.get("stream_options");
        if (options != null && !options.isNull()) {
            if (!options.isObject()) {
                throw new BadRequest("'stream_options' must be an object", "stream_options");
            }
            Boolean include = optionalBoolean(options, "include_usage");
            includeUsage = include != null && include;
        }
        ChatRequest chat;
        try {
            chat = b.build();
        } catch (IllegalArgumentException e) {
            throw new BadRequest(Objects.requireNonNullElse(e.getMessage(), "invalid request"), null);
        }
        return new ChatCompletionRequest(model, chat, stream != null && stream, includeUsage);
    }

    private static ChatMessage message(JsonNode node, String path) {
        if (node == null || !node.isObject()) {
            throw new BadRequest("'" + path + "' must be an object", path);
        }
        JsonNode roleNode = node.get("role");
        if (roleNode == null || !roleNode.isString()) {
            throw new BadRequest("'" + path + ".role' must be a string", path + ".role");
        }
        ChatMessage.Role role;
        try {
            role = ChatMessage.Role.fromWire(roleNode.stringValue());
        } catch (IllegalArgumentException e) {
            throw new BadRequest("'" + path + ".role' " + e.getMessage(), path + ".role");
        }
        JsonNode content = node.get("content");
        String text;
        if (content == null || content.isNull()) {
            if (role != ChatMessage.Role.ASSISTANT) {
                throw new BadRequest("'" + path + ".content' is required", path + ".content");
            }
            text = "";
        } else if (content.isString()) {
            text = content.stringValue();
        } else if (content.isArray()) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < content.size(); i++) {
                JsonNode part = content.get(i);
                String partPath = path + ".content[" + i + "]";
                if (part == null || !part.isObject() || !"text".equals(optionalString(part, "type"))) {
                    throw new BadRequest(
                            "'" + partPath + "' must be a text part {\"type\":\"text\",\"text\":...}", partPath);
                }
                String t = optionalString(part, "text");
                if (t == null) {
                    throw new BadRequest("'" + partPath + ".text' must be a string", partPath + ".text");
                }
                sb.append(t);
            }
            text = sb.toString();
        } else {
            throw new BadRequest(
                    "'" + path + ".content' must be a string or an array of text parts", path + ".content");
        }
        return new ChatMessage(role, text);
    }

    private static List<String> stops(@Nullable JsonNode stop) {
        if (stop == null || stop.isNull()) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        if (stop.isString()) {
            out.add(stop.stringValue());
        } else if (stop.isArray()) {
            for (JsonNode s : stop) {
                if (!s.isString()) {
                    throw new BadRequest("'stop' must be a string or an array of strings", "stop");
                }
                out.add(s.stringValue());
            }
        } else {
            throw new BadRequest("'stop' must be a string or an array of strings", "stop");
        }
        if (out.size() > ChatRequest.MAX_STOP) {
            throw new BadRequest("'stop' may hold at most " + ChatRequest.MAX_STOP + " strings", "stop");
        }
        for (String s : out) {
            if (s.isEmpty()) {
                throw new BadRequest("'stop' strings must not be empty", "stop");
            }
        }
        return out;
    }

    private static @Nullable String optionalString(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isString()) {
            throw new BadRequest("'" + field + "' must be a string", field);
        }
        return v.stringValue();
    }

    private static @Nullable Integer optionalInt(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw new BadRequest("'" + field + "' must be an integer", field);
        }
        return v.intValue();
    }

    private static @Nullable Double optionalNumber(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isNumber()) {
            throw new BadRequest("'" + field + "' must be a number", field);
        }
        return v.doubleValue();
    }

    private static @Nullable Boolean optionalBoolean(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isBoolean()) {
            throw new BadRequest("'" + field + "' must be a boolean", field);
        }
        return v.booleanValue();
    }
}
