package dev.burstgate.policies.cli;

import dev.burstgate.policies.Tier;
import dev.burstgate.policies.simulation.SimulationReport;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/** Side-by-side plain-text table of simulation reports. */
final class ReportTable {

  private ReportTable() {}

  static String render(List<SimulationReport> reports) {
    StringBuilder sb = new StringBuilder();
    row(sb, "policy", reports, SimulationReport::policy);
    row(sb, "requests", reports, r -> Integer.toString(r.requests()));
    for (Tier t : Tier.values()) {
      row(sb, t.name().toLowerCase(Locale.ROOT), reports, r -> r.count(t) + " (" + pct(r.count(t), r.requests())
          + ")");
    }
    row(sb, "rejected", reports, r -> Integer.toString(r.rejectedTotal()));
    row(sb, "bursts (local busy)", reports, r -> Integer.toString(r.bursts()));
    row(sb, "cost USD", reports, r -> r.cost().amount().setScale(2, java.math.RoundingMode.HALF_UP).toPlainString());
    row(sb, "all-legacy baseline USD", reports,
        r -> r.baseline().amount().setScale(2, java.math.RoundingMode.HALF_UP).toPlainString());
    row(sb, "saving USD", reports,
        r -> r.saving().amount().setScale(2, java.math.RoundingMode.HALF_UP).toPlainString());
    row(sb, "saving %", reports, r -> String.format(Locale.ROOT, "%.1f%%", r.savingPercent()));
    row(sb, "latency p50 ms", reports, r -> String.format(Locale.ROOT, "%.0f", r.latencyP50Ms()));
    row(sb, "latency p95 ms", reports, r -> String.format(Locale.ROOT, "%.0f", r.latencyP95Ms()));
    row(sb, "labelled rows", reports, r -> Integer.toString(r.labelled()));
    row(sb, "accuracy", reports, r -> r.labelled() == 0 ? "n/a"
        : String.format(Locale.ROOT, "%.1f%%", 100 * r.accuracy()));
    row(sb, "quality kept vs legacy", reports, r -> r.labelled() == 0 ? "n/a"
        : String.format(Locale.ROOT, "%.1f%%", 100 * r.qualityKept()));
    return sb.toString();
  }

  private static String pct(int n, int of) {
    return of == 0 ? "0%" : String.format(Locale.ROOT, "%.1f%%", 100.0 * n / of);
  }

  private static void row(StringBuilder sb, String label, List<SimulationReport> reports,
      Function<SimulationReport, String> cell) {
    sb.append(String.format(Locale.ROOT, "%-24s", label));
    for (SimulationReport r : reports) {
      sb.append(String.format(Locale.ROOT, " %18s", cell.apply(r)));
    }
    sb.append('\n');
  }
}
