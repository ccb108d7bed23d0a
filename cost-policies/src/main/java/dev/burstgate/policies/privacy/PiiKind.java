package dev.burstgate.policies.privacy;

import java.util.Locale;

/** The kinds of personal data the detector looks for. */
public enum PiiKind {
    /** An e-mail address. */
    EMAIL,
    /** A phone number in international ({@code +44 20 7946 0958}) or common national formats. */
    PHONE,
    /** A payment card number: 13-19 digits passing the Luhn check. */
    CARD,
    /** An IBAN passing the ISO 13616 mod-97 check. */
    IBAN,
    /** A national-ID-like number: US SSN ({@code 123-45-6789} with valid ranges) or UK NINO ({@code AB123456C}). */
    NATIONAL_ID;

    /** The YAML spelling: {@code email}, {@code phone}, {@code card}, {@code iban}, {@code national-id}. */
    public String key() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Parses the YAML spelling. */
    public static PiiKind fromKey(String key) {
        for (PiiKind k : values()) {
            if (k.key().equals(key)) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown PII kind '" + key + "'");
    }
}
