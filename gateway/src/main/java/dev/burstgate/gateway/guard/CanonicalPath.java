package dev.burstgate.gateway.guard;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;
import org.springframework.web.util.UriUtils;

/**
 * The one spelling of a request path that routes and access rules both see. Percent-encoded characters that need no
 * encoding are decoded ({@code /%61dmin} is {@code /admin}) and the rest are encoded one way; spellings that could
 * mean a different resource to another component are refused: path parameters ({@code ;}), empty segments
 * ({@code //}), dot segments ({@code .}, {@code ..}, also encoded), encoded slashes and backslashes, control
 * characters and malformed percent-encoding. A single trailing slash is kept (it names another path). Letter case
 * is kept: paths are case-sensitive, so {@code /ADMIN} matches no route.
 */
final class CanonicalPath {

    /** The result of {@link #of}. */
    sealed interface Result {}

    /** The canonical raw (encoded) path. */
    record Canonical(String path) implements Result {}

    /** The path is refused; {@code reason} is safe to show the client. */
    record Invalid(String reason) implements Result {}

    private CanonicalPath() {}

    static Result of(String rawPath) {
        if (rawPath.isEmpty() || rawPath.charAt(0) != '/') {
            return new Invalid("the path must start with '/'");
        }
        for (int i = 0; i < rawPath.length(); i++) {
            if (rawPath.charAt(i) >= 0x80) {
                return new Invalid("characters outside ASCII must be percent-encoded in the path");
            }
        }
        if (rawPath.length() == 1) {
            return new Canonical(rawPath);
        }
        String[] segments = rawPath.substring(1).split("/", -1);
        StringBuilder out = new StringBuilder(rawPath.length());
        for (int i = 0; i < segments.length; i++) {
            String raw = segments[i];
            if (raw.isEmpty()) {
                if (i == segments.length - 1) {
                    out.append('/');
                    continue;
                }
                return new Invalid("empty path segments ('//') are not accepted");
            }
            String decoded = decode(raw);
            if (decoded == null) {
                return new Invalid("the path has malformed percent-encoding");
            }
            String problem = problem(decoded);
            if (problem != null) {
                return new Invalid(problem);
            }
            out.append('/').append(UriUtils.encodePathSegment(decoded, StandardCharsets.UTF_8));
        }
        return new Canonical(out.toString());
    }

    private static @Nullable String problem(String segment) {
        if (segment.equals(".") || segment.equals("..")) {
            return "dot segments ('.', '..') are not accepted in the path";
        }
        for (int i = 0; i < segment.length(); i++) {
            char c = segment.charAt(i);
            if (c == ';') {
                return "path parameters (';') are not accepted";
            }
            if (c == '/' || c == '\\') {
                return "encoded slashes are not accepted in the path";
            }
            if (c < 0x20 || c == 0x7f) {
                return "control characters are not accepted in the path";
            }
        }
        return null;
    }

    /** Strict UTF-8 percent-decoding of an ASCII segment; null when malformed. */
    private static @Nullable String decode(String segment) {
        if (segment.indexOf('%') < 0) {
            return segment;
        }
        byte[] bytes = new byte[segment.length()];
        int n = 0;
        for (int i = 0; i < segment.length(); i++) {
            char c = segment.charAt(i);
            if (c == '%') {
                if (i + 2 >= segment.length()) {
                    return null;
                }
                int hi = Character.digit(segment.charAt(i + 1), 16);
                int lo = Character.digit(segment.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    return null;
                }
                bytes[n++] = (byte) (hi * 16 + lo);
                i += 2;
            } else {
                bytes[n++] = (byte) c;
            }
        }
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, 0, n))
                    .toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
