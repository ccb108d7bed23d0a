package dev.burstgate.gateway.api;

import dev.burstgate.policies.Tier;
import dev.burstgate.policies.capability.ChatBodyNeeds;
import dev.burstgate.policies.classifier.ChatMessage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Parses and validates a chat completion body. Every rejection is a 400 in the OpenAI shape naming the parameter,
 * never a 500: the body is untrusted input.
 */
public final class ChatRequestParser {

    /** The {@code model} value that lets the classifier and policy decide. */
    public static final String AUTO = "auto";

    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool");

    /**
     * Accepted and forwarded to remote tiers unchanged; the local engine ignores them (they steer an upstream's
     * service, storage or sampling penalties, not what the answer can be).
     */
    private static final Set<String> PASS_THROUGH = Set.of(
            "user",
            "metadata",
            "store",
            "presence_penalty",
            "frequency_penalty",
            "service_tier",
            "logit_bias",
            "reasoning_effort",
            "verbosity",
            "prompt_cache_key",
            "safety_identifier");

    /**
     * Accepted and forwarded to the tiers that serve them; a tier that does not is skipped by routing
     * ({@code ChatBodyNeeds} reads which capability each needs).
     */
    private static final Set<String> BY_CAPABILITY = Set.of(
            "tools",
            "tool_choice",
            "parallel_tool_calls",
            "functions",
            "function_call",
            "logprobs",
            "top_logprobs",
            "audio",
            "modalities",
            "prediction",
            "web_search_options");

    private static final Set<String> HANDLED = Set.of(
            "model",
            "messages",
            "stream",
            "stream_options",
            "max_tokens",
            "max_completion_tokens",
            "temperature",
            "top_p",
            "stop",
            "seed",
            "n",
            "response_format");

    /** The most stop sequences, and their longest length in characters. */
    static final int MAX_STOP = 4;

    static final int MAX_STOP_LENGTH = 256;

    private final JsonMapper json;
    private final Map<String, @Nullable Tier> models;

    /**
     * @param aliases extra model names mapping to {@code auto} or a tier name
     */
    public ChatRequestParser(JsonMapper json, Map<String, String> aliases) {
        // A key given twice is refused, not resolved silently ("model":"local","model":"cloud" would be billed as
        // cloud).
        this.json = json.rebuild()
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .build();
        Map<String, @Nullable Tier> m = new LinkedHashMap<>();
        m.put(AUTO, null);
        for (Tier t : Tier.values()) {
            m.put(t.label(), t);
        }
        aliases.forEach((alias, target) -> {
            String key = target.strip().toLowerCase(Locale.ROOT);
            if (!m.containsKey(key)) {
                throw new IllegalArgumentException(
                        "burstgate.models." + alias + ": '" + target + "' is not auto, local, cloud or legacy");
            }
            m.put(alias, m.get(key));
        });
        this.models = java.util.Collections.unmodifiableMap(m);
    }

    /** Model names clients may use, in the order {@code GET /v1/models} lists them. */
    public Map<String, @Nullable Tier> models() {
        return models;
    }

