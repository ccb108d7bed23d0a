package dev.burstgate.policies.classifier;

import java.util.List;
import java.util.Objects;

/**
 * One message of a chat conversation, as in the OpenAI Chat Completions API.
 *
 * @param role {@code system}, {@code user}, {@code assistant}, {@code tool} or any other role string
 * @param content the text; empty when the message had no text
 */
public record ChatMessage(String role, String content) {

    public ChatMessage {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
    }

    /** A user message. */
    public static ChatMessage user(String content) {
        return new ChatMessage("user", content);
    }

    /** A system message. */
    public static ChatMessage system(String content) {
        return new ChatMessage("system", content);
    }

    /** An assistant message. */
    public static ChatMessage assistant(String content) {
        return new ChatMessage("assistant", content);
    }

    /**
     * The text of a message whose content is a list of text parts: the parts joined by a newline. The gateway (reading
     * a request) and the policy lab (reading traffic) both flatten parts this way, so one conversation is classified and
     * its prompt tokens estimated alike in both.
     */
    public static String joinParts(List<String> parts) {
        return String.join("\n", parts);
    }
}
