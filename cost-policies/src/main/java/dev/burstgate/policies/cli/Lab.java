package dev.burstgate.policies.cli;

import dev.burstgate.policies.policy.Policy;
import dev.burstgate.policies.policy.PolicyRegistry;
import dev.burstgate.policies.replay.Calibration;
import dev.burstgate.policies.replay.LedgerReplay;
import dev.burstgate.policies.replay.LedgerSource;
import dev.burstgate.policies.replay.ReplayReport;
import dev.burstgate.policies.routing.Router;
import dev.burstgate.policies.simulation.PreparedTraffic;
import dev.burstgate.policies.simulation.SimulationConfig;
import dev.burstgate.policies.simulation.SimulationReport;
import dev.burstgate.policies.simulation.Simulator;
import dev.burstgate.policies.simulation.TrafficRecord;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** What {@code simulate} and {@code compare} share: load, prepare once, run each policy, print, write HTML. */
final class Lab {

    private static final int SWEEP_STEPS = 10;

    private Lab() {}

    /** @param command the command line, for usage errors */
    static int run(
            picocli.CommandLine command,
            List<String> policyArgs,
            SimulationOptions o,
            @Nullable Path html,
            PrintWriter out,
            PrintWriter err)
            throws Exception {
        Path trafficFile = o.traffic;
        String ledgerUrl = o.fromLedger;
        if (ledgerUrl != null) {
            if (trafficFile != null) {
                throw new picocli.CommandLine.ParameterException(
                        command,
                        "--traffic and --from-ledger exclude each other: replay a file or the ledger, not both");
            }
            return runLedger(command, policyArgs, ledgerUrl, o, html, out, err);
        }
        if (trafficFile == null) {
            throw new picocli.CommandLine.ParameterException(
                    command, "Missing --traffic FILE or --from-ledger JDBC-URL: where the traffic comes from");
        }
        PolicyRegistry registry = Policies.registry(o.policiesDir);
        List<Policy> policies = new ArrayList<>();
        for (String p : policyArgs) {
            policies.add(Policies.resolve(p, registry));
        }
        SimulationConfig config = o.config();
        List<TrafficRecord> rows = o.reading.read(trafficFile, err).rows();
        Simulator sim = o.simulator(config);
        Progress prep = new Progress(err, Progress.wanted(o.reading.progress), "classify", rows.size());
        PreparedTraffic traffic = sim.prepare(rows, prep::update);
        prep.done();
        List<HtmlReport.Series> series = new ArrayList<>();
        List<SimulationReport> reports = new ArrayList<>();
        Progress bar = new Progress(
                err,
                Progress.wanted(o.reading.progress),
                "simulate",
                (long) policies.size() * (html == null ? 1 : SWEEP_STEPS + 2));
        long done = 0;
        for (Policy p : policies) {
            SimulationReport r = sim.run(p, traffic);
            bar.update(++done);
            reports.add(r);
            if (html != null) {
                List<HtmlReport.CurvePoint> curve = new ArrayList<>();
                for (int i = 0; i <= SWEEP_STEPS; i++) {
                    double cloudAt = (double) i / SWEEP_STEPS;
                    Double legacyAt = p.thresholds().legacyAt() == null
                            ? null
                            : Math.max(cloudAt, p.thresholds().legacyAt());
                    SimulationReport s = sim.run(p.withThresholds(new Policy.Thresholds(cloudAt, legacyAt)), traffic);
                    double costPerThousand =
                            s.requests() == 0 ? 0 : 1000.0 * s.cost().amount().doubleValue() / s.requests();
                    curve.add(new HtmlReport.CurvePoint(cloudAt, costPerThousand, s.qualityKept()));
                    bar.update(++done);
                }
                series.add(new HtmlReport.Series(r, curve));
            }
        }
        bar.done();
        if (o.json) {
            out.println(ReportTable.json("traffic", reports));
        } else {
            out.print(ReportTable.render(reports));
        }
        if (html != null) {
            Path parent = html.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(
                    html,
                    HtmlReport.render("Burstgate policy comparison", String.valueOf(trafficFile.getFileName()), series),
                    StandardCharsets.UTF_8);
            (o.json ? err : out).println("HTML report: " + html);
        }
        out.flush();
        return ExitCodes.OK;
    }

