package dev.burstgate.policies.classifier;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Turns a conversation into the raw values of every {@link Feature} in one pass over at most
 * {@link #MAX_ANALYSED_CHARS} characters (the last user message first, then the rest in order). Words are also handed
 * to a {@link WordSink} as hashes for the lexical part of the model. Stateless and thread-safe; every call allocates
 * its own small counters.
 */
final class FeatureExtractor {

    /** At most this many characters of a conversation are scanned (16 KB); its full size still counts. */
    static final int MAX_ANALYSED_CHARS = 16 * 1024;

    /** The hash that stands for any number in the lexical part. */
    static final long NUMBER_TOKEN = Cue.wordHash("<number>");

    /** Words of math problems get their own lexical buckets: the same word can mean different things there. */
    static final long MATH_SALT = 0x5bd1e9955bd1e995L;

    private static final long AT = Cue.wordHash("at");
    private static final long NOT = Cue.wordHash("not");
    private static final long EXCEPT = Cue.wordHash("except");
    private static final long LEAST = Cue.wordHash("least");
    private static final long NEVER = Cue.wordHash("never");
    private static final long FALSE = Cue.wordHash("false");

    /** Receives the lexical key of every analysed word, in order (see {@link #bucket}). */
    interface WordSink {
        void word(long key);
    }

    /** The lexical bucket of a word key in a table of {@code 2^bits} entries (Fibonacci hashing). */
    static int bucket(long key, int bits) {
        return (int) ((key * 0x9E3779B97F4A7C15L) >>> (64 - bits));
    }

    /** What one extraction saw beyond the feature values. */
    record Scan(long totalChars, long estimatedTokens, boolean truncated) {}

    private final Cue cues = new Cue();

    /**
     * Fills {@code out} (length {@link Feature#COUNT}) with raw feature values.
     */
    Scan extract(List<ChatMessage> messages, double[] out, WordSink sink) {
        int lastUser = -1;
        long totalChars = 0;
        long systemChars = 0;
        int conversational = 0;
        for (int i = 0; i < messages.size(); i++) {
            ChatMessage m = messages.get(i);
            totalChars += m.content().length();
            if (m.role().equals("system") || m.role().equals("developer")) {
                systemChars += m.content().length();
            } else {
                conversational++;
                if (m.role().equals("user")) {
                    lastUser = i;
                }
            }
        }
        // about one word per six characters of prose: sized once so long prompts do not regrow the word buffer
        Counters c = new Counters(cues, sink, (int) Math.min(totalChars, MAX_ANALYSED_CHARS) / 6 + 16);
        int budget = MAX_ANALYSED_CHARS;
        long unscannedChars = 0;
        long lastUserChars = 0;
        if (lastUser >= 0) {
            String text = messages.get(lastUser).content();
            lastUserChars = text.length();
            int n = Math.min(text.length(), budget);
            c.scan(text, n);
            budget -= n;
            unscannedChars += text.length() - n;
        }
        for (int i = 0; i < messages.size(); i++) {
            if (i == lastUser) {
                continue;
            }
            String text = messages.get(i).content();
            int n = Math.min(text.length(), budget);
            if (n > 0) {
                c.scan(text, n);
                budget -= n;
            }
            unscannedChars += text.length() - n;
        }
        long tokens = c.estimatedTokens() + unscannedChars / 4;
        int wordsWithLetters = Math.max(1, c.letterWords);
        int scanned = Math.max(1, c.chars);

        out[Feature.TOKENS.ordinal()] = log1p(tokens);
        out[Feature.LAST_USER_TOKENS.ordinal()] = log1p(lastUserChars / 4.0);
        out[Feature.TURNS.ordinal()] = log1p(Math.max(0, conversational - 1));
        out[Feature.SYSTEM_TOKENS.ordinal()] = log1p(systemChars / 4.0);
        out[Feature.CODE_FENCES.ordinal()] = log1p(c.fences / 2.0);
        out[Feature.INLINE_CODE.ordinal()] = log1p(c.inlineTicks / 2.0);
        out[Feature.STACK_TRACE.ordinal()] = log1p(c.stackFrames + c.cue[7]);
        out[Feature.CODE_SYNTAX.ordinal()] = log1p(c.codeChars + c.cue[6]);
        out[Feature.LATEX.ordinal()] = log1p(c.latexCommands + c.dollars / 2.0);
        out[Feature.MATH_SYMBOLS.ordinal()] = Math.min(30.0, 100.0 * c.mathSymbols / scanned);
        out[Feature.DIGITS.ordinal()] = Math.min(50.0, 100.0 * c.digits / scanned);
        out[Feature.NUMBERS.ordinal()] = log1p(c.numbers);
        out[Feature.EQUATIONS.ordinal()] = log1p(c.equals);
        out[Feature.VARIABLES.ordinal()] = log1p(c.variables);
        out[Feature.REASONING.ordinal()] = log1p(c.cue[0]);
        out[Feature.QUANTITATIVE.ordinal()] = log1p(c.cue[1]);
        out[Feature.FACTUAL.ordinal()] = log1p(c.cue[2]);
        out[Feature.MULTI_PART.ordinal()] = log1p(c.cue[3] + Math.max(0, c.questionMarks - 1) + c.listItems);
        out[Feature.CONSTRAINTS.ordinal()] = log1p(c.cue[4]);
        out[Feature.NEGATION.ordinal()] = log1p(c.negations);
        out[Feature.STRUCTURED_OUTPUT.ordinal()] = log1p(c.cue[5]);
        out[Feature.NON_ASCII.ordinal()] = c.letters == 0 ? 0.0 : (double) c.nonAsciiLetters / c.letters;
        out[Feature.AVG_WORD_LENGTH.ordinal()] = Math.min(15.0, (double) c.letterWordChars / wordsWithLetters);
        out[Feature.LONG_WORDS.ordinal()] = (double) c.longWords / wordsWithLetters;
        out[Feature.PROPER_NOUNS.ordinal()] = (double) c.properNouns / wordsWithLetters;
        out[Feature.SENTENCES.ordinal()] = log1p(c.sentences);
        out[Feature.WORDS_PER_SENTENCE.ordinal()] = log1p(Math.min(200.0, (double) c.words / Math.max(1, c.sentences)));
        out[Feature.PIPES.ordinal()] = log1p(c.pipes);
        boolean mathy = c.latexCommands + c.dollars > 0;
        out[Feature.MATH_CONTEXT.ordinal()] = mathy ? 1.0 : 0.0;
        out[Feature.MATH_TOKENS.ordinal()] = mathy ? log1p(tokens) : 0.0;
        out[Feature.HARD_MATH.ordinal()] = log1p(c.cue[8]);
        out[Feature.DIRECT_ASK.ordinal()] = log1p(c.cue[9]);
        out[Feature.DISTINCT_VARIABLES.ordinal()] = Long.bitCount(c.variableLetters);
        out[Feature.WORDS.ordinal()] = log1p(c.letterWords);
        boolean options = c.optionLines >= 2;
        out[Feature.QUESTION_TOKENS.ordinal()] = log1p(Math.max(0, c.chars - (options ? c.optionChars : 0)) / 4.0);
        out[Feature.OPTION_TOKENS.ordinal()] = options ? log1p(c.optionChars / (4.0 * c.optionLines)) : 0.0;
        out[Feature.NUMERIC_OPTIONS.ordinal()] = options ? (double) c.numericOptions / c.optionLines : 0.0;
        out[Feature.OPTION_OVERLAP.ordinal()] =
                options && c.optionWords > 0 ? 1.0 - (double) c.distinctOptionWords / c.optionWords : 0.0;
        c.emitWords(mathy ? MATH_SALT : 0L);
        return new Scan(totalChars, tokens, unscannedChars > 0);
    }

    private static double log1p(double x) {
        return Math.log1p(x);
    }

    /** Character classes of ASCII, for the scanning loop. */
    private static final byte OTHER = 0;

    private static final byte LOWER = 1;
    private static final byte UPPER = 2;
    private static final byte DIGIT = 3;
    private static final byte BLANK = 4;
    private static final byte NEWLINE = 5;
    private static final byte[] ASCII = new byte[128];

    static {
        for (char c = 'a'; c <= 'z'; c++) {
            ASCII[c] = LOWER;
        }
        for (char c = 'A'; c <= 'Z'; c++) {
            ASCII[c] = UPPER;
        }
        for (char c = '0'; c <= '9'; c++) {
            ASCII[c] = DIGIT;
        }
        ASCII[' '] = BLANK;
        ASCII['\t'] = BLANK;
        ASCII['\r'] = BLANK;
        ASCII['\n'] = NEWLINE;
    }

    /** Mutable counters of one extraction; never shared. */
    private static final class Counters {
        private final Cue cues;
        private final WordSink sink;

        int chars;
        int cjkChars;
        int otherChars;
        int letters;
        int nonAsciiLetters;
        int digits;
        int mathSymbols;
        int equals;
        int pipes;
        int latexCommands;
        int dollars;
        int fences;
        int inlineTicks;
        int codeChars;
        int questionMarks;
        int sentences;
        int listItems;
        int stackFrames;
        int words;
        int letterWords;
        int letterWordChars;
        int longWords;
        int properNouns;
        int numbers;
        int variables;
        int negations;
        final int[] cue = new int[10];
        // answer options: lines starting "A. ", "B) " ... (letters A to H)
        int optionLines;
        int optionChars;
        int numericOptions;
        int optionWords;
        int distinctOptionWords;
        boolean inOption;
        int optionStart;
        int optionLetters;
        int optionDigits;
        long @Nullable [] optionWordSet; // allocated at the first option word
        long variableLetters;
        long[] wordHashes;
        int wordCount;

        // current word
        long hash;
        int wordLen;
        int wordLetters;
        int wordDigits;
        char wordFirst;
        boolean wordFirstUpper;
        boolean wordAllUpper;
        long prevWordHash;
        boolean sentenceStart = true;
        boolean lineStart = true;
        boolean lineIndented;
        boolean firstWordOfLine = true;
        boolean pendingListNumber;
        int tickRun;

        Counters(Cue cues, WordSink sink, int words) {
            this.cues = cues;
            this.sink = sink;
            this.wordHashes = new long[words];
        }

        void emitWords(long salt) {
            for (int i = 0; i < wordCount; i++) {
                sink.word(wordHashes[i] ^ salt);
            }
        }

        private void keep(long h) {
            if (wordCount == wordHashes.length) {
                wordHashes = java.util.Arrays.copyOf(wordHashes, wordCount * 2);
            }
            wordHashes[wordCount++] = h;
        }

        long estimatedTokens() {
            int ascii = chars - cjkChars - otherChars;
            return ascii / 4 + cjkChars + otherChars / 2;
        }

        void scan(String s, int n) {
            lineStart = true;
            lineIndented = false;
            firstWordOfLine = true;
            sentenceStart = true;
            prevWordHash = 0;
            chars += n;
            for (int i = 0; i < n; i++) {
                char ch = s.charAt(i);
                if (ch >= 'a' && ch <= 'z' && wordLen > 0) {
                    // the common case: a lower-case letter inside a word
                    hash = Long.rotateLeft(hash, 5) ^ ch;
                    wordLen++;
                    wordLetters++;
                    wordAllUpper = false;
                    continue;
                }
                if (ch < 128) {
                    switch (ASCII[ch]) {
                        case LOWER -> wordChar(ch, true, false);
                        case UPPER -> {
                            if (lineStart
                                    && wordLen == 0
                                    && ch <= 'H'
                                    && i + 2 < n
                                    && s.charAt(i + 2) == ' '
                                    && (s.charAt(i + 1) == '.' || s.charAt(i + 1) == ')')) {
                                openOption(i);
                            }
                            wordChar((char) (ch | 0x20), true, true);
                        }
                        case DIGIT -> wordChar(ch, false, false);
                        case BLANK -> {
                            if (wordLen > 0) {
                                endWord(s, i);
                            }
                            if (tickRun > 0) {
                                closeTicks();
                            }
                            pendingListNumber = false;
                            if (lineStart) {
                                lineIndented = true;
                            }
                        }
                        case NEWLINE -> {
                            if (wordLen > 0) {
                                endWord(s, i);
                            }
                            if (inOption) {
                                closeOption(i);
                            }
                            if (tickRun > 0) {
                                closeTicks();
                            }
                            pendingListNumber = false;
                            lineStart = true;
                            lineIndented = false;
                            firstWordOfLine = true;
                            sentenceStart = true;
                        }
                        default -> {
                            if (wordLen > 0) {
                                endWord(s, i);
                            }
                            punctuation(s, i, n, ch);
                        }
                    }
                } else {
                    nonAscii(s, i, ch);
                }
            }
            if (wordLen > 0) {
                endWord(s, n);
            }
            if (inOption) {
                closeOption(n);
            }
            if (tickRun > 0) {
                closeTicks();
            }
        }

        private void openOption(int i) {
            if (inOption) {
                closeOption(i);
            }
            inOption = true;
            optionStart = i + 3;
            optionLetters = 0;
            optionDigits = 0;
            optionLines++;
        }

        private void closeOption(int end) {
            inOption = false;
            optionChars += Math.max(0, end - optionStart);
            if (optionDigits > 0 && optionDigits >= optionLetters) {
                numericOptions++;
            }
        }

        /** Counts a word of an answer option and whether another option already used it (small open-address set). */
        private void optionWord(long h) {
            optionWords++;
            if (optionWordSet == null) {
                optionWordSet = new long[64];
            }
            if (distinctOptionWords >= optionWordSet.length / 2) {
                distinctOptionWords++; // long options: count further words as new ones, no set growth
                return;
            }
            long key = h == 0 ? 1 : h;
            int mask = optionWordSet.length - 1;
            int slot = (int) ((key * 0x9E3779B97F4A7C15L) >>> 58) & mask;
            while (true) {
                long k = optionWordSet[slot];
                if (k == key) {
                    return;
                }
                if (k == 0) {
                    optionWordSet[slot] = key;
                    distinctOptionWords++;
                    return;
                }
                slot = (slot + 1) & mask;
            }
        }

        private void nonAscii(String s, int i, char ch) {
            boolean cjk = isCjk(ch);
            if (cjk) {
                cjkChars++;
            } else {
                otherChars++;
            }
            if (Character.isLetter(ch)) {
                nonAsciiLetters++;
                if (cjk) {
                    // every CJK character is a word of its own
                    if (wordLen > 0) {
                        endWord(s, i);
                    }
                    wordChar(ch, true, false);
                    endWord(s, i + 1);
                } else {
                    wordChar(Character.toLowerCase(ch), true, Character.isUpperCase(ch));
                }
            } else if (Character.isDigit(ch)) {
                wordChar(ch, false, false);
            } else {
                if (wordLen > 0) {
                    endWord(s, i);
                }
                if (isMathSymbol(ch)) {
                    mathSymbols++;
                }
                if (tickRun > 0) {
                    closeTicks();
                }
                pendingListNumber = false;
                lineStart = false;
            }
        }

        private void punctuation(String s, int i, int n, char ch) {
            if (ch != '`' && tickRun > 0) {
                closeTicks();
            }
            char next = i + 1 < n ? s.charAt(i + 1) : ' ';
            boolean listNumber = pendingListNumber;
            pendingListNumber = false;
            switch (ch) {
                case '`' -> tickRun++;
                case '=' -> {
                    equals++;
                    mathSymbols++;
                }
                case '+', '^', '<', '>', '%', '~' -> mathSymbols++;
                case '*' -> {
                    mathSymbols++;
                    if (lineStart && next == ' ') {
                        listItems++;
                    }
                }
                case '/' -> {
                    char prev = i > 0 ? s.charAt(i - 1) : ' ';
                    if (isDigitOrSpace(prev) && isDigitOrSpace(next)) {
                        mathSymbols++;
                    }
                }
                case '-' -> {
                    char prev = i > 0 ? s.charAt(i - 1) : ' ';
                    if (lineStart && next == ' ') {
                        listItems++;
                    } else if (isDigitOrSpace(prev) && isDigitOrSpace(next)) {
                        mathSymbols++;
                    }
                }
                case '|' -> pipes++;
                case '$' -> dollars++;
                case '\\' -> {
                    if ((next >= 'a' && next <= 'z') || (next >= 'A' && next <= 'Z')) {
                        latexCommands++;
                    }
                }
                case '{', '}', ';' -> codeChars++;
                case '?' -> {
                    questionMarks++;
                    if (isBlank(next)) {
                        sentences++;
                        sentenceStart = true;
                    }
                }
                case '.', '!' -> {
                    if (ch == '.' && listNumber && next == ' ') {
                        listItems++;
                    }
                    if (isBlank(next)) {
                        sentences++;
                        sentenceStart = true;
                    }
                }
                case ')' -> {
                    if (listNumber && next == ' ') {
                        listItems++;
                    }
                }
                default -> {
                    // other punctuation carries no signal
                }
            }
            lineStart = false;
        }

        private static boolean isBlank(char c) {
            return c == ' ' || c == '\n' || c == '\t' || c == '\r';
        }

        private void closeTicks() {
            if (tickRun >= 3) {
                fences++;
            } else {
                inlineTicks += tickRun;
            }
            tickRun = 0;
        }

        private static boolean isDigitOrSpace(char c) {
            return (c >= '0' && c <= '9') || c == ' ';
        }

        private static boolean isCjk(char c) {
            return (c >= 0x3040 && c <= 0x30FF)
                    || (c >= 0x3400 && c <= 0x9FFF)
                    || (c >= 0xAC00 && c <= 0xD7AF)
                    || (c >= 0xF900 && c <= 0xFAFF);
        }

        private static boolean isMathSymbol(char c) {
            return switch (c) {
                case '≤',
                        '≥',
                        '≠',
                        '√',
                        'π',
                        '∑',
                        '∫',
                        '∞',
                        '±',
                        '×',
                        '÷',
                        '∈',
                        '∀',
                        '∃',
                        '→',
                        '⇒',
                        '∂',
                        '≈',
                        '∝',
                        '⊂',
                        '∪',
                        '∩',
                        '°',
                        '²',
                        '³',
                        '½',
                        '≡',
                        '∨',
                        '∧',
                        '⊃',
                        '·',
                        '¬' -> true;
                default -> false;
            };
        }

        private void wordChar(char lower, boolean letter, boolean upper) {
            if (wordLen == 0) {
                if (tickRun > 0) {
                    closeTicks();
                }
                hash = Cue.SEED;
                wordFirst = lower;
                wordFirstUpper = upper;
                wordAllUpper = true;
            }
            hash = Long.rotateLeft(hash, 5) ^ lower;
            wordLen++;
            if (letter) {
                wordLetters++;
                if (!upper) {
                    wordAllUpper = false;
                }
            } else {
                wordDigits++;
            }
        }

        /** Ends the current word, whose last character is at {@code end - 1}. */
        private void endWord(String s, int end) {
            words++;
            letters += wordLetters;
            digits += wordDigits;
            long h = hash;
            if (inOption) {
                if (wordLen == 1 && end == optionStart - 2) {
                    // the option letter itself
                } else {
                    optionLetters += wordLetters;
                    optionDigits += wordDigits;
                    optionWord(h);
                }
            }
            boolean first = firstWordOfLine;
            firstWordOfLine = false;
            if (wordLetters == 0) {
                numbers++;
                keep(NUMBER_TOKEN);
                pendingListNumber = first;
            } else {
                pendingListNumber = false;
                letterWords++;
                letterWordChars += wordLetters;
                if (wordLetters >= 10) {
                    longWords++;
                }
                if (wordFirstUpper && !sentenceStart && wordLen > 1 && !wordAllUpper) {
                    properNouns++;
                }
                if (wordDigits > 0) {
                    if (wordLetters <= 2 && wordLen <= 4) {
                        variables++;
                    }
                } else if (wordLen == 1 && !wordFirstUpper && wordFirst != 'a') {
                    variables++;
                    if (wordFirst >= 'a' && wordFirst <= 'z') {
                        variableLetters |= 1L << (wordFirst - 'a');
                    }
                }
                if (wordAllUpper
                        && wordLen >= 3
                        && (h == NOT || h == EXCEPT || h == LEAST || h == NEVER || h == FALSE)) {
                    negations++;
                }
                if (first && lineIndented && h == AT) {
                    stackFrames++;
                }
                if (wordLen > 5) {
                    char last = (char) (s.charAt(end - 1) | 0x20);
                    if ((last == 'r' && s.regionMatches(true, end - 5, "error", 0, 5))
                            || (last == 'n' && wordLen > 9 && s.regionMatches(true, end - 9, "exception", 0, 9))) {
                        cue[7]++;
                    }
                }
                int mask = cues.lookup(h);
                if (prevWordHash != 0 && (mask & Cue.PHRASE_TAIL) != 0) {
                    mask |= cues.lookup(Cue.pairHash(prevWordHash, h));
                }
                mask &= ~Cue.PHRASE_TAIL;
                while (mask != 0) {
                    int b = Integer.numberOfTrailingZeros(mask);
                    cue[b]++;
                    mask &= mask - 1;
                }
                keep(h);
            }
            prevWordHash = h;
            sentenceStart = false;
            lineStart = false;
            wordLen = 0;
            wordLetters = 0;
            wordDigits = 0;
        }
    }
}
