package dev.burstgate.gateway.api;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.core.exc.StreamConstraintsException;
import tools.jackson.core.exc.UnexpectedEndOfInputException;

/**
 * Client-facing words for a body that is not acceptable JSON, and for values echoed back in messages. The parser's
 * own messages name its classes and settings, so they go to nobody: a client learns what is wrong and where.
 */
public final class JsonErrors {

    /** The longest part of a client's value that a message echoes. */
    public static final int ECHO_LIMIT = 40;

    private static final Pattern DUPLICATE = Pattern.compile("Duplicate Object property \\\"([^\\\"]{0,200})\\\"");

    private JsonErrors() {}

    /** Why {@code e}'s input is refused, and where, without the parser's internals. */
    public static String describe(JacksonException e) {
        String where = where(e.getLocation());
        String message = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
        if (e instanceof StreamConstraintsException) {
            return "Request body exceeds a JSON limit (nesting depth, number length, string length or document size)"
                    + where + ".";
        }
        Matcher duplicate = DUPLICATE.matcher(message);
        if (duplicate.find()) {
            return "Request body has the key " + quote(duplicate.group(1)) + " more than once" + where + ".";
        }
        if (e instanceof UnexpectedEndOfInputException) {
            return "Request body is not valid JSON: it ends too early" + where + ".";
        }
        return "Request body is not valid JSON" + where + ".";
    }

    private static String where(TokenStreamLocation at) {
        if (at == null || at.getLineNr() < 1) {
            return "";
        }
        return " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
    }

    /** {@code value} in single quotes, cut to {@value #ECHO_LIMIT} characters, with anything unprintable as '?'. */
    public static String quote(String value) {
        StringBuilder b = new StringBuilder("'");
        int n = Math.min(value.length(), ECHO_LIMIT);
        for (int i = 0; i < n; i++) {
            char c = value.charAt(i);
            b.append(c < 0x20 || c == 0x7f || Character.isSurrogate(c) ? '?' : c);
        }
        if (value.length() > ECHO_LIMIT) {
            b.append('\u2026');
        }
        return b.append('\'').toString();
    }
}
