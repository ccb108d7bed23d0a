package dev.burstgate.policies.cost;

import java.util.Objects;

/**
 * The money side of one request.
 *
 * @param actual what the attempts cost
 * @param baseline what the legacy tier would have charged for the same usage
 */
public record CostOutcome(Usd actual, Usd baseline) {

    public CostOutcome {
        Objects.requireNonNull(actual, "actual");
        Objects.requireNonNull(baseline, "baseline");
    }

    /** baseline − actual; negative when the request cost more than legacy would have. */
    public Usd saving() {
        return baseline.minus(actual);
    }

    /** The sum of two outcomes, for totals. */
    public CostOutcome plus(CostOutcome other) {
        return new CostOutcome(actual.plus(other.actual), baseline.plus(other.baseline));
    }
}
