package dev.burstgate.engine.reasoning;

import java.util.Objects;

/**
 * Splits streamed text into reasoning and answer at {@code <think>} and {@code </think>}, also when a tag arrives in
 * pieces across tokens: text that could be the start of a tag is held back until the next piece decides it. Not thread
 * safe; one instance per generation.
 *
 * <pre>{@code
 * ThinkSplitter s = new ThinkSplitter(ReasoningMode.SPLIT, false);
 * s.accept("<thi");          // Delta("", "")      -- held back
 * s.accept("nk>plan</th");   // Delta("", "plan")
 * s.accept("ink>answer");    // Delta("answer", "")
 * s.finish();                // Delta("", "")
 * }</pre>
 */
public final class ThinkSplitter {

    /** The opening tag. */
    public static final String OPEN = "<think>";
    /** The closing tag. */
    public static final String CLOSE = "</think>";

    /**
     * Text to append to the answer and to the reasoning.
     *
     * @param content   answer text
     * @param reasoning reasoning text (always empty in {@link ReasoningMode#KEEP} and {@link ReasoningMode#DROP})
     */
    public record Delta(String content, String reasoning) {
        public static final Delta EMPTY = new Delta("", "");

        public Delta {
            Objects.requireNonNull(content, "content");
            Objects.requireNonNull(reasoning, "reasoning");
        }

        public boolean isEmpty() {
            return content.isEmpty() && reasoning.isEmpty();
        }
    }

    private final ReasoningMode mode;
    private boolean inReasoning;
    private boolean seenOpen;
    private boolean stripLeadingNewlines;
    private final StringBuilder pending = new StringBuilder();

    /**
     * @param mode                what to do with reasoning
     * @param startsInReasoning   true when the prompt already opened {@code <think>} (R1 templates end the generation
     *                            prompt with it), so the output starts inside the reasoning
     */
    public ThinkSplitter(ReasoningMode mode, boolean startsInReasoning) {
        this.mode = Objects.requireNonNull(mode, "mode");
        this.inReasoning = startsInReasoning;
        this.seenOpen = startsInReasoning;
    }

    /** Whether the next text belongs to the reasoning. */
    public boolean inReasoning() {
        return inReasoning;
    }

    /** Accepts the next piece of generated text. */
    public Delta accept(String text) {
        if (mode == ReasoningMode.KEEP) {
            return text.isEmpty() ? Delta.EMPTY : new Delta(text, "");
        }
        pending.append(text);
        StringBuilder content = new StringBuilder();
        StringBuilder reasoning = new StringBuilder();
        while (true) {
            String tag = inReasoning ? CLOSE : OPEN;
            int at = pending.indexOf(tag);
            if (at >= 0 && (inReasoning || !seenOpen)) {
                emit(pending.substring(0, at), content, reasoning);
                pending.delete(0, at + tag.length());
                inReasoning = !inReasoning;
                seenOpen = true;
                if (!inReasoning) {
                    // the answer conventionally starts after blank lines that follow </think>
                    stripLeadingNewlines = true;
                }
                continue;
            }
            if (!inReasoning && seenOpen) {
                // after the reasoning closed, everything else is answer
                emit(pending.toString(), content, reasoning);
                pending.setLength(0);
                break;
            }
            int keep = partialTagSuffix(pending, tag);
            emit(pending.substring(0, pending.length() - keep), content, reasoning);
            pending.delete(0, pending.length() - keep);
            break;
        }
        return delta(content, reasoning);
    }

    /** Flushes text held back as a possible tag start; call once at the end of generation. */
    public Delta finish() {
        if (mode == ReasoningMode.KEEP || pending.isEmpty()) {
            return Delta.EMPTY;
        }
        StringBuilder content = new StringBuilder();
        StringBuilder reasoning = new StringBuilder();
        emit(pending.toString(), content, reasoning);
        pending.setLength(0);
        return delta(content, reasoning);
    }

    private void emit(String text, StringBuilder content, StringBuilder reasoning) {
        if (text.isEmpty()) {
            return;
        }
        if (inReasoning) {
            if (mode == ReasoningMode.SPLIT) {
                reasoning.append(text);
            }
        } else {
            if (stripLeadingNewlines) {
                int i = 0;
                while (i < text.length() && (text.charAt(i) == '\n' || text.charAt(i) == '\r')) {
                    i++;
                }
                text = text.substring(i);
                if (text.isEmpty()) {
                    return;
                }
                stripLeadingNewlines = false;
            }
            content.append(text);
        }
    }

    private static Delta delta(StringBuilder content, StringBuilder reasoning) {
        return content.isEmpty() && reasoning.isEmpty()
                ? Delta.EMPTY
                : new Delta(content.toString(), reasoning.toString());
    }

    /** Length of the longest suffix of {@code text} that is a proper prefix of {@code tag}. */
    static int partialTagSuffix(CharSequence text, String tag) {
        int max = Math.min(tag.length() - 1, text.length());
        for (int len = max; len > 0; len--) {
            boolean match = true;
            for (int i = 0; i < len; i++) {
                if (text.charAt(text.length() - len + i) != tag.charAt(i)) {
                    match = false;
                    break;
                }
            }
            if (match) {
                return len;
            }
        }
        return 0;
    }
}
