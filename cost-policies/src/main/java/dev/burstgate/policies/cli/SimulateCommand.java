package dev.burstgate.policies.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code simulate --policy NAME|FILE --traffic traffic.jsonl | --from-ledger JDBC-URL}. */
@Command(
        name = "simulate",
        mixinStandardHelpOptions = true,
        description = "Replay traffic under one policy: tier "
                + "mix, cost, saving vs all-legacy, latency p50/p95, quality kept where labels exist; with "
                + "--from-ledger, cascade escalations on the recorded confidences and the quality kept estimated "
                + "from the recorded shadow verdicts.")
final class SimulateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(
            names = "--policy",
            required = true,
            description = "Policy NAME (preset or --policies-dir) or YAML FILE; with --from-ledger, 'live' is each "
                    + "request's own policy.")
    String policy;

    @Option(names = "--html", description = "Also write an HTML report here.")
    @Nullable
    Path html;

    @Mixin
    SimulationOptions options;

    @Override
    public Integer call() throws Exception {
        return Lab.run(
                spec.commandLine(),
                List.of(policy),
                options,
                html,
                spec.commandLine().getOut(),
                spec.commandLine().getErr());
    }
}
