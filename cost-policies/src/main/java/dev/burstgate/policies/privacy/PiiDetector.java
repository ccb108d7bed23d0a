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
  private static final Pattern IBAN = Pattern.compile(
      "(?<![A-Za-z0-9])[A-Z]{2}\\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?(?![A-Za-z0-9])");
  private static final Pattern SSN = Pattern.compile("(?<![\\w-])(\\d{3})-(\\d{2})-(\\d{4})(?![\\w-])");
  private static final Pattern NINO = Pattern.compile(
      "(?<![A-Za-z0-9])(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\\d{2} ?\\d{2} ?\\d{2} ?[A-D]"
          + "(?![A-Za-z0-9])");
  /**
   * International numbers (+ country code) or North-American style (xxx) xxx-xxxx / xxx-xxx-xxxx / xxx.xxx.xxxx.
   */
  private static final Pattern PHONE = Pattern.compile(
      "(?<![\\w+])(?:\\+\\d{1,3}[ .-]?(?:\\(\\d{1,4}\\)[ .-]?)?\\d{1,4}(?:[ .-]?\\d{2,4}){2,4}"
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

  private PrivacySignal scanText(CharSequence text, boolean truncated) {
    Map<PiiKind, Integer> counts = new EnumMap<>(PiiKind.class);
    if (text.isEmpty()) {
      return new PrivacySignal(counts, truncated);
    }
    if (indexOf(text, '@') >= 0) {
      count(counts, PiiKind.EMAIL, EMAIL.matcher(text), m -> true);
    }
    // Card numbers first; their spans are not phone numbers.
    int cards = 0;
    Matcher card = CARD.matcher(text);
    StringBuilder blanked = null;
    while (card.find()) {
      String digits = card.group().replaceAll("[ -]", "");
      if (luhn(digits) && !allSame(digits)) {
        cards++;
        if (blanked == null) {
          blanked = new StringBuilder(text);
        }
        for (int i = card.start(); i < card.end(); i++) {
          blanked.setCharAt(i, 'x');
        }
      }
    }
    if (cards > 0) {
      counts.put(PiiKind.CARD, cards);
    }
    CharSequence rest = blanked == null ? text : blanked;
    count(counts, PiiKind.IBAN, IBAN.matcher(rest), m -> ibanValid(m.group()));
    int ids = 0;
    Matcher ssn = SSN.matcher(rest);
    while (ssn.find()) {
      if (ssnValid(ssn.group(1), ssn.group(2), ssn.group(3))) {
        ids++;
      }
    }
    Matcher nino = NINO.matcher(rest);
    while (nino.find()) {
      ids++;
    }
    if (ids > 0) {
      counts.put(PiiKind.NATIONAL_ID, ids);
    }
    count(counts, PiiKind.PHONE, PHONE.matcher(rest), m -> phonePlausible(m.group()));
    return new PrivacySignal(counts, truncated);
  }

  private static int indexOf(CharSequence s, char c) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) == c) {
        return i;
      }
    }
    return -1;
  }

  private static void count(Map<PiiKind, Integer> counts, PiiKind kind, Matcher m,
      java.util.function.Predicate<Matcher> valid) {
    int n = 0;
    while (m.find()) {
      if (valid.test(m)) {
        n++;
      }
    }
    if (n > 0) {
      counts.put(kind, n);
    }
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
    if (!candidate.startsWith("+") && !candidate.startsWith("(") && candidate.indexOf('.') >= 0
        && candidate.chars().filter(ch -> ch == '.').count() != 2) {
      return false;
    }
    return true;
  }
}
