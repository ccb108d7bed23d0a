package dev.burstgate.policies;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.random.RandomGenerator;
import java.util.stream.IntStream;
import org.jspecify.annotations.Nullable;

/**
 * Hostile input for the parsers' properties ({@code *PropertiesTest}). A document is built as a small tree, so that a
 * key can repeat and a string can hold a lone surrogate, written out as JSON (which YAML reads too), then changed by
 * {@link Edit}s that replace, drop, repeat or add a value anywhere in it. The values are the ones parsers get wrong:
 * every JSON type where another is expected, integers past 32 and 64 bits and past a double's range, floats that
 * round to infinity or zero, number-like and date-like strings, lone surrogates, NUL, right-to-left marks, long
 * strings and deep nesting.
 */
public final class HostileInput {

    private static final String HEX = "0123456789abcdef";

    private HostileInput() {}

    /** A document or a part of one. */
    public sealed interface Node permits Scalar, Seq, Obj {

        /** As JSON text; every {@link Scalar} of the shared generators is valid JSON. */
        String json();

        /** The number of nodes, counted in pre-order by {@link #edit}. */
        int size();
    }

    /** A scalar written exactly as given: {@code "x"}, {@code 1e400}, {@code true}, or YAML's {@code .nan}. */
    public record Scalar(String text) implements Node {
        @Override
        public String json() {
            return text;
        }

        @Override
        public int size() {
            return 1;
        }
    }

    /** An array. */
    public record Seq(List<Node> items) implements Node {
        public Seq {
            items = List.copyOf(items);
        }

        @Override
        public String json() {
            StringBuilder sb = new StringBuilder("[");
            for (int i = 0; i < items.size(); i++) {
                sb.append(i == 0 ? "" : ",").append(items.get(i).json());
            }
            return sb.append(']').toString();
        }

        @Override
        public int size() {
            return 1 + items.stream().mapToInt(Node::size).sum();
        }
    }

    /** An object whose keys may repeat. */
    public record Obj(List<Entry> entries) implements Node {
        public Obj {
            entries = List.copyOf(entries);
        }

        @Override
        public String json() {
            StringBuilder sb = new StringBuilder("{");
            for (int i = 0; i < entries.size(); i++) {
                Entry e = entries.get(i);
                sb.append(i == 0 ? "" : ",")
                        .append(quote(e.key()))
                        .append(':')
                        .append(e.value().json());
            }
            return sb.append('}').toString();
        }

        @Override
        public int size() {
            return 1 + entries.stream().mapToInt(e -> e.value().size()).sum();
        }
    }

    /** One key and its value. */
    public record Entry(String key, Node value) {}

    /** A builder-style way to write a valid document: {@code obj().put("a", str("x")).build()}. */
    public static ObjBuilder obj() {
        return new ObjBuilder();
    }

    /** Collects entries, skipping null values so optional fields read naturally. */
    public static final class ObjBuilder {
        private final List<Entry> entries = new ArrayList<>();

        public ObjBuilder put(String key, Node value) {
            if (value != null) {
                entries.add(new Entry(key, value));
            }
            return this;
        }

        public Obj build() {
            return new Obj(entries);
        }
    }

    public static Node str(String s) {
        return new Scalar(quote(s));
    }

    public static Node num(Object n) {
        return new Scalar(String.valueOf(n));
    }

    public static Seq seq(List<? extends Node> items) {
        return new Seq(List.copyOf(items));
    }

