package dev.burstgate.engine;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Whether and which tool the model must call ({@code tool_choice}).
 *
 * @param mode     none, auto, required, or a named function
 * @param function the function's name, for {@link Mode#FUNCTION} only
 */
public record ToolChoice(Mode mode, @Nullable String function) {

    /** How tools may be used. */
    public enum Mode {
        /** No tool call: the model answers in text (tools are still shown to it). */
        NONE,
        /** The model chooses between text and tool calls. */
        AUTO,
        /** The model must call one or more tools. */
        REQUIRED,
        /** The model must call {@link #function()}. */
        FUNCTION
    }

    public static final ToolChoice NONE = new ToolChoice(Mode.NONE, null);
    public static final ToolChoice AUTO = new ToolChoice(Mode.AUTO, null);
    public static final ToolChoice REQUIRED = new ToolChoice(Mode.REQUIRED, null);

    public ToolChoice {
        Objects.requireNonNull(mode, "mode");
        if ((mode == Mode.FUNCTION) != (function != null)) {
            throw new IllegalArgumentException("a function name is given with, and only with, a FUNCTION tool choice");
        }
        if (function != null && function.isBlank()) {
            throw new IllegalArgumentException("tool choice function name must not be blank");
        }
    }

    /** The model must call {@code name}. */
    public static ToolChoice function(String name) {
        return new ToolChoice(Mode.FUNCTION, Objects.requireNonNull(name, "name"));
    }

    /** Whether the model must call a tool (required or a named function). */
    public boolean forcesCall() {
        return mode == Mode.REQUIRED || mode == Mode.FUNCTION;
    }
}
