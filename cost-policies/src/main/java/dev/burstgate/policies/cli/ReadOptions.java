package dev.burstgate.policies.cli;

import dev.burstgate.policies.simulation.TrafficReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The input-reading options every command that reads a JSONL file shares. */
final class ReadOptions {

    @Option(names = "--skip-bad-lines", description = "Count and skip bad lines instead of stopping.")
    boolean skipBadLines;

    @Option(names = "--progress", description = "Show a progress bar on stderr even without a console.")
    boolean progress;

    TrafficReader.Result read(Path file, PrintWriter err) throws IOException {
        return Inputs.read(file, skipBadLines, progress, err);
    }
}
