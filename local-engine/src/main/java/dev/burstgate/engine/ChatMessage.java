package dev.burstgate.engine;

import java.util.Locale;
import java.util.Objects;

/**
 * One chat message.
 *
 * @param role    who wrote it
 * @param content its text
 */
public record ChatMessage(Role role, String content) {

    /** Message author, as in the OpenAI API. */
    public enum Role {
        SYSTEM,
        USER,
        ASSISTANT;

        /** The lower-case wire name ({@code system}, {@code user}, {@code assistant}). */
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
                default ->
                    throw new IllegalArgumentException(
                            "role must be one of system, developer, user, assistant; got '" + role + "'");
            };
        }
    }

    public ChatMessage {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
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
}
