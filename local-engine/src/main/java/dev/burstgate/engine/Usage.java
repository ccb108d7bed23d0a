package dev.burstgate.engine;

/**
 * Token counts of one request.
 *
 * @param promptTokens      tokens of the rendered prompt, from the model's tokenizer
 * @param completionTokens  tokens generated
 */
public record Usage(int promptTokens, int completionTokens) {

    public Usage {
        if (promptTokens < 0) {
            throw new IllegalArgumentException("promptTokens must be >= 0, got " + promptTokens);
        }
        if (completionTokens < 0) {
            throw new IllegalArgumentException("completionTokens must be >= 0, got " + completionTokens);
        }
    }

    public int totalTokens() {
        return promptTokens + completionTokens;
    }
}
