package dev.burstgate.engine;

import java.util.Locale;

/** Why generation ended. */
public enum FinishReason {
    /** The model ended its answer (end-of-sequence token) or a stop string matched. */
    STOP,
    /** {@code max_tokens} (or the slot's context) was reached. */
    LENGTH;

    /** The OpenAI wire name ({@code stop}, {@code length}). */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
