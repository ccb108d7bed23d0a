package dev.burstgate.engine;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One piece of a streamed answer. Every chunk but the last has a null {@code finishReason} and {@code usage}; the last
 * has both (and may carry text too).
 *
 * @param content         answer text to append (possibly empty)
 * @param reasoning       reasoning text to append (possibly empty; only with {@code ReasoningMode.SPLIT})
 * @param finishReason    set on the last chunk
 * @param usage           set on the last chunk
 */
public record ChatChunk(
        String content,
        String reasoning,
        @Nullable FinishReason finishReason,
        @Nullable Usage usage) {

    public ChatChunk {
        Objects.requireNonNull(content, "content");
        Objects.requireNonNull(reasoning, "reasoning");
        if ((finishReason == null) != (usage == null)) {
            throw new IllegalArgumentException(
                    "finishReason and usage come together on the last chunk, got " + finishReason + " and " + usage);
        }
    }

    /** Whether this is the last chunk of the stream. */
    public boolean isLast() {
        return finishReason != null;
    }
}
