package dev.burstgate.gateway.dispatch;

import dev.burstgate.gateway.routing.RoutedRequest;
import dev.burstgate.policies.Tier;
import java.util.List;
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

    /**
     * Whether to compare a local answer that a cascade discarded with the answer of {@code answering}, which replaces
     * it: both exist and are paid for already, so the comparison costs at most a judge call. Asked when the replacing
     * answer starts; the watch sees that answer as {@link #watch} would.
     *
     * @param discarded the discarded local answer: a stream's chunks, or its one completion
     * @param confidence the confidence the cascade judged it by, or null when none was measured
     * @return a watcher of the replacing answer, or null to compare nothing
     */
    default @Nullable Watch escalated(
            RoutedRequest routed, List<ObjectNode> discarded, @Nullable Double confidence, Tier answering) {
        return null;
    }

    /** One watched answer. */
    interface Watch {
        /** A chunk of a streamed answer, or a whole non-streamed completion; read, never kept or changed. */
        void see(ObjectNode chunkOrCompletion);

        /**
         * The confidence a cascade judged the answer by before keeping it (the figure its {@code escalate-below} is
         * compared with), told before {@link #complete()} when the engine measured one.
         */
        default void judged(double confidence) {}

        /** The answer is complete; hand it over (never blocking). */
        void complete();
    }
}
