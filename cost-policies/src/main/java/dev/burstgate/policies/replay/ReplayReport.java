package dev.burstgate.policies.replay;

import dev.burstgate.policies.cost.Usd;
import dev.burstgate.policies.simulation.SimulationReport;
import java.util.List;
import java.util.Objects;

/**
 * The replay of the ledger's requests under one policy, beside what the ledger recorded.
 *
 * @param simulation tier mix, cost, baseline and latency of the replay (no correctness labels: a ledger has none)
 * @param agreed requests whose replayed decision is the recorded one: the same tier, or a refusal for a refusal
 * @param ledgerCost what the replayed requests cost according to the ledger
 * @param disagreements the first few requests decided otherwise: id, recorded and replayed decision, reason
 * @param escalated requests the replay sent to the local tier under a cascade that escalated them to the next tier
 *     (on the recorded confidence, or as recorded for the answer's shape)
 * @param confidenceUnknown requests the replay sent to the local tier under a cascade that escalates on confidence,
 *     for which the ledger holds no confidence figure the cascade could compare: kept, not escalated
 * @param quality the quality kept, estimated from the recorded shadow verdicts
 */
public record ReplayReport(
        SimulationReport simulation,
        int agreed,
        Usd ledgerCost,
        List<String> disagreements,
        int escalated,
        int confidenceUnknown,
        ShadowQuality quality) {

    public ReplayReport {
        Objects.requireNonNull(simulation, "simulation");
        Objects.requireNonNull(ledgerCost, "ledgerCost");
        disagreements = List.copyOf(disagreements);
        Objects.requireNonNull(quality, "quality");
    }

    /** The share of requests decided as recorded, 0..1 (NaN for none). */
    public double agreement() {
        return simulation.requests() == 0 ? Double.NaN : (double) agreed / simulation.requests();
    }

    /** (replayed cost − ledger cost) / ledger cost (NaN when the ledger cost nothing). */
    public double costDelta() {
        if (ledgerCost.isZero()) {
            return Double.NaN;
        }
        return simulation.cost().minus(ledgerCost).amount().doubleValue()
                / ledgerCost.amount().doubleValue();
    }
}