    public ChatCompletionRequest parse(byte[] bytes) {
        JsonNode root;
        try {
            root = json.readTree(bytes);
        } catch (JacksonException e) {
            throw ApiException.badRequest("invalid_json", null, JsonErrors.describe(e));
        }
        if (root == null || !root.isObject()) {
            throw ApiException.badRequest("invalid_json", null, "Request body must be a JSON object.");
        }
        ObjectNode body = (ObjectNode) root;
        for (String name : body.propertyNames()) {
            if (!HANDLED.contains(name) && !PASS_THROUGH.contains(name) && !BY_CAPABILITY.contains(name)) {
                // 'param' names the field as the client spelled it, cut like every echo of the client's words.
                throw ApiException.badRequest(
                        "unknown_parameter",
                        name.length() > JsonErrors.ECHO_LIMIT ? name.substring(0, JsonErrors.ECHO_LIMIT) : name,
                        "Unrecognized request argument supplied: " + JsonErrors.quote(name) + ".");
            }
        }

        String model = AUTO;
        JsonNode m = body.get("model");
        if (m != null && !m.isNull()) {
            if (!m.isString()) {
                throw ApiException.badRequest("invalid_type", "model", "'model' must be a string.");
            }
            model = m.stringValue();
        }
        if (!models.containsKey(model)) {
            throw ApiException.badRequest(
                    "model_not_found",
                    "model",
                    "The model " + JsonErrors.quote(model) + " does not exist. Valid models: "
                            + String.join(", ", models.keySet()) + ".");
        }

        List<ChatCompletionRequest.Message> messages = messages(body.get("messages"));
        Set<String> tools = OpenAiFields.tools(body.path("tools"));
        OpenAiFields.toolChoice(
                body.path("tool_choice"), tools, body.path("tools").isArray());
        OpenAiFields.bool(body, "parallel_tool_calls", "parallel_tool_calls");
        OpenAiFields.bool(body, "logprobs", "logprobs");
        JsonNode topLogprobs = body.get("top_logprobs");
        if (topLogprobs != null && !topLogprobs.isNull()) {
            if (!topLogprobs.isIntegralNumber()) {
                throw ApiException.badRequest("invalid_type", "top_logprobs", "'top_logprobs' must be an integer.");
            }
            if (!topLogprobs.canConvertToInt() || topLogprobs.intValue() < 0 || topLogprobs.intValue() > 20) {
                throw ApiException.badRequest(
                        "invalid_value", "top_logprobs", "'top_logprobs' must be between 0 and 20.");
            }
        }
        JsonNode logitBias = body.get("logit_bias");
        if (logitBias != null && !logitBias.isNull() && !logitBias.isObject()) {
            throw ApiException.badRequest(
                    "invalid_type", "logit_bias", "'logit_bias' must be an object of token ids to numbers.");
        }
        boolean stream = bool(body, "stream");
        boolean includeUsage = false;
        JsonNode so = body.get("stream_options");
        if (so != null && !so.isNull()) {
            if (!so.isObject()) {
                throw ApiException.badRequest("invalid_type", "stream_options", "'stream_options' must be an object.");
            }
            if (!stream) {
                throw ApiException.badRequest(
                        "invalid_value", "stream_options", "'stream_options' is only allowed when 'stream' is true.");
            }
            JsonNode iu = so.get("include_usage");
            if (iu != null && !iu.isNull() && !iu.isBoolean()) {
                throw ApiException.badRequest(
                        "invalid_type",
                        "stream_options.include_usage",
                        "'stream_options.include_usage' must be a boolean.");
            }
            includeUsage = iu != null && iu.asBoolean(false);
        }
        Integer maxTokens = positiveInt(body, "max_completion_tokens");
        if (maxTokens == null) {
            maxTokens = positiveInt(body, "max_tokens");
        }
        Double temperature = number(body, "temperature", 0, 2);
        Double topP = number(body, "top_p", 0, 1);
        Long seed = null;
        JsonNode s = body.get("seed");
        if (s != null && !s.isNull()) {
            if (!s.isIntegralNumber()) {
                throw ApiException.badRequest("invalid_type", "seed", "'seed' must be an integer.");
            }
            if (!s.canConvertToLong()) {
                throw ApiException.badRequest(
                        "invalid_value",
                        "seed",
                        "'seed' must be between " + Long.MIN_VALUE + " and " + Long.MAX_VALUE + ".");
            }
            seed = s.longValue();
        }
        JsonNode n = body.get("n");
        if (n != null && !n.isNull()) {
            if (!n.isIntegralNumber()) {
                throw ApiException.badRequest("invalid_type", "n", "'n' must be an integer.");
            }
            if (!n.canConvertToInt() || n.intValue() < 1 || n.intValue() > 128) {
                throw ApiException.badRequest("invalid_value", "n", "'n' must be between 1 and 128.");
            }
            if (n.intValue() > 1 && stream) {
                // a stream carries one choice at a time in this gateway's usage accounting
                throw ApiException.badRequest(
                        "unsupported_parameter", "n", "'n' greater than 1 is supported without streaming only.");
            }
        }
        OpenAiFields.responseFormat(body.path("response_format"));
        List<String> stop = stop(body.get("stop"));
        return new ChatCompletionRequest(
                body,
                model,
                models.get(model),
                messages,
                ChatBodyNeeds.read(body),
                stream,
                includeUsage,
                maxTokens,
                temperature,
                topP,
                stop,
                seed);
    }

    private static List<ChatCompletionRequest.Message> messages(@Nullable JsonNode node) {
        if (node == null || node.isNull()) {
            throw ApiException.badRequest(
                    "missing_required_parameter", "messages", "Missing required parameter: 'messages'.");
        }
        if (!node.isArray()) {
            throw ApiException.badRequest("invalid_type", "messages", "'messages' must be an array.");
        }
        if (node.isEmpty()) {
            throw ApiException.badRequest("invalid_value", "messages", "'messages' must contain at least one message.");
        }
        List<ChatCompletionRequest.Message> out = new ArrayList<>(node.size());
        for (int i = 0; i < node.size(); i++) {
            JsonNode msg = node.get(i);
            String p = "messages[" + i + "]";
            if (!msg.isObject()) {
                throw ApiException.badRequest("invalid_type", p, "'" + p + "' must be an object.");
            }
            JsonNode role = msg.get("role");
            if (role == null || !role.isString()) {
                throw ApiException.badRequest(
                        "missing_required_parameter", p + ".role", "'" + p + ".role' must be a string.");
            }
            if (!ROLES.contains(role.stringValue())) {
                throw ApiException.badRequest(
                        "invalid_value",
                        p + ".role",
                        "'" + p + ".role' must be one of system, developer, user, assistant, tool; got "
                                + JsonErrors.quote(role.stringValue()) + ".");
            }
            String r = role.stringValue();
            ObjectNode m = (ObjectNode) msg;
            if (r.equals("assistant")) {
                OpenAiFields.toolCalls(m, p);
            } else if (m.has("tool_calls") && !m.get("tool_calls").isNull()) {
                throw ApiException.badRequest(
                        "invalid_value",
                        p + ".tool_calls",
                        "'" + p + ".tool_calls' is allowed in assistant messages only.");
            }
            if (r.equals("tool")) {
                OpenAiFields.toolCallId(m, p);
            }
            out.add(new ChatCompletionRequest.Message(r, content(r, msg.get("content"), p + ".content")));
        }
        return List.copyOf(out);
    }

