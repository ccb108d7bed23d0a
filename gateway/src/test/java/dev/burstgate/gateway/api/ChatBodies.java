package dev.burstgate.gateway.api;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.random.RandomGenerator;
import java.util.stream.IntStream;
import org.jspecify.annotations.Nullable;

/**
 * Chat completion bodies for {@link ChatRequestParserPropertiesTest}, each a plain function of a {@link
 * RandomGenerator}: valid requests; the same with values replaced, dropped, repeated (a duplicate key) or added
 * anywhere in the tree by hostile ones (every JSON type, integers past 32 and 64 bits and past a double's range, floats
 * that round to infinity, number-like strings, lone surrogates, NUL, right-to-left marks, long strings, deep nesting);
 * and those bodies cut short, with characters or bytes that are not UTF-8 spliced in, or replaced by random bytes.
 */
final class ChatBodies {

    private static final String HEX = "0123456789abcdef";

    private ChatBodies() {}

    /** A JSON value; objects may repeat keys, strings may hold lone surrogates. */
    sealed interface Json permits Raw, Arr, Obj {
        String text();

        int size();
    }

    /** A scalar (or any text) written as given. */
    record Raw(String text) implements Json {
        @Override
        public int size() {
            return 1;
        }
    }

    record Arr(List<Json> items) implements Json {
        Arr {
            items = List.copyOf(items);
        }

        @Override
        public String text() {
            return "[" + String.join(",", items.stream().map(Json::text).toList()) + "]";
        }

        @Override
        public int size() {
            return 1 + items.stream().mapToInt(Json::size).sum();
        }
    }

    record Obj(List<Field> fields) implements Json {
        Obj {
            fields = List.copyOf(fields);
        }

        @Override
        public String text() {
            return "{"
                    + String.join(
                            ",",
                            fields.stream()
                                    .map(f -> quote(f.name()) + ":" + f.value().text())
                                    .toList()) + "}";
        }

        @Override
        public int size() {
            return 1 + fields.stream().mapToInt(f -> f.value().size()).sum();
        }
    }

    record Field(String name, Json value) {}

    static Json str(String s) {
        return new Raw(quote(s));
    }

    static Json num(Object n) {
        return new Raw(String.valueOf(n));
    }

    /** Fields in order, skipping absent (null) values. */
    static Obj obj(@Nullable Object... nameValuePairs) {
        List<Field> fields = new ArrayList<>();
        for (int i = 0; i < nameValuePairs.length; i += 2) {
            if (nameValuePairs[i + 1] != null) {
                fields.add(new Field((String) nameValuePairs[i], (Json) nameValuePairs[i + 1]));
            }
        }
        return new Obj(fields);
    }

