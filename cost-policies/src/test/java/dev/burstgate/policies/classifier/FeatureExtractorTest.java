package dev.burstgate.policies.classifier;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FeatureExtractorTest {

    private static final String PLAIN = "Tell me about the weather in the city today";
    private final FeatureExtractor extractor = new FeatureExtractor();

    private double value(Feature f, List<ChatMessage> messages) {
        double[] x = new double[Feature.COUNT];
        extractor.extract(messages, x, h -> {});
        return x[f.ordinal()];
    }

    private double value(Feature f, String prompt) {
        return value(f, List.of(ChatMessage.user(prompt)));
    }

    @Test
    void sizeGrowsWithTheEstimatedTokens() {
        assertThat(value(Feature.TOKENS, "word ".repeat(400))).isGreaterThan(value(Feature.TOKENS, "word ".repeat(10)));
        assertThat(value(Feature.TOKENS, "")).isZero();
    }

    @Test
    void lastUserMessageSizeIgnoresEarlierTurns() {
        List<ChatMessage> convo =
                List.of(ChatMessage.user("x ".repeat(500)), ChatMessage.assistant("ok"), ChatMessage.user("short"));
        assertThat(value(Feature.LAST_USER_TOKENS, convo)).isLessThan(value(Feature.TOKENS, convo));
    }

    @Test
    void turnsCountNonSystemMessagesAfterTheFirst() {
        List<ChatMessage> convo = List.of(
                ChatMessage.system("be brief"),
                ChatMessage.user("a"),
                ChatMessage.assistant("b"),
                ChatMessage.user("c"));
        assertThat(value(Feature.TURNS, convo)).isEqualTo(Math.log1p(2));
        assertThat(value(Feature.TURNS, PLAIN)).isZero();
    }

    @Test
    void systemPromptSizeIsItsOwnFeature() {
        assertThat(value(
                        Feature.SYSTEM_TOKENS,
                        List.of(
                                ChatMessage.system("You are a careful assistant. ".repeat(20)),
                                ChatMessage.user("hi"))))
                .isGreaterThan(0);
        assertThat(value(Feature.SYSTEM_TOKENS, PLAIN)).isZero();
    }

    @Test
    void codeFencesAreCountedInPairs() {
        assertThat(value(Feature.CODE_FENCES, "Fix this:\n```java\nint x = 1;\n```\n"))
                .isEqualTo(Math.log1p(1));
        assertThat(value(Feature.CODE_FENCES, PLAIN)).isZero();
    }

    @Test
    void inlineCodeCountsSingleBacktickSpans() {
        assertThat(value(Feature.INLINE_CODE, "Why does `map.get(k)` return `null` here?"))
                .isEqualTo(Math.log1p(2));
    }

    @Test
    void stackTracesAreRecognisedByFramesAndExceptionNames() {
        String trace = "Exception in thread \"main\" java.lang.NullPointerException: boom\n"
                + "    at com.acme.Foo.bar(Foo.java:12)\n    at com.acme.Main.main(Main.java:5)\n";
        assertThat(value(Feature.STACK_TRACE, trace)).isGreaterThanOrEqualTo(Math.log1p(3));
        assertThat(value(Feature.STACK_TRACE, "We met at noon at the station")).isZero();
    }

    @Test
    void codeSyntaxCountsBracesSemicolonsAndKeywords() {
        assertThat(value(Feature.CODE_SYNTAX, "def f(x):\n    return x * 2; { }"))
                .isGreaterThan(value(Feature.CODE_SYNTAX, PLAIN));
    }

    @Test
    void latexCountsCommandsAndDollarPairs() {
        assertThat(value(Feature.LATEX, "Compute $\\frac{1}{2} + \\sqrt{3}$")).isEqualTo(Math.log1p(3));
        assertThat(value(Feature.LATEX, "costs $5")).isEqualTo(Math.log1p(0.5));
    }

    @Test
    void mathSymbolsAreADensityIncludingUnicodeOperators() {
        assertThat(value(Feature.MATH_SYMBOLS, "x² + y² ≤ 1 and x ≥ 0")).isGreaterThan(10);
        assertThat(value(Feature.MATH_SYMBOLS, PLAIN)).isZero();
    }

    @Test
    void dashesInWordsAndDatesAreNotMinusSigns() {
        assertThat(value(Feature.MATH_SYMBOLS, "a well-known state-of-the-art model"))
                .isZero();
    }

    @Test
    void digitsAndNumbersAreCounted() {
        assertThat(value(Feature.DIGITS, "12345")).isEqualTo(50.0);
        assertThat(value(Feature.NUMBERS, "add 3 and 4 and 10")).isEqualTo(Math.log1p(3));
    }

    @Test
    void equationsCountEqualsSigns() {
        assertThat(value(Feature.EQUATIONS, "x = 2, y = 3")).isEqualTo(Math.log1p(2));
    }

    @Test
    void variablesAreSingleLowercaseLettersOrCoefficientTerms() {
        assertThat(value(Feature.VARIABLES, "if x plus y equals 2x then")).isEqualTo(Math.log1p(3));
        assertThat(value(Feature.VARIABLES, "I saw a cat")).isZero();
        assertThat(value(Feature.DISTINCT_VARIABLES, "x + x + y + z")).isEqualTo(3);
    }

    @Test
    void reasoningCuesIncludeTwoWordPhrases() {
        assertThat(value(Feature.REASONING, "Prove it and explain why, step by step"))
                .isEqualTo(Math.log1p(5));
        assertThat(value(Feature.REASONING, PLAIN)).isZero();
    }

    @Test
    void quantitativeFactualHardMathAndDirectCuesAreSeparate() {
        assertThat(value(Feature.QUANTITATIVE, "How many positive integers are prime?"))
                .isGreaterThan(0);
        assertThat(value(Feature.FACTUAL, "Who wrote Hamlet and when?")).isGreaterThan(0);
        assertThat(value(Feature.HARD_MATH, "Let S be the set of distinct real roots"))
                .isGreaterThan(0);
        assertThat(value(Feature.DIRECT_ASK, "Evaluate and simplify the fraction"))
                .isEqualTo(Math.log1p(2));
    }

    @Test
    void multiPartAsksCountExtraQuestionsAndListItems() {
        String ask = "Do three things:\n1. summarise\n2. translate\n- then list the verbs. Why? How?";
        assertThat(value(Feature.MULTI_PART, ask)).isGreaterThanOrEqualTo(Math.log1p(4));
        assertThat(value(Feature.MULTI_PART, "What time is it?")).isZero();
    }

    @Test
    void constraintsAreCounted() {
        assertThat(value(Feature.CONSTRAINTS, "Use at most 50 words and you must not use lists"))
                .isGreaterThanOrEqualTo(Math.log1p(2));
    }

    @Test
    void negationCountsOnlyUppercaseNotAndExcept() {
        assertThat(value(Feature.NEGATION, "All of these are true EXCEPT one; which is NOT"))
                .isEqualTo(Math.log1p(2));
        assertThat(value(Feature.NEGATION, "this is not shouted")).isZero();
    }

    @Test
    void structuredOutputAsksAreCounted() {
        assertThat(value(Feature.STRUCTURED_OUTPUT, "Return JSON matching this schema, or a markdown table"))
                .isEqualTo(Math.log1p(4));
    }

    @Test
    void nonAsciiShareMeasuresOtherScripts() {
        assertThat(value(Feature.NON_ASCII, "Привет мир")).isEqualTo(1.0);
        assertThat(value(Feature.NON_ASCII, "東京の天気は")).isEqualTo(1.0);
        assertThat(value(Feature.NON_ASCII, PLAIN)).isZero();
    }

    @Test
    void wordLengthFeaturesSeeTechnicalVocabulary() {
        String technical = "heteroscedasticity autocorrelation multicollinearity";
        assertThat(value(Feature.AVG_WORD_LENGTH, technical)).isGreaterThan(value(Feature.AVG_WORD_LENGTH, PLAIN));
        assertThat(value(Feature.LONG_WORDS, technical)).isEqualTo(1.0);
    }

    @Test
    void properNounsAreCapitalisedWordsInsideSentences() {
        assertThat(value(Feature.PROPER_NOUNS, "The treaty was signed by France and Britain in Paris."))
                .isEqualTo(0.3);
        assertThat(value(Feature.PROPER_NOUNS, "The cat sat.")).isZero();
    }

    @Test
    void sentencesAndSentenceLengthAreMeasured() {
        assertThat(value(Feature.SENTENCES, "One. Two! Three? Four")).isEqualTo(Math.log1p(3));
        assertThat(value(Feature.WORDS_PER_SENTENCE, "a b c d. e f g h.")).isEqualTo(Math.log1p(4));
    }

    @Test
    void pipesMarkPairedStatementsAndTables() {
        assertThat(value(Feature.PIPES, "Statement 1 | x. Statement 2 | y.")).isEqualTo(Math.log1p(2));
    }

    @Test
    void mathContextNeedsLatexOrDollarSigns() {
        assertThat(value(Feature.MATH_CONTEXT, "Find $x$ if $x^2 = 4$")).isEqualTo(1.0);
        assertThat(value(Feature.MATH_TOKENS, "Find $x$ if $x^2 = 4$")).isGreaterThan(0);
        assertThat(value(Feature.MATH_CONTEXT, PLAIN)).isZero();
        assertThat(value(Feature.MATH_TOKENS, PLAIN)).isZero();
    }

    @Test
    void onlyTheFirstSixteenKilobytesAreScannedButSizeCountsEverything() {
        String huge = "word ".repeat(100_000);
        double[] x = new double[Feature.COUNT];
        List<Long> words = new ArrayList<>();
        FeatureExtractor.Scan scan = extractor.extract(List.of(ChatMessage.user(huge)), x, words::add);
        assertThat(scan.truncated()).isTrue();
        assertThat(scan.estimatedTokens()).isGreaterThan(100_000);
        assertThat(words.size()).isLessThanOrEqualTo(FeatureExtractor.MAX_ANALYSED_CHARS / 5 + 1);
    }

    @Test
    void wordsOfMathProblemsHashDifferentlyFromTheSameWordsElsewhere() {
        List<Long> plain = new ArrayList<>();
        List<Long> math = new ArrayList<>();
        extractor.extract(List.of(ChatMessage.user("find the value")), new double[Feature.COUNT], plain::add);
        extractor.extract(List.of(ChatMessage.user("find the value $")), new double[Feature.COUNT], math::add);
        assertThat(math).hasSameSizeAs(plain).doesNotContainAnyElementsOf(plain);
    }

    private static final String CHOICE =
            "Which of the following is NOT a prime number?\nA. 2\nB. 3\nC. 9\nD. 11\nAnswer:";

    @Test
    void answerOptionsAreSplitFromTheQuestion() {
        double question = value(Feature.QUESTION_TOKENS, CHOICE);
        assertThat(question).isLessThan(value(Feature.TOKENS, CHOICE));
        assertThat(question).isGreaterThan(0);
        assertThat(value(Feature.OPTION_TOKENS, CHOICE)).isGreaterThan(0);
        assertThat(value(Feature.NUMERIC_OPTIONS, CHOICE)).isEqualTo(1.0);
        assertThat(value(Feature.OPTION_TOKENS, PLAIN)).isZero();
        assertThat(value(Feature.NUMERIC_OPTIONS, PLAIN)).isZero();
        assertThat(value(Feature.OPTION_OVERLAP, PLAIN)).isZero();
        assertThat(value(Feature.QUESTION_TOKENS, PLAIN)).isEqualTo(Math.log1p(PLAIN.length() / 4.0));
    }

    @Test
    void optionsThatShareWordsOverlap() {
        String paired = "Scenario 1 | I lied. Scenario 2 | I paid.\nA) Wrong, Wrong\nB) Wrong, Not wrong\n"
                + "C) Not wrong, Wrong\nD) Not wrong, Not wrong";
        String distinct = "Who painted it?\nA. Claude Monet\nB. Pablo Picasso\nC. Frida Kahlo\nD. Edvard Munch";
        assertThat(value(Feature.OPTION_OVERLAP, paired)).isGreaterThan(0.7);
        assertThat(value(Feature.OPTION_OVERLAP, distinct)).isZero();
        assertThat(value(Feature.NUMERIC_OPTIONS, distinct)).isZero();
    }

    @Test
    void aSingleLetterLineIsNotAnAnswerList() {
        assertThat(value(Feature.OPTION_TOKENS, "Plan:\nA. Buy milk and bread")).isZero();
        assertThat(value(Feature.WORDS, PLAIN)).isEqualTo(Math.log1p(9));
    }
}
