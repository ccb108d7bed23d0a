package dev.burstgate.gateway.budget;

import dev.burstgate.policies.cost.Usd;
import java.util.Locale;

/**
 * A reservation refused because it would take spend plus reservations past a limit.
 *
 * @param tenant whose budget refused
 * @param amount what the attempt asked for
 * @param period the limit that would be passed (the daily one is checked first)
 * @param limit that limit
 * @param used spent plus reserved in that period before this request
 */
public record Denial(String tenant, Usd amount, Period period, Usd limit, Usd used) implements ReserveResult {

    /** Which limit refused. */
    public enum Period {
        DAILY,
        MONTHLY;

        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** A short sentence for error messages and cost records. */
    public String message() {
        return period.key() + " budget of $" + limit + " reached ($" + used
                + " spent or reserved, this attempt needs up to $" + amount + ")";
    }
}
