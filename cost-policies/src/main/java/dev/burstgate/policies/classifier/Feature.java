package dev.burstgate.policies.classifier;

/**
 * The dense features of a conversation. Each has a stable name (used in the weights file) and plain words used in
 * reasons when it pushes the score up or down.
 */
enum Feature {
  TOKENS("tokens", "long prompt", "short prompt"),
  LAST_USER_TOKENS("last_user_tokens", "long last question", "short last question"),
  TURNS("turns", "many conversation turns", "single turn"),
  SYSTEM_TOKENS("system_tokens", "long system prompt", "no system prompt"),
  CODE_FENCES("code_fences", "code blocks", "no code blocks"),
  INLINE_CODE("inline_code", "inline code", "no inline code"),
  STACK_TRACE("stack_trace", "stack trace or error output", "no stack trace"),
  CODE_SYNTAX("code_syntax", "code syntax", "no code syntax"),
  LATEX("latex", "LaTeX math notation", "no LaTeX"),
  MATH_SYMBOLS("math_symbols", "dense math symbols", "few math symbols"),
  DIGITS("digits", "many digits", "few digits"),
  NUMBERS("numbers", "many numbers", "few numbers"),
  EQUATIONS("equations", "equations", "no equations"),
  VARIABLES("variables", "algebraic variables", "no variables"),
  REASONING("reasoning", "reasoning cues (prove, derive, why...)", "no reasoning cues"),
  QUANTITATIVE("quantitative", "quantitative asks (how many, largest, probability...)", "no quantitative asks"),
  FACTUAL("factual", "factual lookup wording", "no factual lookup wording"),
  MULTI_PART("multi_part", "several asks in one prompt", "a single ask"),
  CONSTRAINTS("constraints", "explicit constraints", "no constraints"),
  NEGATION("negation", "negated question (NOT, EXCEPT)", "no negation"),
  STRUCTURED_OUTPUT("structured_output", "structured output asked (JSON, table...)", "free-form answer"),
  NON_ASCII("non_ascii", "non-English script", "English text"),
  AVG_WORD_LENGTH("avg_word_length", "long words", "short words"),
  LONG_WORDS("long_words", "technical vocabulary", "plain vocabulary"),
  PROPER_NOUNS("proper_nouns", "many names and proper nouns", "few proper nouns"),
  SENTENCES("sentences", "many sentences", "few sentences"),
  WORDS_PER_SENTENCE("words_per_sentence", "long sentences", "short sentences"),
  PIPES("pipes", "paired statements or tables", "no paired statements"),
  MATH_CONTEXT("math_context", "math problem", "not a math problem"),
  MATH_TOKENS("math_tokens", "long math problem", "not a long math problem"),
  HARD_MATH("hard_math", "asks over sets or extremes (all, distinct, minimum...)", "no set or extreme asks"),
  DIRECT_ASK("direct_ask", "direct evaluation ask (compute, evaluate...)", "no direct evaluation ask"),
  DISTINCT_VARIABLES("distinct_variables", "several distinct variables", "few distinct variables");

  static final Feature[] ALL = values();
  static final int COUNT = ALL.length;

  final String key;
  final String highWords;
  final String lowWords;

  Feature(String key, String highWords, String lowWords) {
    this.key = key;
    this.highWords = highWords;
    this.lowWords = lowWords;
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
