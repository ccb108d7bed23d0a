package dev.burstgate.policies.cli;

import dev.burstgate.policies.classifier.ClassifierTraining;
import dev.burstgate.policies.classifier.LabelledPrompt;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code train --data labelled.jsonl --out model.json}. */
@Command(
        name = "train",
        description = "Fit the complexity classifier's weights on labelled prompts and report "
                + "subject-grouped cross-validation figures.",
        mixinStandardHelpOptions = true)
final class TrainCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(
            names = "--data",
            required = true,
            description =
                    "Labelled JSONL (prompt/messages, source, subject, " + "level or weak_correct/strong_correct).")
    Path data;

    @Option(names = "--out", required = true, description = "Where to write the weights JSON.")
    Path out;

    @Option(
            names = "--folds",
            defaultValue = "5",
            description = "Subject-grouped folds for validation; 0 skips it " + "(default: ${DEFAULT-VALUE}).")
    int folds;

    @Option(names = "--l2", defaultValue = "0.01", description = "L2 on feature weights (default: ${DEFAULT-VALUE}).")
    double l2;

    @Option(
            names = "--lexical-l2",
            defaultValue = "0.00003",
            description = "L2 on word-bucket weights " + "(default: ${DEFAULT-VALUE}).")
    double lexicalL2;

    @Option(
            names = "--lexical-bits",
            defaultValue = "12",
            description = "log2 word buckets; 0 = no lexical part " + "(default: ${DEFAULT-VALUE}).")
    int lexicalBits;

    @Option(
            names = "--iterations",
            defaultValue = "400",
            description = "Optimiser iterations " + "(default: ${DEFAULT-VALUE}).")
    int iterations;

    @Option(
            names = "--math-weights",
            arity = "1",
            defaultValue = "false",
            description =
                    "Fit separate feature " + "weights for math problems: true or false (default: ${DEFAULT-VALUE}).")
    boolean mathWeights;

    @Option(
            names = "--both-wrong-target",
            defaultValue = "1.0",
            description =
                    "Target of a row both models got "
                            + "wrong, 0..1 (weak wrong and strong right is 1, weak right and strong wrong 0; default: ${DEFAULT-VALUE}).")
    double bothWrongTarget;

    @Option(
            names = "--both-right-target",
            defaultValue = "0.0",
            description = "Target of a row both models got " + "right, 0..1 (default: ${DEFAULT-VALUE}).")
    double bothRightTarget;

    @Mixin
    ReadOptions reading;

    @Override
    public Integer call() throws Exception {
        PrintWriter o = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<LabelledPrompt> rows = Inputs.labelled(reading.read(data, err).rows());
        ClassifierTraining.Options options = new ClassifierTraining.Options(
                l2, lexicalL2, lexicalBits, iterations, 0.05, mathWeights, bothWrongTarget, bothRightTarget);
        if (folds > 0) {
            Progress bar = new Progress(err, Progress.wanted(reading.progress), "folds", folds);
            ClassifierTraining.Evaluation e = ClassifierTraining.crossValidate(rows, options, folds, bar::update);
            bar.done();
            o.print(e.toTable());
        }
        Map<String, String> provenance = new LinkedHashMap<>();
        provenance.put(
                "command",
                "policy-lab train --data " + data.getFileName() + " --out " + out.getFileName()
                        + " --folds " + folds + " --l2 " + l2 + " --lexical-l2 " + lexicalL2 + " --lexical-bits "
                        + lexicalBits
                        + " --iterations " + iterations + (mathWeights ? " --math-weights true" : "")
                        + " --both-wrong-target " + bothWrongTarget + " --both-right-target " + bothRightTarget);
        provenance.put("rows", Integer.toString(rows.size()));
        provenance.put(
                "target",
                "MATH: (level-1)/4; MMLU: weak wrong and strong right 1, weak right and strong wrong 0, "
                        + "both wrong " + bothWrongTarget + ", both right " + bothRightTarget
                        + "; sources weighted equally");
        provenance.put("data", "routing-dev.jsonl: RouteLLM eval files (Apache-2.0), MMLU (MIT), MATH (MIT)");
        ClassifierTraining.Trained trained = ClassifierTraining.train(rows, options, provenance);
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(out, trained.toJson() + "\n", StandardCharsets.UTF_8);
        o.println("wrote " + out + " (" + rows.size() + " rows)");
        o.flush();
        return ExitCodes.OK;
    }
}
