package dev.burstgate.engine;

import java.util.Locale;

/** Why generation ended. */
public enum FinishReason {
    /** The model ended its answer (end-of-sequence token) or a stop string matched. */
    STOP,
    /** {@code max_tokens} (or the slot's context) was reached. */
    LENGTH,
    /** The model called one or more tools; the answer carries complete, parsed calls. */
    TOOL_CALLS;

    /** The OpenAI wire name ({@code stop}, {@code length}, {@code tool_calls}). */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
