package dev.burstgate.policies.budget;

import dev.burstgate.policies.cost.Usd;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A tenant's spend against its limits at one moment.
 *
 * @param dailyLimit USD per day, or null for no daily limit
 * @param spentToday spent in the current day
 * @param monthlyLimit USD per month, or null for no monthly limit
 * @param spentThisMonth spent in the current month
 */
public record BudgetState(
        @Nullable Usd dailyLimit, Usd spentToday, @Nullable Usd monthlyLimit, Usd spentThisMonth) {

    /** No limits. */
    public static final BudgetState UNLIMITED = new BudgetState(null, Usd.ZERO, null, Usd.ZERO);

    public BudgetState {
        Objects.requireNonNull(spentToday, "spentToday");
        Objects.requireNonNull(spentThisMonth, "spentThisMonth");
        if (dailyLimit != null && dailyLimit.isNegative()) {
            throw new IllegalArgumentException("dailyLimit must be >= 0 but was " + dailyLimit);
        }
        if (monthlyLimit != null && monthlyLimit.isNegative()) {
            throw new IllegalArgumentException("monthlyLimit must be >= 0 but was " + monthlyLimit);
        }
    }

    /** A state with only a daily limit. */
    public static BudgetState daily(Usd limit, Usd spent) {
        return new BudgetState(limit, spent, null, Usd.ZERO);
    }

    /** A state with only a monthly limit. */
    public static BudgetState monthly(Usd limit, Usd spent) {
        return new BudgetState(null, Usd.ZERO, limit, spent);
    }

    /**
     * The larger of the daily and monthly fractions used (spent / limit); 0 without limits; a zero limit counts as
     * fully used. Only used to compare with policy thresholds, never as money.
     */
    public double fractionUsed() {
        return Math.max(fraction(spentToday, dailyLimit), fraction(spentThisMonth, monthlyLimit));
    }

    /** True when a limit is reached (fraction used ≥ 1). */
    public boolean exhausted() {
        return fractionUsed() >= 1.0;
    }

    /** This state after spending {@code amount} more in the day and the month. */
    public BudgetState plus(Usd amount) {
        return new BudgetState(dailyLimit, spentToday.plus(amount), monthlyLimit, spentThisMonth.plus(amount));
    }

    private static double fraction(Usd spent, @Nullable Usd limit) {
        if (limit == null) {
            return 0.0;
        }
        if (limit.isZero()) {
            return 1.0;
        }
        return spent.amount()
                .divide(limit.amount(), MathContext.DECIMAL64)
                .max(BigDecimal.ZERO)
                .doubleValue();
    }
}