    /**
     * A JSON string literal that YAML reads too. Unpaired surrogates and characters YAML does not allow unescaped
     * (controls, U+FFFE, U+FFFF) are written as {@code \}{@code uXXXX} escapes, so the text stays encodable and
     * readable while the decoded value keeps them.
     */
    public static String quote(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean paired =
                    Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
            if (paired) {
                sb.append(c).append(s.charAt(++i));
            } else if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20 || c >= 0x7F && c <= 0x9F || c >= 0xFFFE || Character.isSurrogate(c)) {
                sb.append("\\u")
                        .append(HEX.charAt(c >> 12))
                        .append(HEX.charAt(c >> 8 & 0xF))
                        .append(HEX.charAt(c >> 4 & 0xF))
                        .append(HEX.charAt(c & 0xF));
            } else {
                sb.append(c);
            }
        }
        return sb.append('"').toString();
    }

    /** What an {@link Edit} does at its node. */
    public enum Op {
        /** The node becomes the edit's value. */
        REPLACE,
        /** An object or array loses one entry (other nodes are replaced). */
        DROP,
        /** An object gets one of its keys again, with the edit's value; an array gets the value appended. */
        REPEAT,
        /** An object gets the edit's key with its value; an array gets the value appended. */
        ADD
    }

    /**
     * One change to a document.
     *
     * @param at which node, in pre-order, modulo the document's size
     * @param op what to do there
     * @param which which entry of an object or array, modulo its size
     * @param key the key {@link Op#ADD} adds
     * @param value the new value
     */
    public record Edit(int at, Op op, int which, String key, Node value) {}

    /** The document with the edit applied. */
    public static Node edit(Node root, Edit e) {
        int[] countdown = {Math.floorMod(e.at(), root.size())};
        return edit(root, e, countdown);
    }

    private static Node edit(Node n, Edit e, int[] countdown) {
        if (countdown[0]-- == 0) {
            return change(n, e);
        }
        return switch (n) {
            case Scalar s -> s;
            case Seq s -> {
                List<Node> items = new ArrayList<>();
                for (Node item : s.items()) {
                    items.add(edit(item, e, countdown));
                }
                yield new Seq(items);
            }
            case Obj o -> {
                List<Entry> entries = new ArrayList<>();
                for (Entry entry : o.entries()) {
                    entries.add(new Entry(entry.key(), edit(entry.value(), e, countdown)));
                }
                yield new Obj(entries);
            }
        };
    }

    private static Node change(Node n, Edit e) {
        if (e.op() == Op.REPLACE || n instanceof Scalar) {
            return e.value();
        }
        if (n instanceof Seq s) {
            List<Node> items = new ArrayList<>(s.items());
            if (e.op() == Op.DROP && !items.isEmpty()) {
                items.remove(Math.floorMod(e.which(), items.size()));
            } else if (e.op() != Op.DROP) {
                items.add(e.value());
            }
            return new Seq(items);
        }
        Obj o = (Obj) n;
        List<Entry> entries = new ArrayList<>(o.entries());
        int i = entries.isEmpty() ? 0 : Math.floorMod(e.which(), entries.size());
        switch (e.op()) {
            case DROP -> {
                if (!entries.isEmpty()) {
                    entries.remove(i);
                }
            }
            case REPEAT ->
                entries.add(
                        new Entry(entries.isEmpty() ? e.key() : entries.get(i).key(), e.value()));
            case ADD -> entries.add(new Entry(e.key(), e.value()));
            case REPLACE -> throw new AssertionError("handled above");
        }
        return new Obj(entries);
    }

    /** One to {@code max} edits, each with a value from {@code values} and a key from {@code keys}. */
    public static List<Edit> edits(
            RandomGenerator r,
            Function<RandomGenerator, Node> values,
            Function<RandomGenerator, String> keys,
            int max) {
        return listOf(
                r,
                1,
                max,
                g -> new Edit(
                        g.nextInt(10_001), oneOf(g, Op.values()), g.nextInt(101), keys.apply(g), values.apply(g)));
    }

    /** The document after every edit, in order. */
    public static Node edited(Node root, List<Edit> edits) {
        Node n = root;
        for (Edit e : edits) {
            n = edit(n, e);
        }
        return n;
    }

    /** Strings that look like something else, or carry characters that trip decoders and matchers. */
    public static String oddString(RandomGenerator r) {
        return switch (pick(r, 4, 3, 3, 1)) {
            case 0 -> chars(r, ALNUM + "-_ .:", 0, 12);
            case 1 -> anyString(r, 0, 12);
            case 2 -> oneOf(r, ODD_STRINGS);
            default -> longString(r, 200, 5_000);
        };
    }

    private static final List<String> ODD_STRINGS = List.of(
            "",
            " ",
            "NaN",
            "-Infinity",
            "-1",
            "0x10",
            "1e400",
            "null",
            "true",
            "local",
            "LOCAL",
            "Cloud",
            " local",
            "\u202Elocal",
            "\uFEFFcloud",
            "leg\u0000acy",
            "\u0130",
            "\u0131",
            "\u00df",
            "\uD83D\uDE42",
            "e\u0301",
            "\uD800",
            "\uDFFF",
            "\u2028",
            "\\",
            "\"",
            "'",
            "${x}",
            "%s",
            "a\nb",
            "1970-01-01T00:00:00Z",
            "2026-02-30T25:61:00Z",
            "+1000000000-12-31T23:59:59.999999999Z",
            "-1000000000-01-01T00:00:00Z",
            "2026-01-01",
            "1700000000");

    /** A long string: a few random characters repeated (cheap to generate, and as hard to read as random ones). */
    public static String longString(RandomGenerator r, int min, int max) {
        String unit = anyString(r, 1, 4);
        int n = r.nextInt(min, max + 1);
        return unit.repeat(n / unit.length() + 1).substring(0, n);
    }

    /** A number as it is written: edge integers, beyond-long and beyond-double integers, extreme floats. */
    public static String oddNumber(RandomGenerator r) {
        return switch (pick(r, 4, 1, 1, 1, 1)) {
            case 0 -> oneOf(r, ODD_NUMBERS);
            case 1 -> String.valueOf(r.nextLong());
            case 2 -> String.valueOf(anyDouble(r));
            case 3 -> "1" + "0".repeat(r.nextInt(1, 1_201));
            default -> "-0." + "9".repeat(r.nextInt(1, 1_201));
        };
    }

    private static final List<String> ODD_NUMBERS = List.of(
            "0",
            "-0",
            "1",
            "-1",
            "2",
            "3",
            "5",
            "6",
            "0.5",
            "-0.5",
            "1.5",
            "3.0",
            "0.0",
            "1.0",
            "1E+2",
            "0.1e1",
            "2147483647",
            "2147483648",
            "-2147483648",
            "-2147483649",
            "9223372036854775807",
            "9223372036854775808",
            "-9223372036854775808",
            "-9223372036854775809",
            "18446744073709551616",
            "1e308",
            "1.7976931348623157e308",
            "1e309",
            "1e400",
            "-1e400",
            "1e-400",
            "4.9e-324",
            "1e-324");

    /** Any double, its bits drawn at random half the time (so subnormals, huge and tiny ones), else of a few units. */
    public static double anyDouble(RandomGenerator r) {
        double d = r.nextBoolean() ? Double.longBitsToDouble(r.nextLong()) : r.nextGaussian() * 100;
        return Double.isFinite(d) ? d : r.nextDouble();
    }

    /** Any scalar: an odd string, an odd number, a boolean or null. */
    public static Node scalar(RandomGenerator r) {
        return switch (pick(r, 4, 4, 1)) {
            case 0 -> str(oddString(r));
            case 1 -> new Scalar(oddNumber(r));
            default -> new Scalar(oneOf(r, "true", "false", "null"));
        };
    }

    /** Any value: mostly scalars, some small arrays and objects, some nested deeper than parsers allow. */
    public static Node value(RandomGenerator r) {
        return switch (pick(r, 12, 2, 2, 1)) {
            case 0 -> scalar(r);
            case 1 -> new Seq(listOf(r, 0, 5, HostileInput::scalar));
            case 2 -> new Obj(listOf(r, 0, 4, g -> new Entry(oddString(g), scalar(g))));
            default -> nested(oneOf(r, "[", "{\"a\":"), r.nextInt(2, 1_201));
        };
    }

    private static Node nested(String open, int depth) {
        String close = open.equals("[") ? "]" : "}";
        return new Scalar(open.repeat(depth) + "1" + close.repeat(depth));
    }

    /**
     * The text after one of: nothing, a cut at some point, characters (controls, lone surrogates, brackets, quotes)
     * spliced in or written over it, or a long run of one character spliced in or written over it.
     */
    public static String damaged(RandomGenerator r, String text) {
        String insert = switch (pick(r, 3, 2, 1)) {
            case 0 -> anyString(r, 1, 8);
            case 1 ->
                oneOf(
                        r, "\u0000", "\uD800", "\uFFFE", "\"", "\\", "{", "}", "[", "]", ":", ",", "\n", "\r", "\t",
                        "#", "&", "*", "!", "|", ">", "%", "@", "`", "---", "...", "\uFEFF", "\u0085");
            default -> "z".repeat(r.nextInt(100, 3_001));
        };
        return oneOf(r, Damage.values()).apply(text, r.nextInt(100_001), insert);
    }

    /** How {@link #damaged} changes a text. */
    public enum Damage {
        NONE,
        CUT,
        SPLICE,
        OVERWRITE;

        String apply(String text, int at, String insert) {
            int i = text.isEmpty() ? 0 : Math.floorMod(at, text.length());
            return switch (this) {
                case NONE -> text;
                case CUT -> text.substring(0, i);
                case SPLICE -> text.substring(0, i) + insert + text.substring(i);
                case OVERWRITE ->
                    text.substring(0, i) + insert + text.substring(Math.min(text.length(), i + insert.length()));
            };
        }
    }
    /** Letters, upper and lower case. */
    public static final String ALPHA = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

    /** Letters and digits. */
    public static final String ALNUM = ALPHA + "0123456789";

    /**
     * The index of one of {@code weights.length} choices, each as likely as its weight, to switch on: {@code switch
     * (pick(r, 3, 1)) { case 0 -> three times in four; default -> once in four }}.
     */
    public static int pick(RandomGenerator r, int... weights) {
        int k = r.nextInt(IntStream.of(weights).sum());
        for (int i = 0; i < weights.length; i++) {
            k -= weights[i];
            if (k < 0) {
                return i;
            }
        }
        throw new AssertionError("unreachable");
    }

    @SafeVarargs
    public static <T> T oneOf(RandomGenerator r, T... choices) {
        return choices[r.nextInt(choices.length)];
    }

    public static <T> T oneOf(RandomGenerator r, List<T> choices) {
        return choices.get(r.nextInt(choices.size()));
    }

    /** Between {@code min} and {@code max} elements; the shortest list is as likely as all the others together. */
    public static <T> List<T> listOf(RandomGenerator r, int min, int max, Function<RandomGenerator, T> element) {
        int n = length(r, min, max);
        List<T> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(element.apply(r));
        }
        return out;
    }

    /** {@code null} (absent) with probability {@code absent}, else a generated value. */
    public static <T> @Nullable T maybe(RandomGenerator r, double absent, Function<RandomGenerator, T> value) {
        return r.nextDouble() < absent ? null : value.apply(r);
    }

    /** Some of {@code items}, at least {@code min}, in their order. */
    @SafeVarargs
    public static <T> List<T> subsetOf(RandomGenerator r, int min, T... items) {
        while (true) {
            List<T> out = new ArrayList<>();
            for (T item : items) {
                if (r.nextBoolean()) {
                    out.add(item);
                }
            }
            if (out.size() >= min) {
                return out;
            }
        }
    }

    /** Characters of {@code alphabet}. */
    public static String chars(RandomGenerator r, String alphabet, int min, int max) {
        int n = length(r, min, max);
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
        }
        return sb.toString();
    }

    /**
     * Any characters: ASCII, controls, any of the Basic Multilingual Plane, lone surrogates, pairs (emoji), and the
     * ones decoders and matchers trip on (BOM, right-to-left override, line separators, non-characters, NUL).
     */
    public static String anyString(RandomGenerator r, int min, int max) {
        int n = length(r, min, max);
        StringBuilder sb = new StringBuilder(n + 1);
        while (sb.length() < n) {
            switch (pick(r, 4, 1, 2, 1, 1, 1)) {
                case 0 -> sb.append((char) r.nextInt(0x20, 0x7F));
                case 1 -> sb.append((char) (r.nextBoolean() ? r.nextInt(0x20) : r.nextInt(0x7F, 0xA0)));
                case 2 -> sb.append((char) r.nextInt(0x10000));
                case 3 -> sb.append((char) r.nextInt(0xD800, 0xE000));
                case 4 -> sb.appendCodePoint(r.nextInt(0x10000, 0x110000));
                default -> sb.append(oneOf(r, SPECIAL_CHARS));
            }
        }
        return sb.toString();
    }

    private static final Character[] SPECIAL_CHARS = {
        '\u0000', '\uFEFF', '\u202E', '\u2028', '\u2029', '\u0085', '\uFFFE', '\uFFFF', '\uFFFD', '\u0301', '\u00A0',
        '\u200B'
    };

    /** A length from {@code min} to {@code max}: {@code min} one time in four, the others alike. */
    private static int length(RandomGenerator r, int min, int max) {
        return r.nextInt(4) == 0 ? min : r.nextInt(min, max + 1);
    }
}
