package dev.burstgate.policies.cli;

import dev.burstgate.policies.policy.Policy;
import dev.burstgate.policies.policy.PolicyRegistry;
import dev.burstgate.policies.simulation.PreparedTraffic;
import dev.burstgate.policies.simulation.SimulationConfig;
import dev.burstgate.policies.simulation.SimulationReport;
import dev.burstgate.policies.simulation.Simulator;
import dev.burstgate.policies.simulation.TrafficRecord;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** What {@code simulate} and {@code compare} share: load, prepare once, run each policy, print, write HTML. */
final class Lab {

    private static final int SWEEP_STEPS = 10;

    private Lab() {}

    static int run(List<String> policyArgs, SimulationOptions o, @Nullable Path html, PrintWriter out, PrintWriter err)
            throws Exception {
        PolicyRegistry registry = Policies.registry(o.policiesDir);
        List<Policy> policies = new ArrayList<>();
        for (String p : policyArgs) {
            policies.add(Policies.resolve(p, registry));
        }
        SimulationConfig config = o.config();
        List<TrafficRecord> rows = o.reading.read(o.traffic, err).rows();
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
        out.print(ReportTable.render(reports));
        if (html != null) {
            Path parent = html.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(
                    html,
                    HtmlReport.render(
                            "Burstgate policy comparison",
                            o.traffic.getFileName().toString(),
                            series),
                    StandardCharsets.UTF_8);
            out.println("HTML report: " + html);
        }
        out.flush();
        return ExitCodes.OK;
    }
}
