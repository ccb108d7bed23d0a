package dev.burstgate.gateway.dispatch;

import dev.burstgate.gateway.api.ChatCompletionRequest;
import dev.burstgate.gateway.tier.AnswerConfidence;
import dev.burstgate.gateway.tier.UpstreamChunk;
import dev.burstgate.policies.policy.Policy;
import java.math.BigDecimal;
import java.math.RoundingMode;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Judges a local answer for a policy's cascade: its confidence against {@code escalate-below} and, when the cascade is
 * {@code structural}, whether it has the shape the request asked for. A pure function of the answer and the request.
 */
final class CascadeCheck {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private CascadeCheck() {}

    /**
     * The answer as far as the check needs it.
     *
     * @param content the answer text
     * @param toolCalls how many tool calls it made
     * @param finishReason the OpenAI finish reason, or null when there was none
     */
    record Answer(String content, int toolCalls, @Nullable String finishReason) {

        /** A streamed answer's {@code chat.completion.chunk}s, in order. */
        static Answer ofChunks(java.util.List<UpstreamChunk> chunks) {
            StringBuilder content = new StringBuilder();
            java.util.Set<Integer> calls = new java.util.HashSet<>();
            String finish = null;
            for (UpstreamChunk c : chunks) {
                for (JsonNode choice : c.json().path("choices")) {
                    JsonNode delta = choice.path("delta");
                    content.append(delta.path("content").asString(""));
                    int i = 0;
                    for (JsonNode call : delta.path("tool_calls")) {
                        calls.add(call.path("index").asInt(i++));
                    }
                    JsonNode reason = choice.get("finish_reason");
                    if (reason != null && !reason.isNull()) {
                        finish = reason.asString();
                    }
                }
            }
            return new Answer(content.toString(), calls.size(), finish);
        }

        /** A non-streamed {@code chat.completion}. */
        static Answer ofCompletion(JsonNode completion) {
            JsonNode choice = completion.path("choices").path(0);
            JsonNode message = choice.path("message");
            JsonNode reason = choice.get("finish_reason");
            return new Answer(
                    message.path("content").asString(""),
                    message.path("tool_calls").size(),
                    reason == null || reason.isNull() ? null : reason.asString());
        }
    }

    /**
     * Why the answer is escalated, short and client-safe ({@code local confidence 0.41 < 0.55}), or null to keep it.
     *
     * @param confidence the engine's confidence; null when it could not be measured (then only the structural check
     *     applies)
     */
    static @Nullable String escalation(
            Policy.Cascade cascade,
            ChatCompletionRequest request,
            Answer answer,
            @Nullable AnswerConfidence confidence) {
        if (confidence != null) {
            double value = confidence.signal(cascade.signal());
            if (cascade.escalates(value)) {
                String[] shown = shown(value, cascade.escalateBelow());
                return "local " + cascade.signal().reasonName() + " " + shown[0] + " < " + shown[1];
            }
        }
        if (!cascade.structural()) {
            return null;
        }
        if ("length".equals(answer.finishReason())) {
            return "local answer cut at max_tokens";
        }
        if (toolCallRequired(request) && answer.toolCalls() == 0) {
            return "local answer made no tool call";
        }
        String format = request.body().path("response_format").path("type").asString("");
        if (answer.toolCalls() == 0 && (format.equals("json_object") || format.equals("json_schema"))) {
            if (!parses(answer.content(), format.equals("json_object"))) {
                return "local answer is not valid JSON";
            }
        }
        return null;
    }

    /** {@code tool_choice: required}, or a named function. */
    private static boolean toolCallRequired(ChatCompletionRequest request) {
        JsonNode choice = request.body().get("tool_choice");
        if (choice == null || choice.isNull()) {
            return false;
        }
        return choice.isString() ? choice.asString().equals("required") : choice.isObject();
    }

    private static boolean parses(String content, boolean object) {
        try {
            JsonNode node = JSON.readTree(content);
            return node != null && !node.isMissingNode() && (!object || node.isObject());
        } catch (JacksonException e) {
            return false;
        }
    }

    /**
     * The value and the threshold with two decimals (rounded half up, like the router's reasons), or with as many more
     * as it takes (up to six) to tell them apart.
     */
    static String[] shown(double value, double threshold) {
        for (int scale = 2; scale < 6; scale++) {
            String v = fmt(value, scale);
            String t = fmt(threshold, scale);
            if (!v.equals(t)) {
                return new String[] {v, t};
            }
        }
        return new String[] {fmt(value, 6), fmt(threshold, 6)};
    }

    private static String fmt(double v, int scale) {
        return new BigDecimal(v).setScale(scale, RoundingMode.HALF_UP).toPlainString();
    }
}
