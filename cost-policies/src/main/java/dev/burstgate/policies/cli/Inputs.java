package dev.burstgate.policies.cli;

import dev.burstgate.policies.classifier.LabelledPrompt;
import dev.burstgate.policies.simulation.TrafficReader;
import dev.burstgate.policies.simulation.TrafficRecord;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/** Reading input files for the commands, with progress and skipped-line reporting. */
final class Inputs {

    private Inputs() {}

    static TrafficReader.Result read(Path file, boolean skipBadLines, boolean progress, PrintWriter err)
            throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "no such file");
        }
        Progress bar = new Progress(err, Progress.wanted(progress), "reading", Files.size(file));
        TrafficReader.Result result = new TrafficReader(skipBadLines).read(file, bar::update);
        bar.done();
        if (result.skipped() > 0) {
            err.println("policy-lab: skipped " + result.skipped() + " bad line(s); first: "
                    + result.problems().get(0));
        }
        return result;
    }

    static List<LabelledPrompt> labelled(List<TrafficRecord> rows) {
        return rows.stream()
                .map(r -> new LabelledPrompt(
                        r.id(), r.source(), r.subject(), r.messages(), r.level(), r.weakCorrect(), r.strongCorrect()))
                .toList();
    }
}
