package dev.burstgate.gateway.api;

import java.util.HashSet;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Validates the Chat Completions fields beyond plain text chat — tools, {@code tool_choice}, {@code response_format},
 * tool messages and content parts — as the OpenAI API does, so a malformed one is a 400 naming it here rather than an
 * upstream's error later. The fields themselves reach a remote tier unchanged.
 */
final class OpenAiFields {

    /** Function and schema names as OpenAI accepts them. */
    static final Pattern NAME = Pattern.compile("[a-zA-Z0-9_-]{1,64}");

    /** The most tools one request may declare. */
    static final int MAX_TOOLS = 128;

    private OpenAiFields() {}

    /** Validates {@code tools}; returns the declared function names. */
    static Set<String> tools(JsonNode tools) {
        Set<String> names = new HashSet<>();
        if (absent(tools)) {
            return names;
        }
        if (!tools.isArray()) {
            throw invalidType("tools", "'tools' must be an array of tools.");
        }
        if (tools.size() > MAX_TOOLS) {
            throw invalidValue("tools", "'tools' may hold at most " + MAX_TOOLS + " tools.");
        }
        for (int i = 0; i < tools.size(); i++) {
            JsonNode t = tools.get(i);
            String p = "tools[" + i + "]";
            if (!t.isObject()) {
                throw invalidType(
                        p, "'" + p + "' must be an object such as {\"type\":\"function\",\"function\":{...}}.");
            }
            String type = string(t, "type", p + ".type", true);
            if (!"function".equals(type)) {
                // other tool types (custom, ...) are the upstream's to judge; the local tier does not serve them
                continue;
            }
            JsonNode f = t.get("function");
            if (absent(f) || !f.isObject()) {
                throw missing(p + ".function", "'" + p + ".function' must be an object with a 'name'.");
            }
            String name = string(f, "name", p + ".function.name", true);
            if (name == null || !NAME.matcher(name).matches()) {
                throw invalidValue(
                        p + ".function.name", "'" + p + ".function.name' must be 1 to 64 letters, digits, '_' or '-'.");
            }
            if (!names.add(name)) {
                throw invalidValue(
                        p + ".function.name", "Tool names must be unique; " + JsonErrors.quote(name) + " repeats.");
            }
            string(f, "description", p + ".function.description", false);
            JsonNode params = f.get("parameters");
            if (!absent(params) && !params.isObject()) {
                throw invalidType(
                        p + ".function.parameters", "'" + p + ".function.parameters' must be a JSON Schema object.");
            }
            bool(f, "strict", p + ".function.strict");
        }
        return names;
    }

    /** Validates {@code tool_choice} against the declared tools. */
    static void toolChoice(JsonNode choice, Set<String> tools, boolean toolsDeclared) {
        if (absent(choice)) {
            return;
        }
        if (choice.isString()) {
            String v = choice.stringValue();
            if (!v.equals("none") && !v.equals("auto") && !v.equals("required")) {
                throw invalidValue(
                        "tool_choice",
                        "'tool_choice' must be 'none', 'auto', 'required' or {\"type\":\"function\",\"function\":"
                                + "{\"name\":...}}; got " + JsonErrors.quote(v) + ".");
            }
            if (!toolsDeclared && !v.equals("none")) {
                throw invalidValue("tool_choice", "'tool_choice' is only allowed when 'tools' are specified.");
            }
            return;
        }
        if (!choice.isObject()) {
            throw invalidType("tool_choice", "'tool_choice' must be a string or an object.");
        }
        if (!toolsDeclared) {
            throw invalidValue("tool_choice", "'tool_choice' is only allowed when 'tools' are specified.");
        }
        String type = string(choice, "type", "tool_choice.type", true);
        if (!"function".equals(type)) {
            return; // allowed_tools, custom: the upstream's to judge
        }
        JsonNode f = choice.get("function");
        String name = absent(f) || !f.isObject() ? null : string(f, "name", "tool_choice.function.name", true);
        if (name == null) {
            throw missing("tool_choice.function.name", "'tool_choice.function.name' is required.");
        }
        if (!tools.contains(name)) {
            throw invalidValue(
                    "tool_choice.function.name",
                    "'tool_choice' names " + JsonErrors.quote(name) + ", which is not among the request's tools.");
        }
    }

    /** Validates {@code response_format}. */
    static void responseFormat(JsonNode rf) {
        if (absent(rf)) {
            return;
        }
        if (!rf.isObject()) {
            throw invalidType("response_format", "'response_format' must be an object such as {\"type\":\"text\"}.");
        }
        String type = string(rf, "type", "response_format.type", true);
        switch (type == null ? "" : type) {
            case "text", "json_object" -> {}
            case "json_schema" -> {
                JsonNode js = rf.get("json_schema");
                if (absent(js) || !js.isObject()) {
                    throw missing(
                            "response_format.json_schema",
                            "'response_format.json_schema' is required when the type is 'json_schema'.");
                }
                String name = string(js, "name", "response_format.json_schema.name", true);
                if (name == null || !NAME.matcher(name).matches()) {
                    throw invalidValue(
                            "response_format.json_schema.name",
                            "'response_format.json_schema.name' must be 1 to 64 letters, digits, '_' or '-'.");
                }
                string(js, "description", "response_format.json_schema.description", false);
                JsonNode schema = js.get("schema");
                if (!absent(schema) && !schema.isObject()) {
                    throw invalidType(
                            "response_format.json_schema.schema",
                            "'response_format.json_schema.schema' must be a JSON Schema object.");
                }
                bool(js, "strict", "response_format.json_schema.strict");
            }
            default ->
                throw invalidValue(
                        "response_format.type",
                        "'response_format.type' must be 'text', 'json_object' or 'json_schema'; got "
                                + JsonErrors.quote(type == null ? "" : type) + ".");
        }
    }

