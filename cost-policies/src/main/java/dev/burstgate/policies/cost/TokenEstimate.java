package dev.burstgate.policies.cost;

/**
 * Token counts where no tokenizer and no upstream says: about four characters a token. The one rule the gateway
 * (budget reservations, usage of an answer whose upstream reported none) and the simulator share.
 */
public final class TokenEstimate {

    /** The completion length assumed for a request that names no {@code max_tokens}. */
    public static final int DEFAULT_COMPLETION_TOKENS = 256;

    private TokenEstimate() {}

    /** ⌈characters / 4⌉: the tokens of a text, 0 for none. */
    public static long ofChars(long chars) {
        if (chars < 0) {
            throw new IllegalArgumentException("chars must be >= 0 but was " + chars);
        }
        return (chars + 3) / 4;
    }

    /** The tokens of a prompt of {@code chars} characters: {@link #ofChars}, and at least 1 (a prompt is never free). */
    public static long promptTokens(long chars) {
        return Math.max(1, ofChars(chars));
    }
}
