package dev.burstgate.engine;

import java.security.SecureRandom;
import java.util.Objects;

/**
 * A call of a function tool, as the model made it (in an answer) or as a client sends it back (in an assistant message
 * of the history).
 *
 * @param id        the call's id ({@code call_...}), which the {@code tool} message answering it names
 * @param name      the function's name
 * @param arguments the arguments, a JSON text (the engine's own calls hold a compact JSON object)
 */
public record ToolCall(String id, String name, String arguments) {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final char[] ALPHABET =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".toCharArray();

    public ToolCall {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(arguments, "arguments");
        if (id.isBlank()) {
            throw new IllegalArgumentException("tool call id must not be blank");
        }
        if (name.isBlank()) {
            throw new IllegalArgumentException("tool call name must not be blank");
        }
    }

    /** A call with a fresh id. */
    public static ToolCall of(String name, String arguments) {
        return new ToolCall(newId(), name, arguments);
    }

    /** A fresh, unique id: {@code call_} and 24 random letters and digits. */
    public static String newId() {
        char[] suffix = new char[24];
        for (int i = 0; i < suffix.length; i++) {
            suffix[i] = ALPHABET[RANDOM.nextInt(ALPHABET.length)];
        }
        return "call_" + new String(suffix);
    }
}
