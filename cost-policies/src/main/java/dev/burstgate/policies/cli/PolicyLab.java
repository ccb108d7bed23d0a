package dev.burstgate.policies.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code java -jar policy-lab.jar <command>}: classify prompts, simulate and compare routing policies on traffic
 * files, train the classifier, validate policy files.
 *
 * <p>Exit codes: 0 success; 1 internal error; 2 bad command line; 3 bad input file (the message names the line and
 * field) or a ledger that cannot be read; 4 unknown or invalid policy (the message names the file, field and value).
 */
@Command(
        name = "policy-lab",
        mixinStandardHelpOptions = true,
        versionProvider = PolicyLab.Version.class,
        description = "Burstgate policy lab: classify prompts, simulate and compare routing policies, tune thresholds "
                + "to a quality target, train the "
                + "classifier, validate policy files.",
        subcommands = {
            ClassifyCommand.class,
            SimulateCommand.class,
            CompareCommand.class,
            TuneCommand.class,
            TrainCommand.class,
            ValidateCommand.class,
            CommandLine.HelpCommand.class
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:success",
            "1:internal error",
            "2:bad command line",
            "3:bad input file (names line and field), or a ledger that cannot be read",
            "4:unknown or invalid policy (names file, field and value)"
        })
public final class PolicyLab implements java.util.concurrent.Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private PolicyLab() {}

    /** Without a command: usage on stderr, exit code 2. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return ExitCodes.USAGE;
    }

    public static void main(String[] args) {
        System.exit(run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
    }

    /** Runs one command in-process with the given streams and returns its exit code. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = new CommandLine(new PolicyLab());
        cl.setOut(out);
        cl.setErr(err);
        cl.setExitCodeExceptionMapper(ex -> switch (ex) {
            case CommandLine.ParameterException p -> ExitCodes.USAGE;
            case dev.burstgate.policies.simulation.BadInputException b -> ExitCodes.BAD_INPUT;
            case java.io.IOException io -> ExitCodes.BAD_INPUT;
            case java.io.UncheckedIOException io -> ExitCodes.BAD_INPUT;
            case java.sql.SQLException sql -> ExitCodes.BAD_INPUT;
            case dev.burstgate.policies.policy.PolicyException p -> ExitCodes.BAD_POLICY;
            default -> ExitCodes.INTERNAL;
        });
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            boolean expected = ex instanceof CommandLine.ParameterException
                    || ex instanceof dev.burstgate.policies.simulation.BadInputException
                    || ex instanceof java.io.IOException
                    || ex instanceof java.io.UncheckedIOException
                    || ex instanceof java.sql.SQLException
                    || ex instanceof dev.burstgate.policies.policy.PolicyException;
            if (expected) {
                commandLine.getErr().println("policy-lab: " + ex.getMessage());
            } else {
                ex.printStackTrace(commandLine.getErr());
            }
            commandLine.getErr().flush();
            return commandLine.getExitCodeExceptionMapper().getExitCode(ex);
        });
        int code = cl.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = PolicyLab.class.getPackage().getImplementationVersion();
            return new String[] {"policy-lab " + (v == null ? "development build" : v)};
        }
    }
}
