package dev.burstgate.gateway.tier;

import tools.jackson.databind.node.ObjectNode;

/**
 * One piece of an answer from a tier: a {@code chat.completion.chunk} when streaming, or the whole
 * {@code chat.completion} otherwise, in the OpenAI shape.
 *
 * @param endpoint where it came from
 */
public record UpstreamChunk(String endpoint, ObjectNode json) {}
