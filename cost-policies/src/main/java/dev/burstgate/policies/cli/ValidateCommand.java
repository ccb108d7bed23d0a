package dev.burstgate.policies.cli;

import dev.burstgate.policies.policy.Policy;
import dev.burstgate.policies.policy.PolicyException;
import dev.burstgate.policies.policy.PolicyRegistry;
import dev.burstgate.policies.policy.Problem;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code validate FILE|DIR...}: checks policy files; without arguments checks the presets. */
@Command(
        name = "validate",
        mixinStandardHelpOptions = true,
        description =
                "Validate policy YAML files (or every "
                        + "*.yaml/*.yml of a directory); without arguments, the bundled presets. Exit code 4 when any is invalid.")
final class ValidateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(arity = "0..*", paramLabel = "FILE|DIR", description = "Policy files or directories.")
    List<Path> paths = new ArrayList<>();

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        if (paths.isEmpty()) {
            PolicyRegistry r = PolicyRegistry.presets(InstantSource.system());
            r.entries().forEach(e -> out.println("ok      " + e.source() + " (" + e.name() + ")"));
            return ExitCodes.OK;
        }
        List<Path> files = new ArrayList<>();
        for (Path p : paths) {
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.list(p)) {
                    s.filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml"))
                            .sorted()
                            .forEach(files::add);
                }
            } else if (Files.isRegularFile(p)) {
                files.add(p);
            } else {
                throw new java.nio.file.NoSuchFileException(p.toString());
            }
        }
        int bad = 0;
        for (Path f : files) {
            try {
                Policy policy = Policy.read(f);
                out.println("ok      " + f + " (" + policy.name() + ")");
            } catch (PolicyException e) {
                bad++;
                out.println("invalid " + f);
                for (Problem p : e.problems()) {
                    out.println("  " + p);
                }
            }
        }
        out.println(files.size() - bad + " valid, " + bad + " invalid");
        return bad == 0 ? ExitCodes.OK : ExitCodes.BAD_POLICY;
    }
}
