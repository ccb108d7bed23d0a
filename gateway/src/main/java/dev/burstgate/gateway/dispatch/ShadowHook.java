package dev.burstgate.gateway.dispatch;

import dev.burstgate.gateway.routing.RoutedRequest;
import dev.burstgate.policies.Tier;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.node.ObjectNode;

/**
 * Where the dispatcher hands answers that may be compared with a stronger tier's (shadowing). It is asked once per
 * answer, when the answer starts, whether to watch it; only a watched answer's chunks are shown to it, and it is told
 * when the answer is complete: every event of it handed on to the response writer (a stream cut or cancelled is never
 * complete). Nothing here may block, throw, or change a chunk.
 */
public interface ShadowHook {

    /** Watches nothing. */
    ShadowHook OFF = (routed, served) -> null;

    /**
     * Whether to watch the answer {@code served} has started to give {@code routed}.
     *
     * @return a watcher, or null to leave the answer alone
     */
    @Nullable
    Watch watch(RoutedRequest routed, Tier served);

    /** One watched answer. */
    interface Watch {
        /** A chunk of a streamed answer, or a whole non-streamed completion; read, never kept or changed. */
        void see(ObjectNode chunkOrCompletion);

        /** The answer is complete; hand it over (never blocking). */
        void complete();
    }
}
