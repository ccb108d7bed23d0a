package dev.burstgate.policies.shadow;

import java.util.Locale;

/** A judge's verdict on the cheaper answer. */
public enum Verdict {
    /** As good as the stronger tier's answer. */
    ACCEPTABLE,
    /** Worse than the stronger tier's answer. */
    NOT_ACCEPTABLE,
    /** No verdict: a call failed or the judge's answer could not be read. */
    ERROR;

    private final String label = name().toLowerCase(Locale.ROOT);

    /** As the ledger, the meters and the admin API spell it: {@code acceptable}, {@code not_acceptable}, {@code error}. */
    public String label() {
        return label;
    }

    public static Verdict of(boolean acceptable) {
        return acceptable ? ACCEPTABLE : NOT_ACCEPTABLE;
    }
}