    /** Validates an assistant message's {@code tool_calls}; returns whether it has any. */
    static boolean toolCalls(ObjectNode msg, String p) {
        JsonNode calls = msg.get("tool_calls");
        if (absent(calls)) {
            return false;
        }
        if (!calls.isArray()) {
            throw invalidType(p + ".tool_calls", "'" + p + ".tool_calls' must be an array.");
        }
        for (int i = 0; i < calls.size(); i++) {
            JsonNode c = calls.get(i);
            String cp = p + ".tool_calls[" + i + "]";
            if (!c.isObject()) {
                throw invalidType(cp, "'" + cp + "' must be an object.");
            }
            if (string(c, "id", cp + ".id", true) == null) {
                throw missing(cp + ".id", "'" + cp + ".id' is required.");
            }
            String type = string(c, "type", cp + ".type", false);
            if (type != null && !type.equals("function")) {
                continue;
            }
            JsonNode f = c.get("function");
            if (absent(f) || !f.isObject()) {
                throw missing(cp + ".function", "'" + cp + ".function' must be an object with 'name' and 'arguments'.");
            }
            if (string(f, "name", cp + ".function.name", true) == null) {
                throw missing(cp + ".function.name", "'" + cp + ".function.name' is required.");
            }
            if (string(f, "arguments", cp + ".function.arguments", true) == null) {
                throw missing(
                        cp + ".function.arguments", "'" + cp + ".function.arguments' is required (a JSON string).");
            }
        }
        return !calls.isEmpty();
    }

    /** A {@code tool} message's {@code tool_call_id}. */
    static void toolCallId(ObjectNode msg, String p) {
        if (string(msg, "tool_call_id", p + ".tool_call_id", true) == null) {
            throw missing(p + ".tool_call_id", "'" + p + ".tool_call_id' is required in a 'tool' message.");
        }
    }

    /** Validates one non-text content part of a message in {@code role}. */
    static void part(String role, String type, JsonNode part, String pp) {
        switch (type) {
            case "image_url" -> {
                if (!role.equals("user")) {
                    throw notInRole(role, type, pp);
                }
                JsonNode img = part.get("image_url");
                if (absent(img) || !img.isObject() || string(img, "url", pp + ".image_url.url", true) == null) {
                    throw missing(pp + ".image_url.url", "'" + pp + ".image_url.url' is required.");
                }
            }
            case "input_audio" -> {
                if (!role.equals("user")) {
                    throw notInRole(role, type, pp);
                }
                JsonNode a = part.get("input_audio");
                if (absent(a) || !a.isObject() || string(a, "data", pp + ".input_audio.data", true) == null) {
                    throw missing(pp + ".input_audio.data", "'" + pp + ".input_audio.data' is required.");
                }
                string(a, "format", pp + ".input_audio.format", false);
            }
            case "file" -> {
                if (!role.equals("user")) {
                    throw notInRole(role, type, pp);
                }
                JsonNode f = part.get("file");
                if (absent(f) || !f.isObject()) {
                    throw missing(pp + ".file", "'" + pp + ".file' must be an object.");
                }
            }
            case "refusal" -> {
                if (!role.equals("assistant")) {
                    throw notInRole(role, type, pp);
                }
                if (string(part, "refusal", pp + ".refusal", true) == null) {
                    throw missing(pp + ".refusal", "'" + pp + ".refusal' is required.");
                }
            }
            default ->
                throw ApiException.badRequest(
                        "invalid_value",
                        pp + ".type",
                        "'" + pp + ".type' must be one of text, image_url, input_audio, file, refusal; got "
                                + JsonErrors.quote(type) + ".");
        }
    }

    private static ApiException notInRole(String role, String type, String pp) {
        return ApiException.badRequest(
                "invalid_value",
                pp + ".type",
                "'" + pp + ".type' " + JsonErrors.quote(type) + " is not allowed in a '" + role + "' message.");
    }

    /** An optional string field; null when absent. */
    static @Nullable String string(JsonNode obj, String name, String p, boolean required) {
        JsonNode v = obj.get(name);
        if (absent(v)) {
            if (required) {
                throw missing(p, "'" + p + "' is required.");
            }
            return null;
        }
        if (!v.isString()) {
            throw invalidType(p, "'" + p + "' must be a string.");
        }
        return v.stringValue();
    }

    static void bool(JsonNode obj, String name, String p) {
        JsonNode v = obj.get(name);
        if (!absent(v) && !v.isBoolean()) {
            throw invalidType(p, "'" + p + "' must be a boolean.");
        }
    }

    static boolean absent(@Nullable JsonNode n) {
        return n == null || n.isNull() || n.isMissingNode();
    }

    private static ApiException invalidType(String p, String message) {
        return ApiException.badRequest("invalid_type", p, message);
    }

    private static ApiException invalidValue(String p, String message) {
        return ApiException.badRequest("invalid_value", p, message);
    }

    private static ApiException missing(String p, String message) {
        return ApiException.badRequest("missing_required_parameter", p, message);
    }
}
