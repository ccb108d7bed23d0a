package dev.burstgate.policies.shadow;

import java.util.List;
import java.util.Objects;

/**
 * What an answer said, as far as a judge compares it: its text and its tool calls.
 *
 * @param text the assistant message's content (empty when it only called tools)
 * @param toolCalls the tool calls, in order
 */
public record ShadowAnswer(String text, List<ToolCall> toolCalls) {

    public ShadowAnswer {
        Objects.requireNonNull(text, "text");
        toolCalls = List.copyOf(toolCalls);
    }

    /** A text answer without tool calls. */
    public static ShadowAnswer text(String text) {
        return new ShadowAnswer(text, List.of());
    }

    /**
     * One tool call.
     *
     * @param name the function's name
     * @param arguments its arguments as the model wrote them (JSON text, unparsed)
     */
    public record ToolCall(String name, String arguments) {
        public ToolCall {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(arguments, "arguments");
        }
    }
}
