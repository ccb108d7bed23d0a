package dev.burstgate.gateway.tier;

import java.io.ByteArrayOutputStream;
import java.util.Map;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The client's chat body as an upstream (a cloud or legacy endpoint, or the local tier's runner) gets it, written
 * straight from the parsed tree without copying it: the client's own fields in their order, {@code model} set to the
 * upstream's model and, when streaming, {@code stream_options} replaced by {@code {"include_usage": true}} (so the
 * stream ends with usage); fields the body lacks are appended. Optionally {@code max_tokens} when the client set no
 * limit, and log-probabilities in place of the client's own settings when the gateway needs them.
 *
 * @param defaultMaxTokens {@code max_tokens} added when neither it nor {@code max_completion_tokens} is given; 0 adds
 *     nothing
 * @param topLogprobs when positive and the client did not ask for {@code logprobs} itself: {@code "logprobs": true}
 *     and {@code "top_logprobs"} of this many, the client's {@code logprobs}/{@code top_logprobs} fields left out
 */
public record UpstreamPayload(int defaultMaxTokens, int topLogprobs) {

    /** The body as it is, only the model and stream options set. */
    public static final UpstreamPayload PLAIN = new UpstreamPayload(0, 0);

    public byte[] write(JsonMapper json, ObjectNode body, String model, boolean stream) {
        boolean addLogprobs = topLogprobs > 0 && !asksForLogprobs(body);
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = json.createGenerator(out)) {
            g.writeStartObject();
            boolean modelWritten = false;
            boolean optionsWritten = false;
            for (Map.Entry<String, JsonNode> field : body.properties()) {
                String name = field.getKey();
                if (name.equals("model")) {
                    g.writeStringProperty("model", model);
                    modelWritten = true;
                } else if (stream && name.equals("stream_options")) {
                    writeStreamOptions(g);
                    optionsWritten = true;
                } else if (addLogprobs && (name.equals("logprobs") || name.equals("top_logprobs"))) {
                    continue;
                } else {
                    g.writeName(name);
                    g.writeTree(field.getValue());
                }
            }
            if (!modelWritten) {
                g.writeStringProperty("model", model);
            }
            if (stream && !optionsWritten) {
                writeStreamOptions(g);
            }
            if (defaultMaxTokens > 0 && isAbsent(body, "max_tokens") && isAbsent(body, "max_completion_tokens")) {
                g.writeNumberProperty("max_tokens", defaultMaxTokens);
            }
            if (addLogprobs) {
                g.writeBooleanProperty("logprobs", true);
                g.writeNumberProperty("top_logprobs", topLogprobs);
            }
            g.writeEndObject();
        }
        return out.toByteArray();
    }

    /** Whether the client asked for log-probabilities itself ({@code "logprobs": true}). */
    public static boolean asksForLogprobs(ObjectNode body) {
        JsonNode v = body.get("logprobs");
        return v != null && v.isBoolean() && v.booleanValue();
    }

    private static boolean isAbsent(ObjectNode body, String field) {
        JsonNode v = body.get(field);
        return v == null || v.isNull();
    }

    private static void writeStreamOptions(JsonGenerator g) {
        g.writeName("stream_options");
        g.writeStartObject();
        g.writeBooleanProperty("include_usage", true);
        g.writeEndObject();
    }
}
