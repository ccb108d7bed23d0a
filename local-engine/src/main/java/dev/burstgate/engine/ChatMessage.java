package dev.burstgate.engine;

import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One chat message.
 *
 * @param role       who wrote it
 * @param content    its text (empty for an assistant message that only calls tools)
 * @param toolCalls  the tool calls an assistant message made (empty otherwise)
 * @param toolCallId the call a {@link Role#TOOL tool} message answers (null otherwise)
 */
public record ChatMessage(
        Role role,
        String content,
        List<ToolCall> toolCalls,
        @Nullable String toolCallId) {

    /** Message author, as in the OpenAI API. */
    public enum Role {
        SYSTEM,
        USER,
        ASSISTANT,
        /** A tool's result, answering an assistant's tool call. */
        TOOL;

        /** The lower-case wire name ({@code system}, {@code user}, {@code assistant}, {@code tool}). */
        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /**
         * Parses a wire name ({@code developer} counts as {@code system}).
         *
         * @throws IllegalArgumentException naming the value if it is not a supported role
         */
        public static Role fromWire(String role) {
            return switch (role) {
                case "system", "developer" -> SYSTEM;
                case "user" -> USER;
                case "assistant" -> ASSISTANT;
                case "tool" -> TOOL;
                default ->
                    throw new IllegalArgumentException(
                            "role must be one of system, developer, user, assistant, tool; got '" + role + "'");
            };
        }
    }

    public ChatMessage {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
        toolCalls = List.copyOf(Objects.requireNonNull(toolCalls, "toolCalls"));
        if (!toolCalls.isEmpty() && role != Role.ASSISTANT) {
            throw new IllegalArgumentException("only assistant messages carry tool calls, not " + role.wireName());
        }
        if (toolCallId != null && role != Role.TOOL) {
            throw new IllegalArgumentException("only tool messages carry a tool call id, not " + role.wireName());
        }
        if (toolCallId != null && toolCallId.isBlank()) {
            throw new IllegalArgumentException("tool call id must not be blank");
        }
    }

    /** A message without tool calls. */
    public ChatMessage(Role role, String content) {
        this(role, content, List.of(), null);
    }

    public static ChatMessage system(String content) {
        return new ChatMessage(Role.SYSTEM, content);
    }

    public static ChatMessage user(String content) {
        return new ChatMessage(Role.USER, content);
    }

    public static ChatMessage assistant(String content) {
        return new ChatMessage(Role.ASSISTANT, content);
    }

    /** An assistant message that calls tools (with optional text before the calls). */
    public static ChatMessage assistant(String content, List<ToolCall> toolCalls) {
        return new ChatMessage(Role.ASSISTANT, content, toolCalls, null);
    }

    /** A tool's result for the call {@code toolCallId}. */
    public static ChatMessage tool(String toolCallId, String content) {
        return new ChatMessage(Role.TOOL, content, List.of(), Objects.requireNonNull(toolCallId, "toolCallId"));
    }

    /** Whether this message takes part in tool use (a tool result or an assistant's tool calls). */
    public boolean involvesTools() {
        return role == Role.TOOL || !toolCalls.isEmpty();
    }
}
