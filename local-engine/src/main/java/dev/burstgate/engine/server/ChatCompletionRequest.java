package dev.burstgate.engine.server;

import dev.burstgate.engine.ChatMessage;
import dev.burstgate.engine.ChatRequest;
import dev.burstgate.engine.ResponseFormat;
import dev.burstgate.engine.Tool;
import dev.burstgate.engine.ToolCall;
import dev.burstgate.engine.ToolChoice;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * An OpenAI {@code POST /v1/chat/completions} body, parsed and validated; every rejection names the field. The
 * readings of tools, {@code tool_choice}, {@code response_format} and assistant {@code tool_calls} are public: the
 * gateway's local tier maps the same OpenAI fields to the engine with them. They throw an unchecked exception naming
 * the field when a value is malformed.
 *
 * @param model         the requested model id (echoed back; a node serves one model)
 * @param chat          the engine request
 * @param stream        whether to answer with server-sent events
 * @param includeUsage  {@code stream_options.include_usage}: send a usage chunk before {@code [DONE]}
 */
public record ChatCompletionRequest(@Nullable String model, ChatRequest chat, boolean stream, boolean includeUsage) {

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
        b.tools(tools(json, root.get("tools")));
        b.toolChoice(toolChoice(root.get("tool_choice")));
        Boolean parallel = optionalBoolean(root, "parallel_tool_calls");
        b.parallelToolCalls(parallel == null || parallel);
        b.responseFormat(responseFormat(json, root.get("response_format")));
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
        List<ToolCall> calls = role == ChatMessage.Role.ASSISTANT ? toolCalls(node.get("tool_calls"), path) : List.of();
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
        if (role == ChatMessage.Role.TOOL) {
            JsonNode id = node.get("tool_call_id");
            if (id == null || !id.isString() || id.stringValue().isBlank()) {
                throw new BadRequest("'" + path + ".tool_call_id' must be a non-empty string", path + ".tool_call_id");
            }
            return ChatMessage.tool(id.stringValue(), text);
        }
        return new ChatMessage(role, text, calls, null);
    }

    /** An assistant message's {@code tool_calls} ({@code path} names the message in errors). */
    public static List<ToolCall> toolCalls(@Nullable JsonNode node, String path) {
        if (node == null || node.isNull()) {
            return List.of();
        }
        String p = path + ".tool_calls";
        if (!node.isArray()) {
            throw new BadRequest("'" + p + "' must be an array", p);
        }
        List<ToolCall> out = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            JsonNode c = node.get(i);
            String cp = p + "[" + i + "]";
            JsonNode function = c == null ? null : c.get("function");
            if (c == null || !c.isObject() || function == null || !function.isObject()) {
                throw new BadRequest("'" + cp + "' must be {\"id\", \"type\": \"function\", \"function\": {...}}", cp);
            }
            JsonNode id = c.get("id");
            JsonNode name = function.get("name");
            JsonNode arguments = function.get("arguments");
            if (id == null || !id.isString() || id.stringValue().isBlank()) {
                throw new BadRequest("'" + cp + ".id' must be a non-empty string", cp + ".id");
            }
            if (name == null || !name.isString() || name.stringValue().isBlank()) {
                throw new BadRequest("'" + cp + ".function.name' must be a non-empty string", cp + ".function.name");
            }
            String args = arguments == null || arguments.isNull()
                    ? "{}"
                    : arguments.isString() ? arguments.stringValue() : arguments.toString();
            out.add(new ToolCall(id.stringValue(), name.stringValue(), args));
        }
        return out;
    }

    /** A request's {@code tools}; none when absent. */
    public static List<Tool> tools(ObjectMapper json, @Nullable JsonNode node) {
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            throw new BadRequest("'tools' must be an array", "tools");
        }
        if (node.size() > ChatRequest.MAX_TOOLS) {
            throw new BadRequest("'tools' may hold at most " + ChatRequest.MAX_TOOLS + " functions", "tools");
        }
        List<Tool> out = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            JsonNode t = node.get(i);
            String p = "tools[" + i + "]";
            if (t == null || !t.isObject() || !"function".equals(textOf(t.get("type")))) {
                throw new BadRequest("'" + p + "' must be {\"type\": \"function\", \"function\": {...}}", p);
            }
            JsonNode f = t.get("function");
            if (f == null || !f.isObject()) {
                throw new BadRequest("'" + p + ".function' must be an object", p + ".function");
            }
            String name = textOf(f.get("name"));
            if (name == null) {
                throw new BadRequest("'" + p + ".function.name' must be a string", p + ".function.name");
            }
            JsonNode d = f.get("description");
            if (d != null && !d.isNull() && !d.isString()) {
                throw new BadRequest("'" + p + ".function.description' must be a string", p + ".function.description");
            }
            JsonNode params = f.get("parameters");
            if (params != null && !params.isNull() && !params.isObject()) {
                throw new BadRequest(
                        "'" + p + ".function.parameters' must be a JSON Schema object", p + ".function.parameters");
            }
            JsonNode strict = f.get("strict");
            try {
                out.add(new Tool(
                        name,
                        d == null || d.isNull() ? null : d.stringValue(),
                        params == null || params.isNull() ? Tool.ANY_OBJECT : json.writeValueAsString(params),
                        strict != null && strict.isBoolean() && strict.booleanValue()));
            } catch (IllegalArgumentException e) {
                throw new BadRequest("'" + p + ".function': " + e.getMessage(), p + ".function.name");
            }
        }
        return out;
    }

    /** A request's {@code tool_choice}; {@code auto} when absent. */
    public static ToolChoice toolChoice(@Nullable JsonNode node) {
        if (node == null || node.isNull()) {
            return ToolChoice.AUTO;
        }
        if (node.isString()) {
            return switch (node.stringValue()) {
                case "none" -> ToolChoice.NONE;
                case "auto" -> ToolChoice.AUTO;
                case "required" -> ToolChoice.REQUIRED;
                default ->
                    throw new BadRequest("'tool_choice' must be none, auto, required or a function", "tool_choice");
            };
        }
        JsonNode f = node.isObject() ? node.get("function") : null;
        String name = f == null ? null : textOf(f.get("name"));
        if (name == null || name.isBlank()) {
            throw new BadRequest(
                    "'tool_choice' must be none, auto, required or {\"type\": \"function\", \"function\": {\"name\": ...}}",
                    "tool_choice");
        }
        return ToolChoice.function(name);
    }

    /** A request's {@code response_format}; text when absent. */
    public static ResponseFormat responseFormat(ObjectMapper json, @Nullable JsonNode node) {
        if (node == null || node.isNull()) {
            return ResponseFormat.TEXT;
        }
        String type = node.isObject() ? textOf(node.get("type")) : null;
        if (type == null) {
            throw new BadRequest("'response_format' must be an object with a 'type'", "response_format");
        }
        return switch (type) {
            case "text" -> ResponseFormat.TEXT;
            case "json_object" -> ResponseFormat.JSON_OBJECT;
            case "json_schema" -> {
                JsonNode js = node.get("json_schema");
                JsonNode schema = js == null ? null : js.get("schema");
                if (js == null || !js.isObject() || schema == null || !(schema.isObject() || schema.isBoolean())) {
                    throw new BadRequest(
                            "'response_format.json_schema.schema' must be a JSON Schema object",
                            "response_format.json_schema.schema");
                }
                JsonNode strict = js.get("strict");
                yield ResponseFormat.jsonSchema(
                        textOf(js.get("name")),
                        json.writeValueAsString(schema),
                        strict != null && strict.isBoolean() && strict.booleanValue());
            }
            default ->
                throw new BadRequest(
                        "'response_format.type' must be text, json_object or json_schema", "response_format.type");
        };
    }

    private static @Nullable String textOf(@Nullable JsonNode node) {
        return node != null && node.isString() ? node.stringValue() : null;
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
