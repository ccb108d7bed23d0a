package dev.burstgate.policies.classifier;

/** Word lists behind the cue features, matched as whole lower-case words or two-word phrases. */
final class Cue {

    static final int REASONING = 1;
    static final int QUANTITATIVE = 2;
    static final int FACTUAL = 4;
    static final int MULTI_PART = 8;
    static final int CONSTRAINTS = 16;
    static final int STRUCTURED = 32;
    static final int CODE = 64;
    static final int STACK = 128;
    static final int HARD_MATH = 256;
    static final int DIRECT = 512;
    /** Marks a word that ends some two-word phrase, so only those words pay for a phrase lookup. */
    static final int PHRASE_TAIL = 1 << 30;

    private static final String[][] WORDS = {
        // REASONING
        {
            "prove",
            "proof",
            "derive",
            "derivation",
            "explain",
            "why",
            "justify",
            "optimise",
            "optimize",
            "optimal",
            "optimization",
            "optimisation",
            "compare",
            "contrast",
            "analyse",
            "analyze",
            "analysis",
            "evaluate",
            "reason",
            "reasoning",
            "infer",
            "inference",
            "deduce",
            "implies",
            "imply",
            "therefore",
            "hence",
            "suppose",
            "assume",
            "assuming",
            "hypothesis",
            "conclude",
            "conclusion",
            "argument",
            "argue",
            "valid",
            "logically",
            "step by",
            "by step",
            "show that",
            "trade offs",
            "tradeoffs",
            "design",
            "strongest",
            "weakest",
            "best explains",
            "most likely",
            "if and",
            "only if",
            "consequently",
            "because",
            "whereas",
            "critique",
            "demonstrate"
        },
        // QUANTITATIVE
        {
            "how many",
            "how much",
            "number of",
            "probability",
            "largest",
            "smallest",
            "greatest",
            "least",
            "maximum",
            "minimum",
            "sum of",
            "product of",
            "remainder",
            "integer",
            "integers",
            "positive",
            "negative",
            "real",
            "ordered",
            "distinct",
            "expected",
            "rate",
            "percent",
            "percentage",
            "ratio",
            "calculate",
            "compute",
            "value of",
            "area",
            "volume",
            "perimeter",
            "radius",
            "digits",
            "divisible",
            "prime",
            "primes",
            "factor",
            "polynomial",
            "roots",
            "root",
            "solutions",
            "solve",
            "equation",
            "function",
            "sequence",
            "series",
            "complex",
            "coefficient",
            "graph",
            "interval",
            "average",
            "mean",
            "median",
            "variance",
            "estimate",
            "approximately",
            "speed",
            "velocity",
            "acceleration",
            "mass",
            "energy",
            "force",
            "concentration",
            "moles"
        },
        // FACTUAL
        {
            "who",
            "when",
            "where",
            "which",
            "define",
            "definition",
            "called",
            "known",
            "name",
            "named",
            "term",
            "refers",
            "example",
            "following is",
            "best describes",
            "is true",
            "is correct",
            "primary",
            "main",
            "typically",
            "usually",
            "associated",
            "responsible",
            "characteristic"
        },
        // MULTI_PART
        {
            "also",
            "additionally",
            "furthermore",
            "moreover",
            "then",
            "finally",
            "first",
            "second",
            "third",
            "secondly",
            "lastly",
            "each",
            "both",
            "respectively",
            "part"
        },
        // CONSTRAINTS
        {
            "must",
            "should",
            "at least",
            "at most",
            "exactly",
            "without",
            "only",
            "except",
            "cannot",
            "ensure",
            "no more",
            "more than",
            "less than",
            "constraint",
            "constraints",
            "every",
            "all",
            "limit",
            "within",
            "requirement",
            "requirements",
            "given",
            "satisfy",
            "satisfies",
            "such that",
            "unless",
            "provided"
        },
        // STRUCTURED
        {
            "json",
            "table",
            "csv",
            "yaml",
            "xml",
            "markdown",
            "schema",
            "format",
            "formatted",
            "bullet",
            "bullets",
            "columns",
            "rows",
            "list",
            "outline",
            "template",
            "regex",
            "sql"
        },
        // CODE
        {
            "def",
            "return",
            "function",
            "class",
            "import",
            "public",
            "private",
            "static",
            "void",
            "const",
            "var",
            "let",
            "lambda",
            "include",
            "printf",
            "println",
            "null",
            "nullptr",
            "async",
            "await",
            "struct",
            "impl",
            "fn",
            "elif",
            "foreach",
            "while",
            "boolean",
            "int",
            "string",
            "bug",
            "compile",
            "compiler",
            "runtime",
            "algorithm",
            "complexity",
            "recursion",
            "recursive",
            "array",
            "pointer",
            "api",
            "http",
            "python",
            "java",
            "javascript",
            "rust",
            "golang",
            "kotlin",
            "typescript",
            "docker",
            "kubernetes",
            "program",
            "code"
        },
        // STACK
        {
            "traceback",
            "exception",
            "stacktrace",
            "segfault",
            "panicked",
            "errno",
            "stderr",
            "nullpointerexception",
            "typeerror",
            "valueerror",
            "keyerror",
            "attributeerror",
            "indexerror",
            "syntaxerror",
            "runtimeerror"
        },
        // HARD_MATH
        {
            "let",
            "such that",
            "real",
            "distinct",
            "ordered",
            "minimum",
            "maximum",
            "polynomial",
            "exactly",
            "all",
            "where",
            "set",
            "sequence",
            "for all",
            "there exist",
            "there exists",
            "positive integers",
            "nonnegative",
            "nonzero",
            "satisfying",
            "satisfies",
            "roots",
            "inequality",
            "infinitely",
            "unique",
            "possible values",
            "sum of all",
            "largest possible",
            "smallest possible",
            "maximize",
            "minimize",
            "bound",
            "converges",
            "subset",
            "subsets",
            "function",
            "functions",
            "complex numbers",
            "matrix",
            "vectors",
            "prove",
            "proof",
            "isomorphic",
            "group",
            "ring",
            "field",
            "integral",
            "derivative",
            "limit",
            "theorem"
        },
        // DIRECT
        {
            "evaluate",
            "compute",
            "calculate",
            "simplify",
            "what is",
            "how many",
            "value of",
            "round",
            "express",
            "convert",
            "write",
            "rewrite",
            "expand",
            "factor",
            "list",
            "name",
            "define",
            "translate",
            "summarize",
            "summarise",
            "hello",
            "thanks",
            "thank",
            "hi"
        },
    };

