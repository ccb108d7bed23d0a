package dev.burstgate.gateway.dispatch;

import dev.burstgate.gateway.api.ApiException;
import dev.burstgate.policies.Tier;
import dev.burstgate.policies.cost.Usd;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.node.ObjectNode;

/**
 * What the {@link Dispatcher} emits for one request, in order: one {@link Started} (a tier answers), then either one
 * {@link Completion} (not streamed) or {@link Chunk}s ended by a {@link StreamEnd} or a {@link Cut}. A request no tier
 * answered emits nothing and fails with its {@code ApiException} instead.
 */
public sealed interface AnswerEvent {

    /**
     * A tier answers: what the response headers say.
     *
     * @param reason why the request went where it went, fallback notes included
     * @param cacheHit whether the answer comes from the response cache
     */
    record Started(Tier tier, String reason, boolean cacheHit) implements AnswerEvent {}

    /** A streamed chunk as the client gets it (usage removed: it comes with {@link StreamEnd}). */
    record Chunk(ObjectNode chunk) implements AnswerEvent {}

    /** The whole non-streamed answer, with {@code usage} and its {@code cost} filled in. */
    record Completion(ObjectNode body, Usd cost) implements AnswerEvent {}

    /**
     * A stream that ended well: the usage chunk when the client asked for usage ({@code stream_options.include_usage}),
     * then {@code [DONE]}.
     */
    record StreamEnd(@Nullable ObjectNode usageChunk) implements AnswerEvent {}

    /** A stream cut after its first byte: an error event ends it, and no {@code [DONE]}. */
    record Cut(ApiException error) implements AnswerEvent {}
}
