package dev.burstgate.engine;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A complete answer.
 *
 * @param content           the answer
 * @param reasoningContent  the reasoning, when the model produced some and the engine splits it; otherwise null
 * @param finishReason      why generation ended
 * @param usage             token counts
 */
public record ChatResult(String content, @Nullable String reasoningContent, FinishReason finishReason, Usage usage) {

    public ChatResult {
        Objects.requireNonNull(content, "content");
        Objects.requireNonNull(finishReason, "finishReason");
        Objects.requireNonNull(usage, "usage");
    }
}
