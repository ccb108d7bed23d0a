package dev.burstgate.policies.classifier;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class ComplexityClassifierTest {

    private static final ComplexityClassifier CLASSIFIER = ComplexityClassifier.bundled();

    private static final String EASY = "What is the capital of France?";
    private static final String HARD = "Let $S$ be the set of all ordered pairs $(x, y)$ of real numbers such that "
            + "$x^2 + y^2 \\le 1$ and $x + y \\ge \\frac{1}{2}$. Prove that the minimum of $x y$ over $S$ exists, derive "
            + "it step by step, and find all points where it is attained. Explain why the bound is tight.";

    @Test
    void aHardMathProofScoresAboveAFactualQuestion() {
        assertThat(CLASSIFIER.classify(HARD).score())
                .isGreaterThan(CLASSIFIER.classify(EASY).score() + 0.2);
    }

    @Test
    void theSameInputAlwaysGivesTheSameResult() {
        assertThat(CLASSIFIER.classify(HARD)).isEqualTo(CLASSIFIER.classify(HARD));
        assertThat(ComplexityClassifier.bundled().classify(HARD)).isEqualTo(CLASSIFIER.classify(HARD));
    }

    @Test
    void reasonsNameAtMostThreeFeaturesInPlainWords() {
        Complexity c = CLASSIFIER.classify(HARD);
        assertThat(c.reasons()).isNotEmpty().hasSizeLessThanOrEqualTo(3);
        assertThat(c.reasons()).allSatisfy(r -> assertThat(r).doesNotContain("_"));
    }

    @Test
    void answerOptionReasonsOnlyForPromptsWithAnswerOptions() {
        for (String prompt : List.of(HARD, EASY, "Find $x$ if $|x - 3| = 5$.", "Explain recursion to a child.")) {
            assertThat(CLASSIFIER.classify(prompt).reasons())
                    .noneSatisfy(r -> assertThat(r).contains("answer options"));
        }
        Complexity choice = CLASSIFIER.classify("What is 17 * 23?\nA. 381\nB. 391\nC. 401\nD. 411\nAnswer:");
        assertThat(choice.score()).isBetween(0.0, 1.0);
    }

    @Test
    void emptyInputScoresSafely() {
        assertThat(CLASSIFIER.classify(List.of()).score()).isBetween(0.0, 1.0);
        assertThat(CLASSIFIER.classify("").score()).isBetween(0.0, 1.0);
    }

    @Test
    void emojiAndAnyScriptAreSafe() {
        for (String s : List.of(
                "🙂🙂🙂 👩‍💻 ok?",
                "東京の天気はどうですか",
                "مرحبا بالعالم",
                "\uD800 lone surrogate",
                "\u0000\u0001\u0002",
                "Ελληνικά και Русский")) {
            Complexity c = CLASSIFIER.classify(s);
            assertThat(c.score()).isBetween(0.0, 1.0);
            assertThat(c.truncated()).isFalse();
        }
    }

    @Test
    void aOneMegabytePromptIsAnalysedUpToTheLimitAndSaysSo() {
        String mb = "Explain the following log line by line. ".repeat(26_000);
        Complexity c = CLASSIFIER.classify(mb);
        assertThat(c.truncated()).isTrue();
        assertThat(c.reasons()).last().asString().startsWith("analysed first 16 KB of ");
        assertThat(c.score()).isBetween(0.0, 1.0);
    }

    @Test
    void systemPromptAndEarlierTurnsCount() {
        List<ChatMessage> convo = List.of(
                ChatMessage.system("You are a senior engineer. Answer with a JSON object matching the schema."),
                ChatMessage.user("```java\nclass A { void f() { g(); } }\n```\nWhy does this throw?"),
                ChatMessage.assistant("Because g is undefined."),
                ChatMessage.user("ok"));
        assertThat(CLASSIFIER.classify(convo).score())
                .isNotEqualTo(CLASSIFIER.classify("ok").score());
    }

    @Test
    void concurrentCallersGetTheSameScores() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Complexity>> results = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                results.add(pool.submit(() -> CLASSIFIER.classify(HARD)));
            }
            Complexity expected = CLASSIFIER.classify(HARD);
            for (Future<Complexity> f : results) {
                assertThat(f.get()).isEqualTo(expected);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void anotherScriptDoesNotSaturateTheScore() {
        assertThat(CLASSIFIER.classify("東京の天気はどうですか？").score()).isLessThan(0.8);
        assertThat(CLASSIFIER.classify("Какая столица Франции?").score()).isLessThan(0.8);
    }

    @Test
    void codeAndAStackTraceMakeAQuestionHarder() {
        String ask = "Why does this fail and how do I fix it?";
        String withCode = ask + "\n```java\nMap<String, Integer> m = null;\nm.put(\"a\", 1);\n```\n"
                + "Exception in thread \"main\" java.lang.NullPointerException\n    at Main.main(Main.java:4)\n";
        assertThat(CLASSIFIER.classify(withCode).score())
                .isGreaterThan(CLASSIFIER.classify(ask).score());
    }

    @Test
    void everyFeatureIsStandardisedWithAFlooredSpreadAndClipped() {
        assertThat(Feature.clip(100)).isEqualTo(Feature.CLIP);
        assertThat(Feature.clip(-100)).isEqualTo(-Feature.CLIP);
        assertThat(CLASSIFIER
                        .classify("x".repeat(5_000) + " ```a``` ".repeat(200))
                        .score())
                .isBetween(0.0, 1.0);
    }

    @Test
    void bundledWeightsRecordTheCommandThatProducedThem() {
        assertThat(CLASSIFIER.provenance().get("command")).asString().startsWith("policy-lab train --data ");
    }
}
