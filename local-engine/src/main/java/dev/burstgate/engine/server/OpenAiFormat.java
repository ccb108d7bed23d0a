package dev.burstgate.engine.server;

import dev.burstgate.engine.ChatChunk;
import dev.burstgate.engine.ChatResult;
import dev.burstgate.engine.EngineStats;
import dev.burstgate.engine.ModelInfo;
import dev.burstgate.engine.ToolCall;
import dev.burstgate.engine.Usage;
import java.util.List;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * OpenAI Chat Completions JSON shapes. {@link #toolCalls} is public: the gateway's local tier writes the engine's tool
 * calls with it.
 */
public final class OpenAiFormat {

    private final ObjectMapper json;

    OpenAiFormat(ObjectMapper json) {
        this.json = json;
    }

    String completion(String id, long created, String model, ChatResult result) {
        ObjectNode root = header(id, "chat.completion", created, model);
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode message = choice.putObject("message");
        message.put("role", "assistant");
        if (result.content().isEmpty() && !result.toolCalls().isEmpty()) {
            message.putNull("content");
        } else {
            message.put("content", result.content());
        }
        if (result.reasoningContent() != null) {
            message.put("reasoning_content", result.reasoningContent());
        }
        if (!result.toolCalls().isEmpty()) {
            toolCalls(message.putArray("tool_calls"), result.toolCalls(), false);
        }
        choice.put("finish_reason", result.finishReason().wireName());
        usage(root, result.usage());
        return json.writeValueAsString(root);
    }

    /** The first chunk of a stream: the assistant role. */
    String roleChunk(String id, long created, String model) {
        ObjectNode root = header(id, "chat.completion.chunk", created, model);
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode delta = choice.putObject("delta");
        delta.put("role", "assistant");
        delta.put("content", "");
        choice.putNull("finish_reason");
        return json.writeValueAsString(root);
    }

    /** A content/reasoning delta, or the final chunk with {@code finish_reason} (and no usage). */
    String chunk(String id, long created, String model, ChatChunk chunk) {
        ObjectNode root = header(id, "chat.completion.chunk", created, model);
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode delta = choice.putObject("delta");
        if (!chunk.content().isEmpty()) {
            delta.put("content", chunk.content());
        }
        if (!chunk.reasoning().isEmpty()) {
            delta.put("reasoning_content", chunk.reasoning());
        }
        if (!chunk.toolCalls().isEmpty()) {
            toolCalls(delta.putArray("tool_calls"), chunk.toolCalls(), true);
        }
        if (chunk.finishReason() != null) {
            choice.put("finish_reason", chunk.finishReason().wireName());
        } else {
            choice.putNull("finish_reason");
        }
        return json.writeValueAsString(root);
    }

    /** The usage chunk sent before {@code [DONE]} when {@code stream_options.include_usage} is set. */
    String usageChunk(String id, long created, String model, Usage usage) {
        ObjectNode root = header(id, "chat.completion.chunk", created, model);
        root.putArray("choices");
        usage(root, usage);
        return json.writeValueAsString(root);
    }

    String error(String message, String type, @Nullable String param, @Nullable String code) {
        ObjectNode root = json.createObjectNode();
        ObjectNode error = root.putObject("error");
        error.put("message", message);
        error.put("type", type);
        if (param == null) {
            error.putNull("param");
        } else {
            error.put("param", param);
        }
        if (code == null) {
            error.putNull("code");
        } else {
            error.put("code", code);
        }
        return json.writeValueAsString(root);
    }

    String models(String modelId, long created, ModelInfo info) {
        ObjectNode root = json.createObjectNode();
        root.put("object", "list");
        ArrayNode data = root.putArray("data");
        ObjectNode m = data.addObject();
        m.put("id", modelId);
        m.put("object", "model");
        m.put("created", created);
        m.put("owned_by", "burstgate");
        ObjectNode meta = m.putObject("meta");
        meta.put("file", info.path().getFileName().toString());
        meta.put("architecture", info.architecture());
        meta.put("context", info.contextSize());
        meta.put("context_per_slot", info.contextPerSlot());
        meta.put("parallel", info.parallel());
        return json.writeValueAsString(root);
    }

    String health(String status, String modelId, EngineStats stats) {
        ObjectNode root = json.createObjectNode();
        root.put("status", status);
        root.put("model", modelId);
        ObjectNode slots = root.putObject("slots");
        slots.put("active", stats.activeSlots());
        slots.put("capacity", stats.capacity());
        slots.put("queued", stats.queued());
        slots.put("max_queue", stats.maxQueue());
        root.put("tokens_per_second", Math.round(stats.tokensPerSecond() * 10) / 10.0);
        root.put("time_to_first_token_ms", stats.timeToFirstToken().toMillis());
        root.put("completed_requests", stats.completedRequests());
        root.put("rejected_requests", stats.rejectedRequests());
        return json.writeValueAsString(root);
    }

    private ObjectNode header(String id, String object, long created, String model) {
        ObjectNode root = json.createObjectNode();
        root.put("id", id);
        root.put("object", object);
        root.put("created", created);
        root.put("model", model);
        return root;
    }

    /** OpenAI tool calls; in a stream each whole call is one delta with its {@code index}. */
    public static void toolCalls(ArrayNode array, List<ToolCall> calls, boolean indexed) {
        for (int i = 0; i < calls.size(); i++) {
            ToolCall c = calls.get(i);
            ObjectNode call = array.addObject();
            if (indexed) {
                call.put("index", i);
            }
            call.put("id", c.id());
            call.put("type", "function");
            ObjectNode function = call.putObject("function");
            function.put("name", c.name());
            function.put("arguments", c.arguments());
        }
    }

    private static void usage(ObjectNode root, Usage usage) {
        ObjectNode u = root.putObject("usage");
        u.put("prompt_tokens", usage.promptTokens());
        u.put("completion_tokens", usage.completionTokens());
        u.put("total_tokens", usage.totalTokens());
    }
}
