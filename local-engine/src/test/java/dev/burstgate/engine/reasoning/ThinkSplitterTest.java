package dev.burstgate.engine.reasoning;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ThinkSplitterTest {

    private static final String R1 = "<think>\nThe user greets me. I greet back.\n</think>\n\nHello! How can I help?";

    @Test
    void splitsReasoningFromTheAnswerInOnePiece() {
        assertThat(run(ReasoningMode.SPLIT, false, List.of(R1)))
                .isEqualTo(new String[] {"Hello! How can I help?", "\nThe user greets me. I greet back.\n"});
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 5, 7, 8})
    void splitsCorrectlyWhenTheTagsArriveInPiecesOfAnyLength(int size) {
        List<String> pieces = new ArrayList<>();
        for (int i = 0; i < R1.length(); i += size) {
            pieces.add(R1.substring(i, Math.min(R1.length(), i + size)));
        }

        assertThat(run(ReasoningMode.SPLIT, false, pieces))
                .isEqualTo(new String[] {"Hello! How can I help?", "\nThe user greets me. I greet back.\n"});
    }

    @Test
    void splitsCorrectlyAtEverySinglePairOfCutPoints() {
        for (int i = 0; i <= R1.length(); i++) {
            for (int j = i; j <= R1.length(); j++) {
                List<String> pieces = List.of(R1.substring(0, i), R1.substring(i, j), R1.substring(j));
                assertThat(run(ReasoningMode.SPLIT, false, pieces))
                        .as("cuts %d, %d", i, j)
                        .isEqualTo(new String[] {"Hello! How can I help?", "\nThe user greets me. I greet back.\n"});
            }
        }
    }

    @Test
    void splitsCorrectlyForRandomPieceBoundaries() {
        SplittableRandom rnd = new SplittableRandom(1);
        for (int round = 0; round < 200; round++) {
            List<String> pieces = new ArrayList<>();
            int i = 0;
            while (i < R1.length()) {
                int n = 1 + rnd.nextInt(6);
                pieces.add(R1.substring(i, Math.min(R1.length(), i + n)));
                i += n;
            }
            assertThat(run(ReasoningMode.SPLIT, false, pieces))
                    .isEqualTo(new String[] {"Hello! How can I help?", "\nThe user greets me. I greet back.\n"});
        }
    }

    @Test
    void dropModeDiscardsTheReasoning() {
        assertThat(run(ReasoningMode.DROP, false, List.of("<th", "ink>secret</thi", "nk>answer")))
                .isEqualTo(new String[] {"answer", ""});
    }

    @Test
    void keepModeLeavesTheTextAsWritten() {
        assertThat(run(ReasoningMode.KEEP, false, List.of("<th", "ink>x</thi", "nk>y")))
                .isEqualTo(new String[] {"<think>x</think>y", ""});
    }

    @Test
    void aPromptThatOpenedThinkStartsInsideTheReasoning() {
        assertThat(run(ReasoningMode.SPLIT, true, List.of("plan", "</think>", "\n\nanswer")))
                .isEqualTo(new String[] {"answer", "plan"});
    }

    @Test
    void textWithoutTagsIsAllAnswerAndALooseAngleBracketIsNotLost() {
        assertThat(run(ReasoningMode.SPLIT, false, List.of("a <", "b <t", "hin", "g")))
                .isEqualTo(new String[] {"a <b <thing", ""});
        assertThat(run(ReasoningMode.SPLIT, false, List.of("ends with <thi")))
                .isEqualTo(new String[] {"ends with <thi", ""});
    }

    @Test
    void anUnfinishedReasoningStaysReasoning() {
        assertThat(run(ReasoningMode.SPLIT, false, List.of("<think>still thinking </th")))
                .isEqualTo(new String[] {"", "still thinking </th"});
    }

    @Test
    void aSecondThinkTagAfterTheAnswerBeganIsPlainAnswerText() {
        assertThat(run(ReasoningMode.SPLIT, false, List.of("<think>a</think>b<think>c</think>")))
                .isEqualTo(new String[] {"b<think>c</think>", "a"});
    }

    @Test
    void heldBackTextIsReleasedAsSoonAsItCannotBeATag() {
        ThinkSplitter s = new ThinkSplitter(ReasoningMode.SPLIT, false);

        assertThat(s.accept("x<thi")).isEqualTo(new ThinkSplitter.Delta("x", ""));
        assertThat(s.accept("s")).isEqualTo(new ThinkSplitter.Delta("<this", ""));
    }

    private static String[] run(ReasoningMode mode, boolean startsInReasoning, List<String> pieces) {
        ThinkSplitter s = new ThinkSplitter(mode, startsInReasoning);
        StringBuilder content = new StringBuilder();
        StringBuilder reasoning = new StringBuilder();
        for (String p : pieces) {
            ThinkSplitter.Delta d = s.accept(p);
            content.append(d.content());
            reasoning.append(d.reasoning());
        }
        ThinkSplitter.Delta d = s.finish();
        content.append(d.content());
        reasoning.append(d.reasoning());
        return new String[] {content.toString(), reasoning.toString()};
    }
}
