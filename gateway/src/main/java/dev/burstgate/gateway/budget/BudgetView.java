package dev.burstgate.gateway.budget;

import dev.burstgate.policies.budget.BudgetState;
import dev.burstgate.policies.cost.Usd;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A tenant's budget in the current UTC day and month, as the admin API shows it.
 *
 * @param tenant the tenant
 * @param daily the current day
 * @param monthly the current month
 */
public record BudgetView(String tenant, PeriodView daily, PeriodView monthly) {

    public BudgetView {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(daily, "daily");
        Objects.requireNonNull(monthly, "monthly");
    }

    /**
     * The state routing gives the policy: limits, and as "spent" what is spent <em>or reserved</em> by requests in
     * flight, so degrade steps and the 100 % rule count money already committed.
     */
    public BudgetState state() {
        return new BudgetState(daily.limit(), daily.committed(), monthly.limit(), monthly.committed());
    }

    /** The limits in force. */
    public BudgetLimits limits() {
        return new BudgetLimits(daily.limit(), monthly.limit());
    }

    /**
     * One period.
     *
     * @param period {@code 2026-11-29} for a day, {@code 2026-11} for a month
     * @param limit the limit, or null for none
     * @param spent settled spend
     * @param reserved reserved by attempts in flight
     */
    public record PeriodView(String period, @Nullable Usd limit, Usd spent, Usd reserved) {

        public PeriodView {
            Objects.requireNonNull(period, "period");
            Objects.requireNonNull(spent, "spent");
            Objects.requireNonNull(reserved, "reserved");
        }

        /** Spent plus reserved. */
        public Usd committed() {
            return spent.plus(reserved);
        }

        /**
         * (spent + reserved) / limit, rounded half-up to six decimals; null without a limit; 1 for a zero limit.
         */
        public @Nullable BigDecimal fractionUsed() {
            if (limit == null) {
                return null;
            }
            if (limit.isZero()) {
                return BigDecimal.ONE;
            }
            return committed()
                    .amount()
                    .divide(limit.amount(), MathContext.DECIMAL64)
                    .setScale(6, RoundingMode.HALF_UP)
                    .stripTrailingZeros();
        }
    }
}
