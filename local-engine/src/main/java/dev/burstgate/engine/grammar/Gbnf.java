package dev.burstgate.engine.grammar;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A GBNF grammar under construction: named rules, each a GBNF expression. Rule names are generated here, so client
 * text only ever enters a grammar through {@link #literal(String)}.
 *
 * <pre>{@code
 * Gbnf g = new Gbnf();
 * String name = g.rule("greeting", Gbnf.literal("hi") + " | " + Gbnf.literal("hello"));
 * String text = g.build(name);   // root ::= greeting ...
 * }</pre>
 */
public final class Gbnf {

    /** Most rules one grammar may hold; a schema needing more is refused. */
    public static final int MAX_RULES = 10_000;

    /**
     * A character of a JSON string, unescaped or escaped. Unescaped ones are Unicode scalar values (no surrogates,
     * nothing above U+10FFFF): llama.cpp decodes a random byte sequence into such code points, which would reach the
     * client as replacement characters.
     */
    public static final String JSON_CHAR =
            "[ !#-\\x5B\\x5D-~\\u0080-\\uD7FF\\uE000-\\U0010FFFF] | \"\\\\\" ([\"\\\\/bfnrt] | \"u\" [0-9a-fA-F]{4})";

    /** Optional whitespace between JSON tokens, bounded so that a grammar cannot be satisfied by endless blanks. */
    public static final String JSON_SPACE = "( \" \" | \"\\n\" [ \\t]{0,20} )?";

    private final Map<String, String> rules = new LinkedHashMap<>();

    /**
     * Adds a rule; the name is made unique (a suffix is added when taken).
     *
     * @return the rule's name, to reference it from other rules
     */
    public String rule(String nameHint, String expression) {
        String name = reserve(nameHint);
        define(name, expression);
        return name;
    }

    /** Reserves a unique rule name to {@link #define} later (for recursive rules). */
    public String reserve(String nameHint) {
        String base = sanitize(nameHint);
        String name = base;
        for (int i = 2; rules.containsKey(name) || name.equals("root"); i++) {
            name = base + "-" + i;
        }
        if (rules.size() >= MAX_RULES) {
            throw new InvalidSchemaException("", "needs more than " + MAX_RULES + " grammar rules");
        }
        rules.put(name, "");
        return name;
    }

    /** Sets the expression of a reserved rule. */
    public void define(String name, String expression) {
        if (!rules.containsKey(name)) {
            throw new IllegalArgumentException("rule " + name + " was not reserved");
        }
        rules.put(name, Objects.requireNonNull(expression, "expression"));
    }

    /** A shared rule, defined once per grammar under its fixed name. */
    public String shared(String name, String expression) {
        if (!rules.containsKey(name)) {
            rules.put(name, expression);
        }
        return name;
    }

    /** The JSON string character rule. */
    public String jsonChar() {
        return shared("json-char", JSON_CHAR);
    }

    /** The optional-whitespace rule. */
    public String space() {
        return shared("ws", JSON_SPACE);
    }

    /** Any JSON string. */
    public String jsonString() {
        return shared("json-string", "\"\\\"\" " + jsonChar() + "* \"\\\"\"");
    }

    /** Any JSON number, with bounded digits. */
    public String jsonNumber() {
        return shared(
                "json-number", "\"-\"? (\"0\" | [1-9] [0-9]{0,15}) (\".\" [0-9]{1,16})? ([eE] [-+]? [0-9]{1,3})?");
    }

    /** Any JSON integer, with bounded digits. */
    public String jsonInteger() {
        return shared("json-integer", "\"-\"? (\"0\" | [1-9] [0-9]{0,15})");
    }

    /** Any JSON value. */
    public String jsonValue() {
        if (rules.containsKey("json-value")) {
            return "json-value";
        }
        rules.put("json-value", "");
        String ws = space();
        String object = shared(
                "json-object",
                "\"{\" " + ws + " ( " + jsonString() + " " + ws + " \":\" " + ws + " json-value " + ws + " ( \",\" "
                        + ws + " " + jsonString() + " " + ws + " \":\" " + ws + " json-value " + ws + " )* )? \"}\"");
        String array = shared(
                "json-array",
                "\"[\" " + ws + " ( json-value " + ws + " ( \",\" " + ws + " json-value " + ws + " )* )? \"]\"");
        rules.put(
                "json-value",
                object + " | " + array + " | " + jsonString() + " | " + jsonNumber()
                        + " | \"true\" | \"false\" | \"null\"");
        return "json-value";
    }

    /** Any JSON object. */
    public String jsonObject() {
        jsonValue();
        return "json-object";
    }

    /**
     * A rule matching any text that does not contain {@code marker} (the empty text included): a matcher of the
     * marker's prefixes (Knuth–Morris–Pratt) where reaching the whole marker is the one missing transition.
     *
     * @param then an expression that may follow the text (use {@code ""} for none); it is allowed after any state,
     *             so the text may end in a partial marker before it
     */
    public String notContaining(String nameHint, String marker, String then) {
        if (marker.isEmpty()) {
            throw new IllegalArgumentException("marker must not be empty");
        }
        int[] cps = marker.codePoints().toArray();
        int m = cps.length;
        int[] failure = new int[m];
        for (int i = 1, k = 0; i < m; i++) {
            while (k > 0 && cps[i] != cps[k]) {
                k = failure[k - 1];
            }
            if (cps[i] == cps[k]) {
                k++;
            }
            failure[i] = k;
        }
        List<String> names = new ArrayList<>(m);
        for (int s = 0; s < m; s++) {
            names.add(reserve(nameHint + "-" + s));
        }
        String end = then.isBlank() ? "" : " | " + then;
        for (int s = 0; s < m; s++) {
            // transitions from state s: for each distinct marker code point, the next state; all else goes to 0
            Map<Integer, Integer> next = new LinkedHashMap<>();
            for (int c : cps) {
                if (next.containsKey(c)) {
                    continue;
                }
                int k = s;
                while (k > 0 && cps[k] != c) {
                    k = failure[k - 1];
                }
                if (cps[k] == c) {
                    k++;
                }
                next.put(c, k);
            }
            StringBuilder expr = new StringBuilder();
            StringBuilder others = new StringBuilder("[^");
            for (Map.Entry<Integer, Integer> e : next.entrySet()) {
                others.append(classChar(e.getKey()));
                if (e.getValue() == m) {
                    continue; // the forbidden transition
                }
                expr.append(literal(new String(Character.toChars(e.getKey()))))
                        .append(' ')
                        .append(names.get(e.getValue()))
                        .append(" | ");
            }
            others.append(']');
            expr.append(others)
                    .append(' ')
                    .append(names.get(0))
                    .append(" | \"\"")
                    .append(end);
            define(names.get(s), expr.toString());
        }
        return names.get(0);
    }

    /** The grammar text with {@code root ::= rootExpression}. */
    public String build(String rootExpression) {
        StringBuilder sb = new StringBuilder("root ::= ").append(rootExpression).append('\n');
        rules.forEach(
                (name, expr) -> sb.append(name).append(" ::= ").append(expr).append('\n'));
        return sb.toString();
    }

    /** A GBNF string literal matching exactly {@code text}. */
    public static String literal(String text) {
        StringBuilder sb = new StringBuilder("\"");
        text.codePoints().forEach(c -> {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7F) {
                        sb.append(String.format("\\x%02X", c));
                    } else {
                        sb.appendCodePoint(c);
                    }
                }
            }
        });
        return sb.append('"').toString();
    }

    private static String classChar(int c) {
        if (c < 0x20 || c == 0x7F || c == ']' || c == '[' || c == '\\' || c == '^' || c == '-' || c == '"') {
            return String.format("\\x%02X", c);
        }
        if (c > 0xFFFF) {
            return String.format("\\U%08X", c);
        }
        return new String(Character.toChars(c));
    }

    private static String sanitize(String hint) {
        String s = hint.replaceAll("[^A-Za-z0-9-]+", "-").replaceAll("-+", "-");
        s = s.replaceAll("^-|-$", "");
        if (s.isEmpty()) {
            s = "r";
        }
        return s.length() > 40 ? s.substring(0, 40) : s;
    }
}
