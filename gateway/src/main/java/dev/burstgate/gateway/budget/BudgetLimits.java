package dev.burstgate.gateway.budget;

import dev.burstgate.policies.cost.Usd;
import java.math.BigDecimal;
import org.jspecify.annotations.Nullable;

/**
 * A tenant's spend limits in USD per UTC day and per UTC month; null means no limit. A limit is at least 0, at most
 * {@link #MAX} and has at most nine decimals (budgets count whole nano-dollars exactly). A zero limit allows no spend
 * on priced tiers.
 *
 * @param daily the daily limit, or null
 * @param monthly the monthly limit, or null
 */
public record BudgetLimits(@Nullable Usd daily, @Nullable Usd monthly) {

    /** No limits. */
    public static final BudgetLimits NONE = new BudgetLimits(null, null);

    /**
     * The largest limit: $1,000,000 per period. Redis' Lua numbers are doubles, exact for whole nano-dollars up to
     * about $9,007,199; this bound keeps every sum of spend, reservations and limits well inside that range.
     */
    public static final BigDecimal MAX = BigDecimal.valueOf(1_000_000);

    public BudgetLimits {
        requireValid("daily", daily);
        requireValid("monthly", monthly);
    }

    /** Limits from configured decimals (either may be null). */
    public static BudgetLimits of(@Nullable BigDecimal daily, @Nullable BigDecimal monthly) {
        return new BudgetLimits(daily == null ? null : new Usd(daily), monthly == null ? null : new Usd(monthly));
    }

    /** What is wrong with {@code value} as a limit, or null when it is a valid one. */
    public static @Nullable String problem(BigDecimal value) {
        if (value.signum() < 0) {
            return "must be >= 0 but was " + value.toPlainString();
        }
        if (value.compareTo(MAX) > 0) {
            return "must be at most " + MAX.toPlainString() + " but was " + value.toPlainString();
        }
        if (value.stripTrailingZeros().scale() > NanoUsd.SCALE) {
            return "must have at most " + NanoUsd.SCALE + " decimals but was " + value.toPlainString();
        }
        return null;
    }

    private static void requireValid(String field, @Nullable Usd limit) {
        if (limit == null) {
            return;
        }
        String problem = problem(limit.amount());
        if (problem != null) {
            throw new IllegalArgumentException(field + " " + problem);
        }
    }
}
