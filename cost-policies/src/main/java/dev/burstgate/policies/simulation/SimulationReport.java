package dev.burstgate.policies.simulation;

import dev.burstgate.policies.Tier;
import dev.burstgate.policies.cost.Usd;
import dev.burstgate.policies.routing.RejectCode;
import java.util.Map;
import java.util.Objects;

/**
 * The result of replaying traffic under one policy.
 *
 * @param policy the policy name
 * @param requests rows replayed
 * @param tierCounts requests routed to each tier (all tiers present)
 * @param rejected requests rejected, per code
 * @param bursts local requests that moved to another tier because the local engine was busy
 * @param cost what the routed requests cost
 * @param baseline what the legacy tier would have charged for every replayed request
 * @param latencyP50Ms median estimated latency of routed requests
 * @param latencyP95Ms 95th percentile estimated latency of routed requests
 * @param labelled rows with a correctness label for the chosen tier and for legacy
 * @param correct among {@code labelled}, answers that would be right (rejections count as wrong)
 * @param correctAllLegacy among {@code labelled}, answers that would be right if everything went to legacy
 */
public record SimulationReport(
        String policy,
        int requests,
        Map<Tier, Integer> tierCounts,
        Map<RejectCode, Integer> rejected,
        int bursts,
        Usd cost,
        Usd baseline,
        double latencyP50Ms,
        double latencyP95Ms,
        int labelled,
        int correct,
        int correctAllLegacy) {

    public SimulationReport {
        Objects.requireNonNull(policy, "policy");
        tierCounts = Map.copyOf(tierCounts);
        rejected = Map.copyOf(rejected);
        Objects.requireNonNull(cost, "cost");
        Objects.requireNonNull(baseline, "baseline");
    }

    /** baseline − cost. */
    public Usd saving() {
        return baseline.minus(cost);
    }

    /** Saving as a percentage of the baseline (display only). */
    public double savingPercent() {
        return baseline.isZero()
                ? 0.0
                : 100.0 * saving().amount().doubleValue() / baseline.amount().doubleValue();
    }

    public int count(Tier tier) {
        return tierCounts.getOrDefault(tier, 0);
    }

    public int rejectedTotal() {
        return rejected.values().stream().mapToInt(Integer::intValue).sum();
    }

    /** Accuracy over labelled rows, or NaN without labels. */
    public double accuracy() {
        return labelled == 0 ? Double.NaN : (double) correct / labelled;
    }

    /** Correct answers as a share of what all-legacy would get right, or NaN without labels. */
    public double qualityKept() {
        return correctAllLegacy == 0 ? Double.NaN : (double) correct / correctAllLegacy;
    }
}