    /** The name that replays each ledger request under the policy it was routed by. */
    static final String LIVE = "live";

    /**
     * {@code --from-ledger}: reads the requests with their routing inputs, calibrates the service times from the
     * recorded ones, replays them under each policy ({@value #LIVE}: each request's own), and prints the table with
     * how each replay compares with the ledger, its cascade escalations and the quality kept by the shadow verdicts,
     * the calibration used, and the live replay's first disagreements. With {@code --json} the table is one JSON
     * object on standard output and the rest goes to standard error.
     */
    static int runLedger(
            picocli.CommandLine command,
            List<String> policyArgs,
            String url,
            SimulationOptions o,
            @Nullable Path html,
            PrintWriter out,
            PrintWriter err)
            throws Exception {
        PolicyRegistry registry = Policies.registry(o.policiesDir);
        List<@Nullable Policy> policies = new ArrayList<>();
        for (String p : policyArgs) {
            policies.add(p.equals(LIVE) ? null : Policies.resolve(p, registry));
        }
        Instant since;
        try {
            since = LedgerSource.since(o.since, Instant.now());
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(command, e.getMessage());
        }
        String password = o.ledgerPassword != null ? o.ledgerPassword : System.getenv("POLICY_LAB_LEDGER_PASSWORD");
        LedgerSource.Traffic traffic = LedgerSource.read(url, o.ledgerUser, password, since);
        PrintWriter text = o.json ? err : out;
        text.println(describe(traffic));
        if (!traffic.problems().isEmpty()) {
            err.println("policy-lab: " + traffic.unreadable() + " request(s) with unreadable routing inputs; first: "
                    + traffic.problems().get(0));
        }
        Calibration calibration = Calibration.of(traffic.rows(), o.config());
        LedgerReplay replay = new LedgerReplay(
                new Router(calibration.config().prices(), o.capabilities()), calibration.config(), registry::find);
        List<ReplayReport> reports = new ArrayList<>();
        for (int i = 0; i < policies.size(); i++) {
            @Nullable Policy p = policies.get(i);
            reports.add(p == null ? replay.live(LIVE, registry::get, traffic.rows()) : replay.run(p, traffic.rows()));
        }
        if (o.json) {
            out.println(ReportTable.jsonReplays(traffic, reports));
        } else {
            out.print(ReportTable.renderReplays(reports));
        }
        text.println(calibration.describe());
        for (ReplayReport r : reports) {
            if (r.confidenceUnknown() > 0) {
                text.println(r.simulation().policy() + ": confidence unknown: " + r.confidenceUnknown()
                        + " request(s) sent to the local tier under a cascade on confidence, kept: the ledger holds no "
                        + "confidence for them (no cascade judged them, the local tier measured none, or it measured "
                        + "the other signal)");
            }
        }
        if (reports.stream().anyMatch(r -> r.quality().verdicts() > 0)) {
            text.println("quality kept (shadow): the share of acceptable verdicts among the requests served on a "
                    + "cheaper tier that the gateway shadowed there; requests without a verdict are left out, and the "
                    + "shadow sample is the live policy's, not a random draw from the candidate's traffic");
        }
        for (ReplayReport r : reports) {
            if (r.simulation().policy().equals(LIVE) && !r.disagreements().isEmpty()) {
                text.println("live decisions not reproduced (first "
                        + r.disagreements().size() + "):");
                r.disagreements().forEach(d -> text.println("  " + d));
            }
        }
        if (html != null) {
            Path parent = html.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            List<HtmlReport.Series> series = reports.stream()
                    .map(r -> new HtmlReport.Series(r.simulation(), List.of()))
                    .toList();
            Files.writeString(
                    html,
                    HtmlReport.render("Burstgate policy comparison", "ledger since " + since, series),
                    StandardCharsets.UTF_8);
            text.println("HTML report: " + html);
        }
        out.flush();
        return ExitCodes.OK;
    }

    /** One line: what was read from the ledger and what was left out. */
    static String describe(LedgerSource.Traffic traffic) {
        return "ledger: " + traffic.rows().size() + " request(s) since " + traffic.since() + " with routing inputs; "
                + traffic.withoutInputs() + " without them (skipped); " + traffic.unreadable()
                + " unreadable (skipped)";
    }
}