    /** A JSON string literal; unpaired surrogates and controls become {@code \}{@code uXXXX} escapes. */
    static String quote(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                sb.append(c).append(s.charAt(++i));
            } else if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20 || Character.isSurrogate(c)) {
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

    /** A valid request: every field the parser handles, each present or not, with values in range. */
    static Obj valid(RandomGenerator r) {
        Json model = maybe(r, 0.3, g -> str(oneOf(g, "auto", "local", "cloud", "legacy", "fast")));
        Json messages = new Arr(listOf(r, 1, 4, g -> {
            String role = oneOf(g, ROLES);
            return obj(
                    "role",
                    str(role),
                    "content",
                    content(g),
                    "tool_call_id",
                    role.equals("tool") ? str("call_" + g.nextInt(100)) : null);
        }));
        Json stream = maybe(r, 0.5, ChatBodies::bool);
        Json usage = maybe(r, 0.5, ChatBodies::bool);
        List<Field> fields = new ArrayList<>(
                obj("model", model, "messages", messages, "stream", stream).fields());
        if (stream != null && stream.text().equals("true") && usage != null) {
            fields.add(new Field("stream_options", obj("include_usage", usage)));
        }
        if (r.nextBoolean()) {
            fields.add(new Field("n", num(1)));
            fields.add(new Field("response_format", obj("type", str("text"))));
            fields.add(new Field("metadata", obj("team", str("a"))));
            fields.add(new Field("presence_penalty", num(0.5)));
        }
        fields.addAll(obj(
                        "max_tokens", maybe(r, 0.6, g -> num(g.nextInt(1, 4097))),
                        "max_completion_tokens", maybe(r, 0.6, g -> num(g.nextInt(1, 4097))),
                        "temperature", maybe(r, 0.6, g -> num(g.nextInt(201) / 100.0)),
                        "top_p", maybe(r, 0.6, g -> num(g.nextInt(101) / 100.0)),
                        "stop",
                                maybe(
                                        r,
                                        0.6,
                                        g -> g.nextBoolean()
                                                ? str(chars(g, ALPHA, 1, 8))
                                                : new Arr(listOf(g, 1, 4, h -> str(chars(h, ALPHA, 1, 8))))),
                        "seed", maybe(r, 0.6, g -> num(g.nextInt(Integer.MAX_VALUE))),
                        "user", maybe(r, 0.7, g -> str(chars(g, ALPHA, 0, 12))))
                .fields());
        return new Obj(fields);
    }

    private static final List<String> ROLES = List.of("system", "developer", "user", "assistant", "tool");

    private static Json content(RandomGenerator r) {
        return switch (pick(r, 4, 1, 1)) {
            case 0 -> str(anyString(r, 0, 30));
            case 1 -> new Arr(listOf(r, 1, 3, g -> obj("type", str("text"), "text", str(anyString(g, 0, 30)))));
            default -> new Raw("null");
        };
    }

    private static Json bool(RandomGenerator r) {
        return new Raw(String.valueOf(r.nextBoolean()));
    }

    /** The parameters the parser reads. */
    static final List<String> PARAMETERS = List.of(
            "model",
            "messages",
            "stream",
            "stream_options",
            "max_tokens",
            "max_completion_tokens",
            "temperature",
            "top_p",
            "stop",
            "seed",
            "n",
            "response_format",
            "user",
            "metadata");

    /**
     * Well-formed JSON in which anything may be wrong: a valid request with one parameter set to a hostile value (so
     * that the check of that parameter is reached, the others passing), or after one to three edits anywhere.
     */
    static Json edited(RandomGenerator r) {
        if (r.nextBoolean()) {
            String name = oneOf(r, PARAMETERS);
            List<Field> fields = new ArrayList<>(valid(r).fields().stream()
                    .filter(f -> !f.name().equals(name))
                    .toList());
            fields.add(new Field(name, value(r)));
            return new Obj(fields);
        }
        Json body = valid(r);
        for (Edit e : listOf(r, 1, 3, ChatBodies::edit)) {
            body = e.applyTo(body);
        }
        return body;
    }

    /** One {@link Edit} anywhere, with a hostile value and name. */
    static Edit edit(RandomGenerator r) {
        return new Edit(r.nextInt(10_001), oneOf(r, Op.values()), r.nextInt(51), name(r), value(r));
    }

    /** A valid request with one of its keys, at any depth, given again with any value: a duplicate key. */
    static Duplicated duplicated(RandomGenerator r) {
        Obj body = valid(r);
        List<Integer> objects = new ArrayList<>();
        objectsIn(body, new int[] {0}, objects);
        Edit again = new Edit(
                oneOf(r, objects), Op.REPEAT, r.nextInt(51), "", r.nextBoolean() ? value(r) : str(anyString(r, 0, 20)));
        Json text = again.applyTo(body);
        return new Duplicated(text, repeatedKey(text));
    }

    /** A body with a key given twice, and that key. */
    record Duplicated(Json body, String key) {
        @Override
        public String toString() {
            return body.text();
        }
    }

    /** The pre-order indexes of the objects in {@code json}, as {@link Edit#at} counts them. */
    private static void objectsIn(Json json, int[] index, List<Integer> into) {
        int at = index[0]++;
        switch (json) {
            case Raw r -> {}
            case Arr a -> a.items().forEach(item -> objectsIn(item, index, into));
            case Obj o -> {
                into.add(at);
                o.fields().forEach(f -> objectsIn(f.value(), index, into));
            }
        }
    }

    /** The first key that an object in {@code json} holds twice, in the order a reader meets them. */
    private static String repeatedKey(Json json) {
        return switch (json) {
            case Raw r -> throw new IllegalArgumentException("no key repeats in " + r.text());
            case Arr a ->
                a.items().stream()
                        .filter(ChatBodies::hasDuplicateKey)
                        .findFirst()
                        .map(ChatBodies::repeatedKey)
                        .orElseThrow(() -> new IllegalArgumentException("no key repeats"));
            case Obj o -> {
                Set<String> seen = new HashSet<>();
                for (Field f : o.fields()) {
                    if (!seen.add(f.name())) {
                        yield f.name();
                    }
                    if (hasDuplicateKey(f.value())) {
                        yield repeatedKey(f.value());
                    }
                }
                throw new IllegalArgumentException("no key repeats in " + o.text());
            }
        };
    }

    /** Whether an object anywhere in {@code json} holds a key twice. */
    static boolean hasDuplicateKey(Json json) {
        return switch (json) {
            case Raw r -> false;
            case Arr a -> a.items().stream().anyMatch(ChatBodies::hasDuplicateKey);
            case Obj o ->
                o.fields().stream().map(Field::name).distinct().count()
                                < o.fields().size()
                        || o.fields().stream().anyMatch(f -> hasDuplicateKey(f.value()));
        };
    }

    /** Any body as bytes: valid, edited, damaged, with bytes that are not UTF-8 spliced in, or random. */
    static byte[] any(RandomGenerator r) {
        return switch (pick(r, 6, 3, 1, 1)) {
            case 0 -> utf8(text(r));
            case 1 -> utf8(oneOf(r, Damage.values()).apply(text(r), r.nextInt(100_001), splice(r)));
            case 2 -> splice(utf8(text(r)), r.nextInt(100_001), oneOf(r, NOT_UTF8));
            default -> {
                byte[] bytes = new byte[r.nextInt(65)];
                r.nextBytes(bytes);
                yield bytes;
            }
        };
    }

    private static String text(RandomGenerator r) {
        return r.nextInt(5) == 0 ? valid(r).text() : edited(r).text();
    }

    /** Byte sequences UTF-8 forbids: a stray byte, a truncated sequence, a surrogate, an overlong NUL. */
    private static final List<byte[]> NOT_UTF8 = List.of(
            new byte[] {(byte) 0xFF},
            new byte[] {(byte) 0xC3},
            new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
            new byte[] {(byte) 0xC0, (byte) 0x80});

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] splice(byte[] body, int at, byte[] insert) {
        int i = Math.floorMod(at, body.length + 1);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(body, 0, i);
        out.writeBytes(insert);
        out.write(body, i, body.length - i);
        return out.toByteArray();
    }

    /** What damage splices into or writes over a body's text. */
    private static String splice(RandomGenerator r) {
        return pick(r, 3, 2) == 0
                ? anyString(r, 1, 6)
                : oneOf(
                        r, "\u0000", "\uD800", "\"", "\\", "{", "}", "[", "]", ":", ",", "NaN", "-", "/*", "//", "'",
                        "\uFEFF", "1e9999", "tru", "nul");
    }

    /** Parameter names: the handled, passed-through and unsupported ones, near misses, odd strings. */
    static String name(RandomGenerator r) {
        return pick(r, 4, 1) == 0 ? oneOf(r, NAMES) : oddString(r);
    }

    private static final List<String> NAMES = List.of(
            "model",
            "messages",
            "stream",
            "stream_options",
            "include_usage",
            "max_tokens",
            "max_completion_tokens",
            "temperature",
            "top_p",
            "stop",
            "seed",
            "n",
            "response_format",
            "type",
            "role",
            "content",
            "text",
            "user",
            "metadata",
            "store",
            "presence_penalty",
            "frequency_penalty",
            "service_tier",
            "tools",
            "logprobs",
            "functions",
            "Model",
            "max-tokens",
            "__proto__",
            "");

    private static String oddString(RandomGenerator r) {
        return switch (pick(r, 3, 3, 1)) {
            case 0 -> anyString(r, 0, 10);
            case 1 -> oneOf(r, ODD_STRINGS);
            default -> {
                String unit = anyString(r, 1, 3);
                int n = r.nextInt(150, 20_001);
                yield unit.repeat(n / unit.length() + 1).substring(0, n);
            }
        };
    }

    private static final List<String> ODD_STRINGS = List.of(
            "",
            " ",
            "NaN",
            "Infinity",
            "-1",
            "1",
            "true",
            "null",
            "auto",
            "AUTO",
            "local ",
            "\u202Elocal",
            "\uFEFFuser",
            "us\u0000er",
            "\uD800",
            "\uDFFF",
            "\u0130",
            "\uD83D\uDE42",
            "e\u0301",
            "text",
            "image_url",
            "user",
            "\\",
            "\"",
            "%s",
            "${x}",
            "a\nb");

    private static String oddNumber(RandomGenerator r) {
        return switch (pick(r, 4, 1, 1, 2)) {
            case 0 -> oneOf(r, ODD_NUMBERS);
            case 1 -> String.valueOf(r.nextLong());
            case 2 -> String.valueOf(anyDouble(r));
            default ->
                oneOf(r, "", "-") + oneOf(r, "1", "9") + oneOf(r, "0", "9").repeat(oneOf(r, BIG_DIGITS));
        };
    }

    private static final List<String> ODD_NUMBERS = List.of(
            "0",
            "-0",
            "1",
            "-1",
            "2",
            "0.5",
            "1.0",
            "1.5",
            "2.0000001",
            "-0.0",
            "1E+2",
            "2147483647",
            "2147483648",
            "-2147483648",
            "-2147483649",
            "4294967296",
            "9223372036854775807",
            "9223372036854775808",
            "-9223372036854775809",
            "18446744073709551616",
            "1e308",
            "1e309",
            "1e400",
            "-1e400",
            "1e-400",
            "4.9e-324");

    /** Digits after the first of an integer: past 64 bits, past a double's range, up to and past the length limit. */
    private static final Integer[] BIG_DIGITS = {18, 19, 20, 38, 39, 308, 309, 310, 400, 999, 1_000};

    /** Any double: its bits drawn at random half the time (so subnormal, huge and tiny ones), else a few units. */
    private static double anyDouble(RandomGenerator r) {
        double d = r.nextBoolean() ? Double.longBitsToDouble(r.nextLong()) : r.nextGaussian() * 10;
        return Double.isFinite(d) ? d : r.nextDouble();
    }

    /** A hostile value: a scalar of any type, a small container, nesting up to past the parser's depth limit. */
    static Json value(RandomGenerator r) {
        return switch (pick(r, 12, 2, 2, 1)) {
            case 0 -> scalar(r);
            case 1 -> new Arr(listOf(r, 0, 5, ChatBodies::scalar));
            case 2 -> new Obj(listOf(r, 0, 3, g -> new Field(name(g), scalar(g))));
            default -> {
                int depth = r.nextInt(2, 701);
                boolean arrays = r.nextBoolean();
                yield new Raw((arrays ? "[" : "{\"a\":").repeat(depth) + "1" + (arrays ? "]" : "}").repeat(depth));
            }
        };
    }

    private static Json scalar(RandomGenerator r) {
        return switch (pick(r, 4, 4, 1)) {
            case 0 -> str(oddString(r));
            case 1 -> new Raw(oddNumber(r));
            default -> new Raw(oneOf(r, "true", "false", "null"));
        };
    }

    /** What an {@link Edit} does at its node. */
    enum Op {
        REPLACE,
        DROP,
        REPEAT,
        ADD
    }

    /**
     * One change: at the {@code at}-th node in pre-order (modulo the size), replace it, or for an object or array drop
     * entry {@code which}, repeat one of its keys with {@code value}, or add {@code name} with {@code value}.
     */
    record Edit(int at, Op op, int which, String name, Json value) {

        Json applyTo(Json root) {
            int[] countdown = {Math.floorMod(at, root.size())};
            return walk(root, countdown);
        }

        private Json walk(Json n, int[] countdown) {
            if (countdown[0]-- == 0) {
                return change(n);
            }
            return switch (n) {
                case Raw r -> r;
                case Arr a -> {
                    List<Json> items = new ArrayList<>();
                    for (Json item : a.items()) {
                        items.add(walk(item, countdown));
                    }
                    yield new Arr(items);
                }
                case Obj o -> {
                    List<Field> fields = new ArrayList<>();
                    for (Field f : o.fields()) {
                        fields.add(new Field(f.name(), walk(f.value(), countdown)));
                    }
                    yield new Obj(fields);
                }
            };
        }

        private Json change(Json n) {
            return switch (n) {
                case Raw r -> value;
                case Arr a when op == Op.REPLACE -> value;
                case Arr a -> {
                    List<Json> items = new ArrayList<>(a.items());
                    if (op != Op.DROP) {
                        items.add(value);
                    } else if (!items.isEmpty()) {
                        items.remove(Math.floorMod(which, items.size()));
                    }
                    yield new Arr(items);
                }
                case Obj o when op == Op.REPLACE -> value;
                case Obj o -> {
                    List<Field> fields = new ArrayList<>(o.fields());
                    int i = fields.isEmpty() ? 0 : Math.floorMod(which, fields.size());
                    switch (op) {
                        case DROP -> {
                            if (!fields.isEmpty()) {
                                fields.remove(i);
                            }
                        }
                        case REPEAT ->
                            fields.add(new Field(
                                    fields.isEmpty() ? name : fields.get(i).name(), value));
                        case ADD, REPLACE -> fields.add(new Field(name, value));
                    }
                    yield new Obj(fields);
                }
            };
        }
    }

    /** How a body's text is damaged. */
    enum Damage {
        CUT,
        SPLICE,
        OVERWRITE;

        String apply(String text, int at, String insert) {
            int i = text.isEmpty() ? 0 : Math.floorMod(at, text.length());
            return switch (this) {
                case CUT -> text.substring(0, i);
                case SPLICE -> text.substring(0, i) + insert + text.substring(i);
                case OVERWRITE ->
                    text.substring(0, i) + insert + text.substring(Math.min(text.length(), i + insert.length()));
            };
        }
    }

    /** Letters, upper and lower case. */
    static final String ALPHA = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

    /**
     * The index of one of {@code weights.length} choices, each as likely as its weight, to switch on: {@code switch
     * (pick(r, 3, 1)) { case 0 -> three times in four; default -> once in four }}.
     */
    static int pick(RandomGenerator r, int... weights) {
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
    static <T> T oneOf(RandomGenerator r, T... choices) {
        return choices[r.nextInt(choices.length)];
    }

    static <T> T oneOf(RandomGenerator r, List<T> choices) {
        return choices.get(r.nextInt(choices.size()));
    }

    /** Between {@code min} and {@code max} elements; the shortest list is as likely as all the others together. */
    static <T> List<T> listOf(RandomGenerator r, int min, int max, Function<RandomGenerator, T> element) {
        int n = length(r, min, max);
        List<T> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(element.apply(r));
        }
        return out;
    }

    /** {@code null} (absent) with probability {@code absent}, else a generated value. */
    static <T> @Nullable T maybe(RandomGenerator r, double absent, Function<RandomGenerator, T> value) {
        return r.nextDouble() < absent ? null : value.apply(r);
    }

    /** Characters of {@code alphabet}. */
    static String chars(RandomGenerator r, String alphabet, int min, int max) {
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
    static String anyString(RandomGenerator r, int min, int max) {
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
