package dev.burstgate.gateway.budget;

import dev.burstgate.policies.cost.Usd;
import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Budgets count money in whole nano-dollars (10⁻⁹ USD) as {@code long}s: exact integer sums, and the unit Redis
 * counts in ({@code HINCRBY}). Every amount a price table produces from per-query prices, and from per-million-token
 * prices with up to three decimals, is a whole number of nano-dollars; a finer cost is rounded up, so a budget never
 * counts less than was spent.
 */
final class NanoUsd {

    static final int SCALE = 9;

    private NanoUsd() {}

    /** The exact nano-dollars of {@code usd}; throws when it is not a whole number of them or is out of range. */
    static long exact(Usd usd) {
        return usd.amount().movePointRight(SCALE).longValueExact();
    }

    /** {@code usd} in nano-dollars, rounded up to a whole nano-dollar. */
    static long ceil(Usd usd) {
        return usd.amount()
                .movePointRight(SCALE)
                .setScale(0, RoundingMode.CEILING)
                .longValueExact();
    }

    static Usd usd(long nanos) {
        return new Usd(BigDecimal.valueOf(nanos, SCALE));
    }
}
