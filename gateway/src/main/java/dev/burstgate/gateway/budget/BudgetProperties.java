package dev.burstgate.gateway.budget;

import dev.burstgate.policies.cost.TokenEstimate;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * {@code burstgate.budgets.*}: how budgets are enforced. The limits themselves are per tenant
 * ({@code burstgate.tenants[*].budget.daily|monthly}) and can be overridden at run time with
 * {@code PUT /admin/budgets/{tenant}}.
 *
 * @param defaultCompletionTokens completion tokens assumed when estimating a request that names no
 *     {@code max_tokens} (only matters for per-token prices)
 * @param reservationTimeout (Redis) how long a reservation may stay open before it is given back, in case the
 *     gateway holding it died; longer than the longest request
 * @param retention (Redis) how long a day's or month's counters are kept after the period ends
 * @param redisTimeout (Redis) how long one budget call may take before it fails
 * @param redisKeyPrefix (Redis) the first part of every budget key
 * @param metersRefresh how often the {@code burstgate_budget_*} gauges are read from the store
 */
@Validated
@ConfigurationProperties(prefix = "burstgate.budgets")
public record BudgetProperties(
        @DefaultValue("" + TokenEstimate.DEFAULT_COMPLETION_TOKENS) @Min(1)
        int defaultCompletionTokens,

        @DefaultValue("15m") @NotNull Duration reservationTimeout,
        @DefaultValue("2d") @NotNull Duration retention,
        @DefaultValue("2s") @NotNull Duration redisTimeout,
        @DefaultValue("burstgate:budget") @NotBlank String redisKeyPrefix,
        @DefaultValue("15s") @NotNull Duration metersRefresh) {

    public BudgetProperties {
        if (reservationTimeout.isNegative() || reservationTimeout.isZero()) {
            throw new IllegalArgumentException(
                    "burstgate.budgets.reservation-timeout must be positive but was " + reservationTimeout);
        }
        if (retention.isNegative()) {
            throw new IllegalArgumentException("burstgate.budgets.retention must be >= 0 but was " + retention);
        }
        if (metersRefresh.isNegative() || metersRefresh.isZero()) {
            throw new IllegalArgumentException(
                    "burstgate.budgets.meters-refresh must be positive but was " + metersRefresh);
        }
        if (redisTimeout.isNegative() || redisTimeout.isZero()) {
            throw new IllegalArgumentException(
                    "burstgate.budgets.redis-timeout must be positive but was " + redisTimeout);
        }
    }
}
