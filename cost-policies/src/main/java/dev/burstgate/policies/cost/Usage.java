package dev.burstgate.policies.cost;

/**
 * Tokens billed for one attempt.
 *
 * @param promptTokens input tokens, at least 0
 * @param completionTokens output tokens, at least 0
 */
public record Usage(long promptTokens, long completionTokens) {

    /** No tokens (an attempt that failed before the upstream counted any). */
    public static final Usage NONE = new Usage(0, 0);

    public Usage {
        if (promptTokens < 0) {
            throw new IllegalArgumentException("promptTokens must be >= 0 but was " + promptTokens);
        }
        if (completionTokens < 0) {
            throw new IllegalArgumentException("completionTokens must be >= 0 but was " + completionTokens);
        }
    }

    public long totalTokens() {
        return promptTokens + completionTokens;
    }
}
