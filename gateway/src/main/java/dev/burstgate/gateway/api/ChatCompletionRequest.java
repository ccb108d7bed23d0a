package dev.burstgate.gateway.api;

import dev.burstgate.policies.Tier;
import dev.burstgate.policies.capability.Capability;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.node.ObjectNode;

/**
 * A validated {@code POST /v1/chat/completions} body.
 *
 * @param body the client's JSON body as received (remote tiers forward it, with the model swapped)
 * @param model the {@code model} the client named ({@code auto} when absent)
 * @param forcedTier the tier the model name forces, or null for {@code auto}
 * @param messages the conversation, text only (images, audio and tool calls stay in {@code body})
 * @param needs what the request needs from the tier that answers it, each with the parameter that needs it
 * @param stream whether the client asked for server-sent events
 * @param includeUsage whether the client asked for a usage chunk at the end of the stream
 * @param maxTokens {@code max_completion_tokens} or {@code max_tokens}
 */
public record ChatCompletionRequest(
        ObjectNode body,
        String model,
        @Nullable Tier forcedTier,
        List<Message> messages,
        Map<Capability, String> needs,
        boolean stream,
        boolean includeUsage,
        @Nullable Integer maxTokens,
        @Nullable Double temperature,
        @Nullable Double topP,
        List<String> stop,
        @Nullable Long seed) {

    /** One message, with its content flattened to text. */
    public record Message(String role, String content) {}

    /**
     * Characters of the prompt's text, the base of every token estimate: routing's context check, budget reservations
     * and usage when an upstream reports none (the policy lab counts a recorded request's the same way).
     */
    public long promptChars() {
        long n = 0;
        for (Message m : messages) {
            n += m.content().length();
        }
        return n;
    }

    /** Whether repeating this request gives the same answer (temperature 0 or a fixed seed). */
    public boolean deterministic() {
        return (temperature != null && temperature == 0.0) || seed != null;
    }
}
