package dev.burstgate.policies.classifier;

/**
 * The dense features of a conversation. Each has a stable name (used in the weights file) and plain words used in
 * reasons when it pushes the score up or down.
 */
enum Feature {
    TOKENS("tokens", "long prompt", "short prompt", 0.2),
    LAST_USER_TOKENS("last_user_tokens", "long last question", "short last question", 0.0),
    TURNS("turns", "many conversation turns", "single turn", 0.2),
    SYSTEM_TOKENS("system_tokens", "long system prompt", "no system prompt", 0.1),
    CODE_FENCES("code_fences", "code blocks", "no code blocks", 0.3),
    INLINE_CODE("inline_code", "inline code", "no inline code", 0.1),
    STACK_TRACE("stack_trace", "stack trace or error output", "no stack trace", 0.3),
    CODE_SYNTAX("code_syntax", "code syntax", "no code syntax", 0.1),
    LATEX("latex", "LaTeX math notation", "no LaTeX", 0.2),
    MATH_SYMBOLS("math_symbols", "dense math symbols", "few math symbols", 0.0),
    DIGITS("digits", "many digits", "few digits", 0.0),
    NUMBERS("numbers", "many numbers", "few numbers", 0.0),
    EQUATIONS("equations", "equations", "no equations", 0.0),
    VARIABLES("variables", "algebraic variables", "no variables", 0.0),
    REASONING("reasoning", "reasoning cues (prove, derive, why...)", "no reasoning cues", 0.2),
    QUANTITATIVE("quantitative", "quantitative asks (how many, largest, probability...)", "no quantitative asks", 0.0),
    FACTUAL("factual", "factual lookup wording", "no factual lookup wording", 0.0),
    MULTI_PART("multi_part", "several asks in one prompt", "a single ask", 0.2),
    CONSTRAINTS("constraints", "explicit constraints", "no constraints", 0.1),
    NEGATION("negation", "negated question (NOT, EXCEPT)", "no negation", 0.0),
    STRUCTURED_OUTPUT("structured_output", "structured output asked (JSON, table...)", "free-form answer", 0.1),
    NON_ASCII("non_ascii", "non-English script", "English text", 0.0),
    AVG_WORD_LENGTH("avg_word_length", "long words", "short words", 0.0),
    LONG_WORDS("long_words", "technical vocabulary", "plain vocabulary", 0.0),
    PROPER_NOUNS("proper_nouns", "many names and proper nouns", "few proper nouns", 0.0),
    SENTENCES("sentences", "many sentences", "few sentences", 0.0),
    WORDS_PER_SENTENCE("words_per_sentence", "long sentences", "short sentences", 0.0),
    PIPES("pipes", "paired statements or tables", "no paired statements", 0.0),
    MATH_CONTEXT("math_context", "math problem", "not a math problem", 0.0),
    MATH_TOKENS("math_tokens", "long math problem", "not a long math problem", 0.0),
    HARD_MATH("hard_math", "asks over sets or extremes (all, distinct, minimum...)", "no set or extreme asks", 0.0),
    DIRECT_ASK("direct_ask", "direct evaluation ask (compute, evaluate...)", "no direct evaluation ask", 0.0),
    DISTINCT_VARIABLES("distinct_variables", "several distinct variables", "few distinct variables", 0.0),
    WORDS("words", "many words", "few words", 0.0),
    QUESTION_TOKENS(
            "question_tokens",
            "long question before the answer options",
            "short question before the answer options",
            0.0,
            true),
    OPTION_TOKENS("option_tokens", "long answer options", "short answer options", 0.0, true),
    NUMERIC_OPTIONS("numeric_options", "numeric answer options", "worded answer options", 0.0, true),
    OPTION_OVERLAP(
            "option_overlap", "answer options that differ in few words", "clearly different answer options", 0.0, true);

    static final Feature[] ALL = values();
    static final int COUNT = ALL.length;

    /** Smallest spread used to standardise a feature, so rare features cannot blow up. */
    static final double MIN_STD = 0.25;
    /** Standardised values are clipped to ±this many spreads. */
    static final double CLIP = 4.0;

    final String key;
    final String highWords;
    final String lowWords;
    /**
     * The weight training starts from and is pulled towards (L2 towards the prior): a small positive weight for
     * features that should make a prompt harder even where the training rows never show them (code, stack traces,
     * conversation turns, system prompts, structured-output asks), 0 for the rest.
     */
    final double prior;
    /** Describes a multiple-choice option list: named in reasons only when the prompt has one. */
    final boolean optionsOnly;

    Feature(String key, String highWords, String lowWords, double prior) {
        this(key, highWords, lowWords, prior, false);
    }

    Feature(String key, String highWords, String lowWords, double prior, boolean optionsOnly) {
        this.key = key;
        this.highWords = highWords;
        this.lowWords = lowWords;
        this.prior = prior;
        this.optionsOnly = optionsOnly;
    }

    static double clip(double z) {
        return Math.max(-CLIP, Math.min(CLIP, z));
    }

    static Feature byKey(String key) {
        for (Feature f : ALL) {
            if (f.key.equals(key)) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown feature '" + key + "'");
    }
}
