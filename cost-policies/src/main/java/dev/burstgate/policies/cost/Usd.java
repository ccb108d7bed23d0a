package dev.burstgate.policies.cost;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * An exact amount of US dollars. Sums never round; {@link #toString()} renders a plain decimal string such as
 * {@code "0.180000"} (at least six decimals, more only when the amount needs them).
 *
 * @param amount the amount; may be negative (a saving can be negative when a fallback cost more than legacy)
 */
public record Usd(BigDecimal amount) implements Comparable<Usd> {

    /** Zero dollars. */
    public static final Usd ZERO = new Usd(BigDecimal.ZERO);

    private static final int MIN_SCALE = 6;

    public Usd {
        Objects.requireNonNull(amount, "amount");
        amount = amount.stripTrailingZeros();
        if (amount.scale() < 0) {
            amount = amount.setScale(0);
        }
    }

    /**
     * Parses a decimal string such as {@code "0.18"} or {@code "1.10"}.
     *
     * @throws IllegalArgumentException naming the value when it is not a plain decimal number (an empty string
     *     included); the exception has no cause, its message says everything (a configuration binder reports the
     *     deepest cause of a failure, and {@link BigDecimal}'s own says less)
     */
    public static Usd of(String decimal) {
        Objects.requireNonNull(decimal, "decimal");
        try {
            return new Usd(new BigDecimal(decimal.trim()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a USD amount: '" + decimal + "' (expected a decimal such as 0.18)");
        }
    }

    /** An amount in whole micro-dollars (millionths of a dollar). */
    public static Usd ofMicros(long micros) {
        return new Usd(BigDecimal.valueOf(micros, 6));
    }

    public Usd plus(Usd other) {
        return new Usd(amount.add(other.amount));
    }

    public Usd minus(Usd other) {
        return new Usd(amount.subtract(other.amount));
    }

    /** This amount multiplied by a whole count, e.g. a per-query price times the number of queries. */
    public Usd times(long count) {
        return new Usd(amount.multiply(BigDecimal.valueOf(count)));
    }

    /** The exact price of {@code tokens} tokens when this amount is the price of one million tokens. */
    public Usd perMillionTimes(long tokens) {
        return new Usd(amount.multiply(BigDecimal.valueOf(tokens)).movePointLeft(6));
    }

    public boolean isNegative() {
        return amount.signum() < 0;
    }

    public boolean isZero() {
        return amount.signum() == 0;
    }

    /** The amount in micro-dollars, rounded half-up to a whole micro-dollar (for counters and metrics only). */
    public long toMicrosRounded() {
        return amount.movePointRight(6)
                .setScale(0, java.math.RoundingMode.HALF_UP)
                .longValueExact();
    }

    @Override
    public int compareTo(Usd other) {
        return amount.compareTo(other.amount);
    }

    /** Two amounts are equal when they are numerically equal ({@code 0.10} equals {@code 0.1}). */
    @Override
    public boolean equals(Object o) {
        return o instanceof Usd other && amount.compareTo(other.amount) == 0;
    }

    @Override
    public int hashCode() {
        return amount.hashCode();
    }

    /** A plain decimal string with at least six decimals, e.g. {@code "1.100000"}, {@code "-0.000150"}. */
    @Override
    public String toString() {
        BigDecimal shown = amount.scale() < MIN_SCALE ? amount.setScale(MIN_SCALE) : amount;
        return shown.toPlainString();
    }
}
