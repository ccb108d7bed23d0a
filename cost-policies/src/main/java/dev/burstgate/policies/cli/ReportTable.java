package dev.burstgate.policies.cli;

import dev.burstgate.policies.Tier;
import dev.burstgate.policies.replay.LedgerSource;
import dev.burstgate.policies.replay.ReplayReport;
import dev.burstgate.policies.replay.ShadowQuality;
import dev.burstgate.policies.shadow.ShadowStatistics;
import dev.burstgate.policies.simulation.SimulationReport;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** Side-by-side plain-text table of simulation reports, and the same figures as JSON. */
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
     * decisions it reproduced, the ledger's cost of the same requests, and the replayed cost's difference from it; then
     * the requests a cascade escalated, those it kept for want of a recorded confidence, and the quality kept as the
     * recorded shadow verdicts estimate it (share acceptable with its Wilson 95 % interval, and how many verdicts of how
     * many requests served on a cheaper tier).
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
        List<String> escalated = new java.util.ArrayList<>(List.of("escalated (cascade)"));
        List<String> unknown = new java.util.ArrayList<>(List.of("confidence unknown"));
        List<String> quality = new java.util.ArrayList<>(List.of("quality kept (shadow)"));
        List<String> verdicts = new java.util.ArrayList<>(List.of("shadow verdicts"));
        for (ReplayReport r : replays) {
            escalated.add(Integer.toString(r.escalated()));
            unknown.add(Integer.toString(r.confidenceUnknown()));
            quality.add(quality(r.quality()));
            verdicts.add(r.quality().verdicts() + " of " + r.quality().cheaper());
        }
        rows.add(escalated);
        rows.add(unknown);
        rows.add(quality);
        rows.add(verdicts);
        return format(rows);
    }

    /** {@code 93.1% [88.0, 96.2]}: the estimate and its Wilson interval, or {@code n/a} without verdicts. */
    static String quality(ShadowQuality q) {
        if (q.verdicts() == 0) {
            return "n/a";
        }
        return String.format(Locale.ROOT, "%.1f%% [%.1f, %.1f]", 100 * q.share(), 100 * q.lower(), 100 * q.upper());
    }

    /** The reports as one JSON object (one line): {@code {"source":..., "policies":[...]}}. */
    static String json(String source, List<SimulationReport> reports) {
        ObjectNode o = JSON.createObjectNode();
        o.put("source", source);
        ArrayNode policies = o.putArray("policies");
        for (SimulationReport r : reports) {
            ObjectNode p = simulation(policies.addObject(), r);
            p.put("labelled", r.labelled());
            number(p, "accuracy", r.accuracy());
            number(p, "quality_kept_vs_legacy", r.qualityKept());
        }
        return JSON.writeValueAsString(o);
    }

    /**
     * The ledger replays as one JSON object (one line): what was read, then per policy the simulation's figures, how
     * they compare with the ledger, the cascade's escalations and the quality estimated from the shadow verdicts.
     */
    static String jsonReplays(LedgerSource.Traffic traffic, List<ReplayReport> replays) {
        ObjectNode o = JSON.createObjectNode();
        o.put("source", "ledger");
        o.put("since", traffic.since().toString());
        o.put("requests_read", traffic.rows().size());
        o.put("without_inputs", traffic.withoutInputs());
        o.put("unreadable", traffic.unreadable());
        ArrayNode policies = o.putArray("policies");
        for (ReplayReport r : replays) {
            ObjectNode p = simulation(policies.addObject(), r.simulation());
            p.put("decided_as_recorded", r.agreed());
            number(p, "agreement", r.agreement());
            p.put("ledger_cost_usd", r.ledgerCost().amount());
            number(p, "cost_vs_ledger", r.costDelta());
            p.put("escalated", r.escalated());
            p.put("confidence_unknown", r.confidenceUnknown());
            ShadowQuality q = r.quality();
            ObjectNode quality = p.putObject("quality_kept");
            number(quality, "estimate", q.share());
            number(quality, "lower", q.lower());
            number(quality, "upper", q.upper());
            quality.put("confidence", ShadowStatistics.CONFIDENCE);
            quality.put("verdicts", q.verdicts());
            quality.put("acceptable", q.acceptable());
            quality.put("served_cheaper", q.cheaper());
        }
        return JSON.writeValueAsString(o);
    }

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static ObjectNode simulation(ObjectNode p, SimulationReport r) {
        p.put("policy", r.policy());
        p.put("requests", r.requests());
        ObjectNode tiers = p.putObject("tiers");
        for (Tier t : Tier.values()) {
            tiers.put(t.label(), r.count(t));
        }
        p.put("rejected", r.rejectedTotal());
        p.put("bursts", r.bursts());
        p.put("cost_usd", r.cost().amount());
        p.put("baseline_usd", r.baseline().amount());
        p.put("saving_usd", r.saving().amount());
        p.put("latency_p50_ms", r.latencyP50Ms());
        p.put("latency_p95_ms", r.latencyP95Ms());
        return p;
    }

    /** A figure, or null for NaN (JSON has no NaN). */
    private static void number(ObjectNode o, String name, double value) {
        if (Double.isNaN(value)) {
            o.putNull(name);
        } else {
            o.put(name, value);
        }
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
