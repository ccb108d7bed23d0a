package dev.burstgate.policies.classifier;

import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One labelled row of a training or evaluation set.
 *
 * @param id row id
 * @param source where the row came from (e.g. {@code mmlu}, {@code math}); sources are balanced in training
 * @param subject the subject; cross-validation holds whole subjects out
 * @param messages the conversation
 * @param level MATH difficulty 1..5, or null
 * @param weakCorrect whether the weak model answered correctly, or null
 * @param strongCorrect whether the strong model answered correctly, or null
 */
public record LabelledPrompt(
        String id,
        String source,
        String subject,
        List<ChatMessage> messages,
        @Nullable Integer level,
        @Nullable Boolean weakCorrect,
        @Nullable Boolean strongCorrect) {

    public LabelledPrompt {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(subject, "subject");
        messages = List.copyOf(messages);
        if (level != null && (level < 1 || level > 5)) {
            throw new IllegalArgumentException("level must be 1..5 but was " + level);
        }
    }

    /**
     * The training target in [0, 1], or NaN when the row has no usable label. MATH rows: {@code (level − 1) / 4}, so
     * level 1 is 0 and level 5 is 1. Rows with a weak-model label: 1 when the weak model was wrong, 0 when it was right.
     */
    public double target() {
        if (level != null) {
            return (level - 1) / 4.0;
        }
        if (weakCorrect != null) {
            return weakCorrect ? 0.0 : 1.0;
        }
        return Double.NaN;
    }

    /**
     * The training target with graded weak/strong outcomes: weak wrong and strong right is 1 (the rows where a strong
     * model pays off), weak right and strong wrong is 0, both wrong is {@code bothWrong} and both right is
     * {@code bothRight}. Rows without a strong-model label and MATH rows are as in {@link #target()}.
     */
    public double target(double bothWrong, double bothRight) {
        if (level != null || weakCorrect == null || strongCorrect == null) {
            return target();
        }
        if (weakCorrect) {
            return strongCorrect ? bothRight : 0.0;
        }
        return strongCorrect ? 1.0 : bothWrong;
    }
}
