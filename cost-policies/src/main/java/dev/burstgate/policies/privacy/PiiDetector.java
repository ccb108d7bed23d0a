package dev.burstgate.policies.privacy;

import dev.burstgate.policies.classifier.ChatMessage;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds e-mail addresses, phone numbers, payment card numbers (Luhn), IBANs (mod 97) and national-ID-like numbers
 * (US SSN, UK NINO). Checksums and context rules keep false positives down: Luhn-invalid digit runs, version strings
 * ({@code 1.2.3}), dates ({@code 2024-01-15}), IP addresses and plain long numbers are not reported.
 *
 * <p>Thread-safe; searches at most {@link #MAX_ANALYSED_CHARS} characters per conversation.
 */
public final class PiiDetector {

    /** Characters searched per conversation (64 KB). */
    public static final int MAX_ANALYSED_CHARS = 64 * 1024;

    private static final Pattern EMAIL = Pattern.compile(
            "(?<![\\w.+-])[A-Za-z0-9](?:[A-Za-z0-9._%+-]{0,63})@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?\\.)+"
                    + "[A-Za-z]{2,24}(?![\\w-])");
    /** Digit groups separated by single spaces or dashes: card candidates. */
    private static final Pattern CARD = Pattern.compile("(?<![\\w.-])\\d(?:[ -]?\\d){12,18}(?![\\w-]|\\.\\d)");

    private static final Pattern IBAN =
            Pattern.compile("(?<![A-Za-z0-9])[A-Z]{2}\\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?(?![A-Za-z0-9])");
    private static final Pattern SSN = Pattern.compile("(?<![\\w-])(\\d{3})-(\\d{2})-(\\d{4})(?![\\w-])");
    private static final Pattern NINO = Pattern.compile(
            "(?<![A-Za-z0-9])(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\\d{2} ?\\d{2} ?\\d{2} ?[A-D]"
                    + "(?![A-Za-z0-9])");
    /**
     * International numbers (+ country code) or North-American style (xxx) xxx-xxxx / xxx-xxx-xxxx / xxx.xxx.xxxx.
     */
    private static final Pattern PHONE =
            Pattern.compile("(?<![\\w+])(?:\\+\\d{1,3}[ .-]?(?:\\(\\d{1,4}\\)[ .-]?)?\\d{1,4}(?:[ .-]?\\d{2,4}){2,4}"
                    + "|\\(\\d{3}\\) ?\\d{3}[ .-]\\d{4}"
                    + "|\\d{3}([.-])\\d{3}\\1\\d{4})(?![\\w-]|\\.\\d)");

    /** Searches a conversation. */
    public PrivacySignal scan(List<ChatMessage> messages) {
        StringBuilder sb = new StringBuilder();
        boolean truncated = false;
        for (ChatMessage m : messages) {
            int room = MAX_ANALYSED_CHARS - sb.length();
            if (room <= 0) {
                truncated |= !m.content().isEmpty();
                continue;
            }
            String c = m.content();
            if (c.length() > room) {
                sb.append(c, 0, room);
                truncated = true;
            } else {
                sb.append(c);
            }
            sb.append('\n');
        }
        return scanText(sb, truncated);
    }

    /** Searches one text. */
    public PrivacySignal scan(String text) {
        boolean truncated = text.length() > MAX_ANALYSED_CHARS;
        return scanText(truncated ? text.substring(0, MAX_ANALYSED_CHARS) : text, truncated);
    }

    /**
     * Cheap character scans find candidate spots (an {@code @}, a cluster of digits and separators, two capitals
     * followed by digits); the patterns and checksums run only there, with transparent bounds so look-behinds still
     * see the surrounding text.
     */
    private PrivacySignal scanText(CharSequence text, boolean truncated) {
        Map<PiiKind, Integer> counts = new EnumMap<>(PiiKind.class);
        int n = text.length();
        Matcher email = null;
        Matcher card = null;
        Matcher ssn = null;
        Matcher phone = null;
        Matcher iban = null;
        Matcher nino = null;
        int lastEmailEnd = -1;
        int i = 0;
        while (i < n) {
            char c = text.charAt(i);
            if (c == '@') {
                int l = i;
                while (l > 0 && l > i - 64 && isLocalPart(text.charAt(l - 1))) {
                    l--;
                }
                int r = i + 1;
                while (r < n && r < i + 256 && isDomainPart(text.charAt(r))) {
                    r++;
                }
                if (email == null) {
                    email = EMAIL.matcher(text).useTransparentBounds(true).useAnchoringBounds(false);
                }
                email.region(l, r);
                if (l >= lastEmailEnd && email.find()) {
                    add(counts, PiiKind.EMAIL);
                    lastEmailEnd = email.end();
                }
                i++;
            } else if (isDigit(c) || ((c == '+' || c == '(') && i + 1 < n && isDigit(text.charAt(i + 1)))) {
                int start = i;
                int digits = 0;
                int end = i;
                while (end < n && isClusterChar(text.charAt(end))) {
                    if (isDigit(text.charAt(end))) {
                        digits++;
                    }
                    end++;
                }
                if (digits >= 9) {
                    if (card == null) {
                        card = CARD.matcher(text).useTransparentBounds(true).useAnchoringBounds(false);
                    }
                    if (ssn == null) {
                        ssn = SSN.matcher(text).useTransparentBounds(true).useAnchoringBounds(false);
                    }
                    if (phone == null) {
                        phone = PHONE.matcher(text).useTransparentBounds(true).useAnchoringBounds(false);
                    }
                    int cardFrom = -1;
                    int cardTo = -1;
                    card.region(start, end);
                    while (card.find()) {
                        String d = digitsOf(card.group());
                        if (luhn(d) && !allSame(d)) {
                            add(counts, PiiKind.CARD);
                            cardFrom = cardFrom < 0 ? card.start() : cardFrom;
                            cardTo = card.end();
                        }
                    }
                    ssn.region(start, end);
                    while (ssn.find()) {
                        if (!overlaps(ssn.start(), ssn.end(), cardFrom, cardTo)
                                && ssnValid(ssn.group(1), ssn.group(2), ssn.group(3))) {
                            add(counts, PiiKind.NATIONAL_ID);
                        }
                    }
                    phone.region(start, end);
                    while (phone.find()) {
                        if (!overlaps(phone.start(), phone.end(), cardFrom, cardTo)
                                && phonePlausible(phone.group())
                                && !SSN.matcher(phone.group()).matches()) {
                            add(counts, PiiKind.PHONE);
                        }
                    }
                }
                i = Math.max(end, i + 1);
            } else if (c >= 'A'
                    && c <= 'Z'
                    && i + 3 < n
                    && isUpper(text.charAt(i + 1))
                    && (i == 0 || !Character.isLetterOrDigit(text.charAt(i - 1)))) {
                char c2 = text.charAt(i + 2);
                if (isDigit(c2) && isDigit(text.charAt(i + 3))) {
                    if (iban == null) {
                        iban = IBAN.matcher(text).useTransparentBounds(true).useAnchoringBounds(false);
                    }
                    iban.region(i, Math.min(n, i + 48));
                    if (iban.lookingAt() && ibanValid(iban.group())) {
                        add(counts, PiiKind.IBAN);
                        i = iban.end();
                        continue;
                    }
                }
                if (isDigit(c2) || (c2 == ' ' && isDigit(text.charAt(i + 3)))) {
                    if (nino == null) {
                        nino = NINO.matcher(text).useTransparentBounds(true).useAnchoringBounds(false);
                    }
                    nino.region(i, Math.min(n, i + 16));
                    if (nino.lookingAt()) {
                        add(counts, PiiKind.NATIONAL_ID);
                        i = nino.end();
                        continue;
                    }
                }
                i++;
            } else {
                i++;
            }
        }
        return new PrivacySignal(counts, truncated);
    }

    private static void add(Map<PiiKind, Integer> counts, PiiKind kind) {
        counts.merge(kind, 1, Integer::sum);
    }

    private static boolean overlaps(int from, int to, int otherFrom, int otherTo) {
        return otherFrom >= 0 && from < otherTo && otherFrom < to;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isUpper(char c) {
        return c >= 'A' && c <= 'Z';
    }

    private static boolean isClusterChar(char c) {
        return isDigit(c) || c == ' ' || c == '-' || c == '.' || c == '(' || c == ')' || c == '+';
    }

    private static boolean isLocalPart(char c) {
        return (c >= 'a' && c <= 'z')
                || (c >= 'A' && c <= 'Z')
                || isDigit(c)
                || c == '.'
                || c == '_'
                || c == '%'
                || c == '+'
                || c == '-';
    }

    private static boolean isDomainPart(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || isDigit(c) || c == '.' || c == '-';
    }

    private static String digitsOf(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int k = 0; k < s.length(); k++) {
            if (isDigit(s.charAt(k))) {
                sb.append(s.charAt(k));
            }
        }
        return sb.toString();
    }

    static boolean luhn(String digits) {
        int sum = 0;
        boolean dbl = false;
        for (int i = digits.length() - 1; i >= 0; i--) {
            int d = digits.charAt(i) - '0';
            if (dbl) {
                d *= 2;
                if (d > 9) {
                    d -= 9;
                }
            }
            sum += d;
            dbl = !dbl;
        }
        return sum % 10 == 0;
    }

    private static boolean allSame(String digits) {
        for (int i = 1; i < digits.length(); i++) {
            if (digits.charAt(i) != digits.charAt(0)) {
                return false;
            }
        }
        return true;
    }

    static boolean ibanValid(String candidate) {
        String iban = candidate.replace(" ", "");
        if (iban.length() < 15 || iban.length() > 34) {
            return false;
        }
        String rearranged = iban.substring(4) + iban.substring(0, 4);
        int mod = 0;
        for (int i = 0; i < rearranged.length(); i++) {
            char c = rearranged.charAt(i);
            int v = Character.isDigit(c) ? c - '0' : c - 'A' + 10;
            mod = v >= 10 ? (mod * 100 + v) % 97 : (mod * 10 + v) % 97;
        }
        return mod == 1;
    }

    private static boolean ssnValid(String area, String group, String serial) {
        int a = Integer.parseInt(area);
        return a != 0 && a != 666 && a < 900 && !group.equals("00") && !serial.equals("0000");
    }

    private static boolean phonePlausible(String candidate) {
        int digits = 0;
        for (int i = 0; i < candidate.length(); i++) {
            if (Character.isDigit(candidate.charAt(i))) {
                digits++;
            }
        }
        if (digits < 10 || digits > 15) {
            return false;
        }
        // a dotted run like 192.168.100.200 or a version string is not a phone number
        if (!candidate.startsWith("+")
                && !candidate.startsWith("(")
                && candidate.indexOf('.') >= 0
                && candidate.chars().filter(ch -> ch == '.').count() != 2) {
            return false;
        }
        return true;
    }
}
