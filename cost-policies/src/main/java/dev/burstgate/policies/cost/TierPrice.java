package dev.burstgate.policies.cost;

import java.util.Objects;

/**
 * What one tier charges for one attempt: a fixed price per query plus per-million-token input and output prices.
 *
 * @param perQuery charged once per billed attempt
 * @param perMillionInput charged per one million prompt tokens
 * @param perMillionOutput charged per one million completion tokens
 */
public record TierPrice(Usd perQuery, Usd perMillionInput, Usd perMillionOutput) {

    public TierPrice {
        Objects.requireNonNull(perQuery, "perQuery");
        Objects.requireNonNull(perMillionInput, "perMillionInput");
        Objects.requireNonNull(perMillionOutput, "perMillionOutput");
        requireNonNegative("perQuery", perQuery);
        requireNonNegative("perMillionInput", perMillionInput);
        requireNonNegative("perMillionOutput", perMillionOutput);
    }

    /** A flat price per query with free tokens. */
    public static TierPrice perQuery(Usd perQuery) {
        return new TierPrice(perQuery, Usd.ZERO, Usd.ZERO);
    }

    /** The exact cost of one attempt that used {@code usage}. */
    public Usd cost(Usage usage) {
        return perQuery.plus(perMillionInput.perMillionTimes(usage.promptTokens()))
                .plus(perMillionOutput.perMillionTimes(usage.completionTokens()));
    }

    /** True when no usage can cost anything. */
    public boolean isFree() {
        return perQuery.isZero() && perMillionInput.isZero() && perMillionOutput.isZero();
    }

    private static void requireNonNegative(String field, Usd value) {
        if (value.isNegative()) {
            throw new IllegalArgumentException(field + " must be >= 0 but was " + value);
        }
    }
}