    private static String content(String role, @Nullable JsonNode c, String p) {
        if (c == null || c.isNull()) {
            return "";
        }
        if (c.isString()) {
            return c.stringValue();
        }
        if (!c.isArray()) {
            throw ApiException.badRequest("invalid_type", p, "'" + p + "' must be a string or an array of text parts.");
        }
        List<String> parts = new ArrayList<>(c.size());
        for (int j = 0; j < c.size(); j++) {
            JsonNode part = c.get(j);
            String pp = p + "[" + j + "]";
            if (!part.isObject()) {
                throw ApiException.badRequest(
                        "invalid_type",
                        pp,
                        "'" + pp + "' must be an object such as " + "{\"type\":\"text\",\"text\":\"...\"}.");
            }
            JsonNode type = part.get("type");
            if (type == null || !type.isString()) {
                throw ApiException.badRequest("invalid_type", pp + ".type", "'" + pp + ".type' must be a string.");
            }
            if (!"text".equals(type.stringValue())) {
                // images, audio, files, refusals: validated here, forwarded as they are, not part of the text
                OpenAiFields.part(role, type.stringValue(), part, pp);
                continue;
            }
            JsonNode t = part.get("text");
            if (t == null || !t.isString()) {
                throw ApiException.badRequest("invalid_type", pp + ".text", "'" + pp + ".text' must be a string.");
            }
            parts.add(t.stringValue());
        }
        return ChatMessage.joinParts(parts);
    }

    private static boolean bool(ObjectNode body, String name) {
        JsonNode v = body.get(name);
        if (v == null || v.isNull()) {
            return false;
        }
        if (!v.isBoolean()) {
            throw ApiException.badRequest("invalid_type", name, "'" + name + "' must be a boolean.");
        }
        return v.booleanValue();
    }

    private static @Nullable Integer positiveInt(ObjectNode body, String name) {
        JsonNode v = body.get(name);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isIntegralNumber()) {
            throw ApiException.badRequest("invalid_type", name, "'" + name + "' must be an integer.");
        }
        if (!v.canConvertToInt() || v.intValue() < 1) {
            throw ApiException.badRequest(
                    "invalid_value", name, "'" + name + "' must be between 1 and " + Integer.MAX_VALUE + ".");
        }
        return v.intValue();
    }

    private static @Nullable Double number(ObjectNode body, String name, double min, double max) {
        JsonNode v = body.get(name);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isNumber()) {
            throw ApiException.badRequest("invalid_type", name, "'" + name + "' must be a number.");
        }
        // The JDK's conversions, which round a number past a double's range to an infinity; the node's own throw.
        double d = v.isIntegralNumber()
                ? v.bigIntegerValue().doubleValue()
                : v.isBigDecimal() ? v.decimalValue().doubleValue() : v.doubleValue();
        if (!(d >= min && d <= max)) {
            throw ApiException.badRequest(
                    "invalid_value", name, "'" + name + "' must be between " + min + " and " + max + ".");
        }
        return d;
    }

    private static List<String> stop(@Nullable JsonNode v) {
        if (v == null || v.isNull()) {
            return List.of();
        }
        if (v.isString()) {
            return List.of(stopSequence(v.stringValue()));
        }
        if (!v.isArray()) {
            throw ApiException.badRequest(
                    "invalid_type", "stop", "'stop' must be a string or an array of at most " + MAX_STOP + " strings.");
        }
        if (v.size() > MAX_STOP) {
            throw ApiException.badRequest("invalid_value", "stop", "'stop' may hold at most " + MAX_STOP + " strings.");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode s : v) {
            if (!s.isString()) {
                throw ApiException.badRequest(
                        "invalid_type",
                        "stop",
                        "'stop' must be a string or an array of at most " + MAX_STOP + " strings.");
            }
            out.add(stopSequence(s.stringValue()));
        }
        return List.copyOf(out);
    }

    private static String stopSequence(String s) {
        if (s.isEmpty()) {
            throw ApiException.badRequest("invalid_value", "stop", "'stop' sequences must not be empty.");
        }
        if (s.length() > MAX_STOP_LENGTH) {
            throw ApiException.badRequest(
                    "invalid_value",
                    "stop",
                    "'stop' sequences may be at most " + MAX_STOP_LENGTH + " characters long.");
        }
        return s;
    }
}