    private static final int[] CATEGORY = {
        REASONING, QUANTITATIVE, FACTUAL, MULTI_PART, CONSTRAINTS, STRUCTURED, CODE, STACK, HARD_MATH, DIRECT
    };

    private static final int TABLE_BITS = 11;
    private static final int TABLE_MASK = (1 << TABLE_BITS) - 1;

    private final long[] keys = new long[1 << TABLE_BITS];
    private final int[] masks = new int[1 << TABLE_BITS];

    Cue() {
        for (int c = 0; c < WORDS.length; c++) {
            for (String phrase : WORDS[c]) {
                int space = phrase.indexOf(' ');
                if (space < 0) {
                    put(wordHash(phrase), CATEGORY[c]);
                } else {
                    long tail = wordHash(phrase.substring(space + 1));
                    put(pairHash(wordHash(phrase.substring(0, space)), tail), CATEGORY[c]);
                    put(tail, PHRASE_TAIL);
                }
            }
        }
    }

    private void put(long hash, int mask) {
        long key = hash == 0 ? 1 : hash;
        int i = slot(key);
        while (keys[i] != 0 && keys[i] != key) {
            i = (i + 1) & TABLE_MASK;
        }
        keys[i] = key;
        masks[i] |= mask;
    }

    /** The categories a word or phrase hash belongs to; 0 for none. */
    int lookup(long hash) {
        long key = hash == 0 ? 1 : hash;
        int i = slot(key);
        while (true) {
            long k = keys[i];
            if (k == key) {
                return masks[i];
            }
            if (k == 0) {
                return 0;
            }
            i = (i + 1) & TABLE_MASK;
        }
    }

    /** Fibonacci hashing: the top bits of the product depend on every bit of the key. */
    private static int slot(long key) {
        return (int) ((key * 0x9E3779B97F4A7C15L) >>> (64 - TABLE_BITS));
    }

    /** Seed of the word hash {@code h = rotl(h, 5) ^ c}: one cheap step per character; tables use Fibonacci hashing. */
    static final long SEED = 0x2545F4914F6CDD1DL;

    static long wordHash(String lowerWord) {
        long h = SEED;
        for (int i = 0; i < lowerWord.length(); i++) {
            h = Long.rotateLeft(h, 5) ^ lowerWord.charAt(i);
        }
        return h;
    }

    static long pairHash(long first, long second) {
        return mix(first * 0x9E3779B97F4A7C15L + second);
    }

    static long mix(long z) {
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return z ^ (z >>> 33);
    }
}
