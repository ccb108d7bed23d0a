package dev.burstgate.gateway.testsupport;

import dev.burstgate.gateway.tier.AttemptFailure;
import dev.burstgate.gateway.tier.UpstreamChunk;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/** What an OpenAI-compatible upstream sends, for {@link ScriptedTier}s: chunks, usage chunks, whole answers, failures. */
public final class Upstream {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private Upstream() {}

    /** A {@code chat.completion.chunk} with one content delta; {@code finish} null while the stream goes on. */
    public static ObjectNode chunk(String content, @Nullable String finish) {
        ObjectNode c = NODES.objectNode();
        c.put("id", "chatcmpl-1")
                .put("object", "chat.completion.chunk")
                .put("created", 1)
                .put("model", "m");
        ObjectNode choice = c.putArray("choices").addObject();
        choice.put("index", 0);
        choice.putObject("delta").put("content", content);
        if (finish == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finish);
        }
        return c;
    }

    /** A stream's closing chunk with no choices and the usage. */
    public static ObjectNode usageChunk(long prompt, long completion) {
        ObjectNode c = NODES.objectNode();
        c.put("id", "chatcmpl-1")
                .put("object", "chat.completion.chunk")
                .put("created", 1)
                .put("model", "m");
        c.putArray("choices");
        usage(c, prompt, completion);
        return c;
    }

    /** A whole {@code chat.completion} with its usage. */
    public static ObjectNode completion(String content, long prompt, long completion) {
        ObjectNode c = NODES.objectNode();
        c.put("id", "chatcmpl-2")
                .put("object", "chat.completion")
                .put("created", 1)
                .put("model", "m");
        ObjectNode choice = c.putArray("choices").addObject();
        choice.put("index", 0).put("finish_reason", "stop");
        choice.putObject("message").put("role", "assistant").put("content", content);
        usage(c, prompt, completion);
        return c;
    }

    /** {@code json} as received from a pool node. */
    public static UpstreamChunk up(ObjectNode json) {
        return new UpstreamChunk("http://node", json);
    }

    /** An attempt that fails before its first byte (the dispatcher may fall back). */
    public static Flux<UpstreamChunk> failBeforeFirstByte(String why) {
        return Flux.error(
                new AttemptFailure("http://node", AttemptFailure.Kind.FAILED, why, new IllegalStateException(why)));
    }

    private static void usage(ObjectNode c, long prompt, long completion) {
        c.putObject("usage")
                .put("prompt_tokens", prompt)
                .put("completion_tokens", completion)
                .put("total_tokens", prompt + completion);
    }
}
