package dev.burstgate.policies.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code compare --policy A --policy B ... --traffic traffic.jsonl | --from-ledger JDBC-URL}. */
@Command(
        name = "compare",
        mixinStandardHelpOptions = true,
        description = "Replay the same traffic under several "
                + "policies: a side-by-side table (or --json) and an HTML report with a tier-mix chart and a "
                + "cost-vs-quality chart. With --from-ledger the table also shows, per policy, the requests its "
                + "cascade escalates on the recorded confidences, those with no confidence recorded, and the "
                + "quality kept as the recorded shadow verdicts estimate it (share acceptable, Wilson 95%% "
                + "interval, verdicts of requests served on a cheaper tier).")
final class CompareCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(
            names = "--policy",
            required = true,
            description = "Policy NAME or YAML FILE; repeat for each policy. With --from-ledger, 'live' is each "
                    + "request's own policy.")
    List<String> policies;

    @Option(
            names = "--html",
            defaultValue = "policy-report.html",
            description = "HTML report path " + "(default: ${DEFAULT-VALUE}).")
    Path html;

    @Mixin
    SimulationOptions options;

    @Override
    public Integer call() throws Exception {
        return Lab.run(
                spec.commandLine(),
                policies,
                options,
                html,
                spec.commandLine().getOut(),
                spec.commandLine().getErr());
    }
}
