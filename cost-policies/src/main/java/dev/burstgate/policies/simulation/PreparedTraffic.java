package dev.burstgate.policies.simulation;

import dev.burstgate.policies.classifier.Complexity;
import dev.burstgate.policies.privacy.PrivacySignal;
import java.util.List;

/**
 * Traffic with everything that does not depend on the policy computed once: complexity, privacy signal, token
 * estimates and arrival times (ms from the first arrival), in arrival order. Immutable.
 */
public final class PreparedTraffic {

    final List<TrafficRecord> rows;
    final Complexity[] complexity;
    final PrivacySignal[] privacy;
    final long[] promptTokens;
    final long[] completionTokens;
    final double[] arrivalMs;

    PreparedTraffic(
            List<TrafficRecord> rows,
            Complexity[] complexity,
            PrivacySignal[] privacy,
            long[] promptTokens,
            long[] completionTokens,
            double[] arrivalMs) {
        this.rows = List.copyOf(rows);
        this.complexity = complexity.clone();
        this.privacy = privacy.clone();
        this.promptTokens = promptTokens.clone();
        this.completionTokens = completionTokens.clone();
        this.arrivalMs = arrivalMs.clone();
    }

    public int size() {
        return rows.size();
    }

    /** The rows in arrival order. */
    public List<TrafficRecord> rows() {
        return rows;
    }

    public Complexity complexity(int i) {
        return complexity[i];
    }

    /** The span from the first to the last arrival, in ms. */
    public double durationMs() {
        return arrivalMs.length == 0 ? 0 : arrivalMs[arrivalMs.length - 1] - arrivalMs[0];
    }
}
