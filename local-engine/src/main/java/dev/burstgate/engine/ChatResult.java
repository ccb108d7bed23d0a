package dev.burstgate.engine;

import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A complete answer.
 *
 * @param content           the answer text (text before the tool calls, often empty, when the model called tools)
 * @param reasoningContent  the reasoning, when the model produced some and the engine splits it; otherwise null
 * @param finishReason      why generation ended ({@link FinishReason#TOOL_CALLS} exactly when there are tool calls)
 * @param usage             token counts
 * @param toolCalls         the tools the model called, complete and parsed
 * @param confidence        how sure the model was, when the request asked ({@link ChatRequest#confidence()}); else
 *                          null
 */
public record ChatResult(
        String content,
        @Nullable String reasoningContent,
        FinishReason finishReason,
        Usage usage,
        List<ToolCall> toolCalls,
        @Nullable Confidence confidence) {

    public ChatResult {
        Objects.requireNonNull(content, "content");
        Objects.requireNonNull(finishReason, "finishReason");
        Objects.requireNonNull(usage, "usage");
        toolCalls = List.copyOf(Objects.requireNonNull(toolCalls, "toolCalls"));
        if (toolCalls.isEmpty() == (finishReason == FinishReason.TOOL_CALLS)) {
            throw new IllegalArgumentException("finish reason tool_calls comes with, and only with, tool calls");
        }
    }

    /** An answer without a confidence. */
    public ChatResult(
            String content,
            @Nullable String reasoningContent,
            FinishReason finishReason,
            Usage usage,
            List<ToolCall> toolCalls) {
        this(content, reasoningContent, finishReason, usage, toolCalls, null);
    }

    /** An answer without tool calls. */
    public ChatResult(String content, @Nullable String reasoningContent, FinishReason finishReason, Usage usage) {
        this(content, reasoningContent, finishReason, usage, List.of(), null);
    }
}
