package dev.burstgate.policies.cli;

import dev.burstgate.policies.Tier;
import dev.burstgate.policies.replay.ReplayReport;
import dev.burstgate.policies.simulation.SimulationReport;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/** Side-by-side plain-text table of simulation reports. */
final class ReportTable {

    private ReportTable() {}

    /** The table as rows of cells: a label, then one cell per report. The first row names the policies. */
    static List<List<String>> rows(List<SimulationReport> reports) {
        List<List<String>> rows = new java.util.ArrayList<>();
        render(reports, rows);
        return rows;
    }

    static String render(List<SimulationReport> reports) {
        return format(rows(reports));
    }

    /**
     * The table of ledger replays: the simulation rows, then how each replay compares with the ledger: the share of
     * decisions it reproduced, the ledger's cost of the same requests, and the replayed cost's difference from it.
     */
    static String renderReplays(List<ReplayReport> replays) {
        List<List<String>> rows =
                rows(replays.stream().map(ReplayReport::simulation).toList());
        List<String> agreement = new java.util.ArrayList<>(List.of("decided as recorded"));
        List<String> ledger = new java.util.ArrayList<>(List.of("ledger cost USD"));
        List<String> delta = new java.util.ArrayList<>(List.of("cost vs ledger"));
        for (ReplayReport r : replays) {
            agreement.add(String.format(Locale.ROOT, "%d (%.1f%%)", r.agreed(), 100 * zeroIfNaN(r.agreement())));
            ledger.add(r.ledgerCost()
                    .amount()
                    .setScale(2, java.math.RoundingMode.HALF_UP)
                    .toPlainString());
            delta.add(Double.isNaN(r.costDelta()) ? "n/a" : String.format(Locale.ROOT, "%+.2f%%", 100 * r.costDelta()));
        }
        rows.add(agreement);
        rows.add(ledger);
        rows.add(delta);
        return format(rows);
    }

    private static double zeroIfNaN(double v) {
        return Double.isNaN(v) ? 0 : v;
    }

    private static String format(List<List<String>> rows) {
        StringBuilder sb = new StringBuilder();
        for (List<String> row : rows) {
            sb.append(String.format(Locale.ROOT, "%-24s", row.get(0)));
            for (int i = 1; i < row.size(); i++) {
                sb.append(String.format(Locale.ROOT, " %18s", row.get(i)));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    private static void render(List<SimulationReport> reports, List<List<String>> sb) {
        row(sb, "policy", reports, SimulationReport::policy);
        row(sb, "requests", reports, r -> Integer.toString(r.requests()));
        for (Tier t : Tier.values()) {
            row(sb, t.label(), reports, r -> r.count(t) + " (" + pct(r.count(t), r.requests()) + ")");
        }
        row(sb, "rejected", reports, r -> Integer.toString(r.rejectedTotal()));
        row(sb, "bursts (local busy)", reports, r -> Integer.toString(r.bursts()));
        row(
                sb,
                "cost USD",
                reports,
                r -> r.cost()
                        .amount()
                        .setScale(2, java.math.RoundingMode.HALF_UP)
                        .toPlainString());
        row(
                sb,
                "all-legacy baseline USD",
                reports,
                r -> r.baseline()
                        .amount()
                        .setScale(2, java.math.RoundingMode.HALF_UP)
                        .toPlainString());
        row(
                sb,
                "saving USD",
                reports,
                r -> r.saving()
                        .amount()
                        .setScale(2, java.math.RoundingMode.HALF_UP)
                        .toPlainString());
        row(sb, "saving %", reports, r -> String.format(Locale.ROOT, "%.1f%%", r.savingPercent()));
        row(sb, "latency p50 ms", reports, r -> String.format(Locale.ROOT, "%.0f", r.latencyP50Ms()));
        row(sb, "latency p95 ms", reports, r -> String.format(Locale.ROOT, "%.0f", r.latencyP95Ms()));
        row(sb, "labelled rows", reports, r -> Integer.toString(r.labelled()));
        row(
                sb,
                "accuracy",
                reports,
                r -> r.labelled() == 0 ? "n/a" : String.format(Locale.ROOT, "%.1f%%", 100 * r.accuracy()));
        row(
                sb,
                "quality kept vs legacy",
                reports,
                r -> r.labelled() == 0 ? "n/a" : String.format(Locale.ROOT, "%.1f%%", 100 * r.qualityKept()));
    }

    private static String pct(int n, int of) {
        return of == 0 ? "0%" : String.format(Locale.ROOT, "%.1f%%", 100.0 * n / of);
    }

    private static void row(
            List<List<String>> rows,
            String label,
            List<SimulationReport> reports,
            Function<SimulationReport, String> cell) {
        List<String> row = new java.util.ArrayList<>();
        row.add(label);
        for (SimulationReport r : reports) {
            row.add(cell.apply(r));
        }
        rows.add(row);
    }
}
