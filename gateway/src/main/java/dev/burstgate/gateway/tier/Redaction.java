package dev.burstgate.gateway.tier;

import java.util.Collection;
import java.util.regex.Pattern;

/**
 * Removes credentials from upstream text before it is logged or kept in the ledger: the configured keys themselves,
 * {@code Authorization}-style headers, bearer and basic credentials, {@code sk-}-shaped API keys, user information in
 * URLs and secret-looking query parameters. Upstream error pages often echo the request they received, the gateway's
 * own key included.
 */
public final class Redaction {

    /** What a removed secret is replaced by. */
    public static final String REDACTED = "[redacted]";

    private static final Pattern HEADER =
            Pattern.compile("(?i)(\"?(?:proxy-)?authorization\"?\\s*[:=]\\s*\"?|\"?(?:x-)?api[-_]?key\"?\\s*[:=]\\s*\"?"
                    + "|\"?x-goog-api-key\"?\\s*[:=]\\s*\"?)(?:(?:bearer|basic|token)\\s+)?[^\\s\",;}&]+");
    private static final Pattern SCHEME = Pattern.compile("(?i)\\b(bearer|basic)\\s+[A-Za-z0-9._~+/=-]{4,}");
    private static final Pattern KEY_SHAPED = Pattern.compile("\\b(?:sk|pk|rk)-[A-Za-z0-9_-]{6,}");
    private static final Pattern USERINFO = Pattern.compile("(?i)\\b([a-z][a-z0-9+.-]*://)[^/@\\s\"]+@");
    private static final Pattern QUERY =
            Pattern.compile("(?i)([?&](?:key|api_key|apikey|token|access_token|auth|sig|signature)=)[^&\\s\"]+");

    private Redaction() {}

    /** {@code text} without {@code secrets} (each at least 4 characters long) and without credential-shaped parts. */
    public static String redact(String text, Collection<String> secrets) {
        String s = text;
        for (String secret : secrets) {
            if (secret != null && secret.length() >= 4) {
                s = s.replace(secret, REDACTED);
            }
        }
        s = HEADER.matcher(s).replaceAll("$1" + REDACTED);
        s = SCHEME.matcher(s).replaceAll("$1 " + REDACTED);
        s = KEY_SHAPED.matcher(s).replaceAll(REDACTED);
        s = USERINFO.matcher(s).replaceAll("$1" + REDACTED + "@");
        s = QUERY.matcher(s).replaceAll("$1" + REDACTED);
        return s;
    }
}
