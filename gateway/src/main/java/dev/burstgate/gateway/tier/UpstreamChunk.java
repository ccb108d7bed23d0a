package dev.burstgate.gateway.tier;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.node.ObjectNode;

/**
 * One piece of an answer from a tier: a {@code chat.completion.chunk} when streaming, or the whole
 * {@code chat.completion} otherwise, in the OpenAI shape.
 *
 * @param endpoint where it came from
 * @param confidence on the whole answer (or a stream's last chunk with a finish reason), when the tier was asked for
 *     it ({@link TierBackend#callScored}) and can measure it; else null
 */
public record UpstreamChunk(
        String endpoint, ObjectNode json, @Nullable AnswerConfidence confidence) {

    /** A chunk without a confidence. */
    public UpstreamChunk(String endpoint, ObjectNode json) {
        this(endpoint, json, null);
    }
}
