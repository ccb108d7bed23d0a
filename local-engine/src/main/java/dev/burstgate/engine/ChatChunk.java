package dev.burstgate.engine;

import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One piece of a streamed answer. Every chunk but the last has a null {@code finishReason} and {@code usage}; the last
 * has both (and may carry text too). Tool calls arrive complete, on the last chunk (whose finish reason is then
 * {@link FinishReason#TOOL_CALLS}); a gateway numbers them ({@code index}) for OpenAI's {@code delta.tool_calls}.
 *
 * @param content         answer text to append (possibly empty)
 * @param reasoning       reasoning text to append (possibly empty; only with {@code ReasoningMode.SPLIT})
 * @param finishReason    set on the last chunk
 * @param usage           set on the last chunk
 * @param toolCalls       complete tool calls (empty on most chunks)
 * @param confidence      on the last chunk, when the request asked ({@link ChatRequest#confidence()}): how sure the
 *                        model was of the whole answer; else null
 */
public record ChatChunk(
        String content,
        String reasoning,
        @Nullable FinishReason finishReason,
        @Nullable Usage usage,
        List<ToolCall> toolCalls,
        @Nullable Confidence confidence) {

    public ChatChunk {
        Objects.requireNonNull(content, "content");
        Objects.requireNonNull(reasoning, "reasoning");
        toolCalls = List.copyOf(Objects.requireNonNull(toolCalls, "toolCalls"));
        if ((finishReason == null) != (usage == null)) {
            throw new IllegalArgumentException(
                    "finishReason and usage come together on the last chunk, got " + finishReason + " and " + usage);
        }
        if (confidence != null && finishReason == null) {
            throw new IllegalArgumentException("only the last chunk carries a confidence");
        }
    }

    /** A chunk without a confidence. */
    public ChatChunk(
            String content,
            String reasoning,
            @Nullable FinishReason finishReason,
            @Nullable Usage usage,
            List<ToolCall> toolCalls) {
        this(content, reasoning, finishReason, usage, toolCalls, null);
    }

    /** A chunk without tool calls. */
    public ChatChunk(String content, String reasoning, @Nullable FinishReason finishReason, @Nullable Usage usage) {
        this(content, reasoning, finishReason, usage, List.of(), null);
    }

    /** Whether this is the last chunk of the stream. */
    public boolean isLast() {
        return finishReason != null;
    }
}
