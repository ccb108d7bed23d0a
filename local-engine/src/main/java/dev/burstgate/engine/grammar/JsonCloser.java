package dev.burstgate.engine.grammar;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Follows JSON text as it streams and, when generation is cut short, tells what to append so that the text parses:
 * the rest of an escape, string, number or literal, a {@code null} for a value still owed, and the closing brackets.
 * Assumes the text so far is a prefix of valid JSON (which constrained decoding guarantees). Not thread safe.
 *
 * <pre>{@code
 * JsonCloser c = new JsonCloser();
 * c.accept("{\"a\": [1, \"x");
 * c.closing();   // "\"]}"
 * }</pre>
 */
public final class JsonCloser {

    private enum Expect {
        VALUE,
        KEY_OR_END,
        KEY,
        COLON,
        COMMA_OR_END,
        VALUE_OR_END,
        DONE
    }

    private final Deque<Character> containers = new ArrayDeque<>();
    private Expect expect = Expect.VALUE;
    private boolean started;
    private boolean inString;
    private boolean stringIsKey;
    private boolean escape;
    private int unicodeDigits = -1;
    private final StringBuilder token = new StringBuilder();

    /** Feeds the next piece of text. */
    public void accept(CharSequence text) {
        for (int i = 0; i < text.length(); i++) {
            step(text.charAt(i));
        }
    }

    /** Whether a JSON document has started (a non-blank character was seen). */
    public boolean started() {
        return started;
    }

    /** Whether the document is complete. */
    public boolean complete() {
        return expect == Expect.DONE && !inString && token.isEmpty();
    }

    /** What to append so that the text so far becomes valid JSON ({@code ""} when it already is or never started). */
    public String closing() {
        StringBuilder out = new StringBuilder();
        boolean valueDone = false;
        if (inString) {
            if (escape) {
                out.append('\\');
            } else if (unicodeDigits >= 0) {
                out.append("0".repeat(4 - unicodeDigits));
            }
            out.append('"');
            if (stringIsKey) {
                out.append(":null");
            }
            valueDone = true;
        } else if (!token.isEmpty()) {
            out.append(completeToken(token.toString()));
            valueDone = true;
        }
        if (!valueDone) {
            switch (expect) {
                case VALUE -> {
                    if (started) {
                        out.append("null");
                    }
                }
                case KEY -> out.append("\"\":null");
                case COLON -> out.append(":null");
                default -> {}
            }
        }
        for (char c : containers) {
            out.append(c == '{' ? '}' : ']');
        }
        return out.toString();
    }

    private static String completeToken(String t) {
        char c = t.charAt(0);
        if (c == 't') {
            return "true".substring(Math.min(4, t.length()));
        }
        if (c == 'f') {
            return "false".substring(Math.min(5, t.length()));
        }
        if (c == 'n') {
            return "null".substring(Math.min(4, t.length()));
        }
        char last = t.charAt(t.length() - 1);
        return last == '-' || last == '+' || last == '.' || last == 'e' || last == 'E' ? "0" : "";
    }

    private void step(char c) {
        if (inString) {
            if (escape) {
                escape = false;
                if (c == 'u') {
                    unicodeDigits = 0;
                }
            } else if (unicodeDigits >= 0) {
                if (++unicodeDigits == 4) {
                    unicodeDigits = -1;
                }
            } else if (c == '\\') {
                escape = true;
            } else if (c == '"') {
                inString = false;
                if (stringIsKey) {
                    expect = Expect.COLON;
                } else {
                    valueEnded();
                }
            }
            return;
        }
        if (!token.isEmpty()) {
            if (Character.isLetterOrDigit(c) || c == '.' || c == '-' || c == '+') {
                token.append(c);
                return;
            }
            token.setLength(0);
            valueEnded();
        }
        if (Character.isWhitespace(c)) {
            return;
        }
        started = true;
        switch (c) {
            case '{' -> {
                containers.push('{');
                expect = Expect.KEY_OR_END;
            }
            case '[' -> {
                containers.push('[');
                expect = Expect.VALUE_OR_END;
            }
            case '}', ']' -> {
                if (!containers.isEmpty()) {
                    containers.pop();
                }
                valueEnded();
            }
            case ',' -> expect = !containers.isEmpty() && containers.peek() == '{' ? Expect.KEY : Expect.VALUE;
            case ':' -> expect = Expect.VALUE;
            case '"' -> {
                inString = true;
                stringIsKey = expect == Expect.KEY || expect == Expect.KEY_OR_END;
            }
            default -> token.append(c);
        }
    }

    private void valueEnded() {
        expect = containers.isEmpty() ? Expect.DONE : Expect.COMMA_OR_END;
    }
}
