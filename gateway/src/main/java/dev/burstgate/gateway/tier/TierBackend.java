package dev.burstgate.gateway.tier;

import dev.burstgate.gateway.api.ChatCompletionRequest;
import dev.burstgate.policies.Tier;
import java.util.function.Consumer;
import reactor.core.publisher.Flux;

/**
 * Where one tier's answers come from. An attempt is a cold {@link Flux}: subscribing sends the request, cancelling
 * abandons it (and frees what it held). A failure before the first element may be retried on another tier; after it,
 * not.
 */
public interface TierBackend {

    Tier tier();

    /** Whether the tier may be tried now: configured and not wholly broken. */
    boolean available();

    /** Whether this is a simulated stand-in for an unconfigured tier. */
    boolean simulated();

    /** The model name upstream. */
    String model();

    /**
     * One attempt. Streaming requests emit {@code chat.completion.chunk} objects (an upstream usage chunk included);
     * others emit one {@code chat.completion}. Failures are {@link AttemptFailure}s.
     */
    Flux<UpstreamChunk> call(ChatCompletionRequest request, String requestId);

    /**
     * One attempt, as {@link #call(ChatCompletionRequest, String)}, that tells {@code retried} of each try inside it
     * that failed before its first chunk and was followed by another (a pool node replaced by another node): the
     * ledger keeps one attempt row for each. A tier that never tries twice never calls it.
     */
    default Flux<UpstreamChunk> call(
            ChatCompletionRequest request, String requestId, Consumer<AttemptFailure> retried) {
        return call(request, requestId);
    }

    /** Whether {@link #callScored} answers carry a confidence; false by default. */
    default boolean measuresConfidence() {
        return false;
    }

    /**
     * One attempt, as {@link #call(ChatCompletionRequest, String)}, whose answer carries the model's confidence
     * ({@link UpstreamChunk#confidence()}) when this tier can measure it: on the whole answer, or on a stream's chunk
     * with the finish reason. A tier that cannot answers as {@code call} does, without one.
     */
    default Flux<UpstreamChunk> callScored(ChatCompletionRequest request, String requestId) {
        return call(request, requestId);
    }
}
