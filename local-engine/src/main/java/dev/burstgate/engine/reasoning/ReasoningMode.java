package dev.burstgate.engine.reasoning;

/** What to do with a model's {@code <think>...</think>} reasoning. */
public enum ReasoningMode {
    /** Leave the tags and the reasoning in the content, as the model wrote it. */
    KEEP,
    /** Move the reasoning to {@code reasoning_content}; the content holds only the answer. */
    SPLIT,
    /** Discard the reasoning; the content holds only the answer. */
    DROP
}
