package dev.burstgate.policies.cli;

import dev.burstgate.policies.Tier;
import dev.burstgate.policies.classifier.Complexity;
import dev.burstgate.policies.classifier.ComplexityClassifier;
import dev.burstgate.policies.policy.Policy;
import dev.burstgate.policies.simulation.TrafficRecord;
import java.io.BufferedWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** {@code classify --in prompts.jsonl --out scores.jsonl}. */
@Command(
        name = "classify",
        mixinStandardHelpOptions = true,
        description = "Score prompts: one "
                + "{\"id\",\"score\",\"tier\",\"reasons\"} line per input line, in order. The tier is the one the policy's "
                + "score thresholds pick.")
final class ClassifyCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--in", required = true, description = "JSONL with {\"id\",\"prompt\"} or {\"id\",\"messages\"}.")
    Path in;

    @Option(names = "--out", required = true, description = "Where to write the scores JSONL.")
    Path out;

    @Option(
            names = "--policy",
            defaultValue = "balanced",
            description = "Policy NAME or FILE whose thresholds give " + "the tier column (default: ${DEFAULT-VALUE}).")
    String policy;

    @Option(names = "--policies-dir", description = "Extra policy directory (*.yaml, *.yml).")
    @Nullable
    Path policiesDir;

    @Option(names = "--model", description = "Weights JSON from 'train' (default: the bundled weights).")
    @Nullable
    Path model;

    @Mixin
    ReadOptions reading;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        Policy p = Policies.resolve(policy, Policies.registry(policiesDir));
        ComplexityClassifier classifier =
                model == null ? ComplexityClassifier.bundled() : ComplexityClassifier.fromFile(model);
        long started = System.nanoTime();
        List<TrafficRecord> rows = reading.read(in, err).rows();
        JsonMapper mapper = JsonMapper.builder().build();
        Progress bar = new Progress(err, Progress.wanted(reading.progress), "classify", rows.size());
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try (BufferedWriter w = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
            int i = 0;
            for (TrafficRecord r : rows) {
                Complexity c = classifier.classify(r.messages());
                ObjectNode node = mapper.createObjectNode();
                node.put("id", r.id());
                node.put("score", Math.round(c.score() * 10000) / 10000.0);
                Tier tier = p.thresholds().tierFor(c.score());
                node.put("tier", tier.label());
                ArrayNode reasons = node.putArray("reasons");
                c.reasons().forEach(reasons::add);
                if (c.truncated()) {
                    node.put("truncated", true);
                }
                w.write(mapper.writeValueAsString(node));
                w.write('\n');
                if ((++i & 511) == 0) {
                    bar.update(i);
                }
            }
        }
        bar.done();
        long ms = (System.nanoTime() - started) / 1_000_000;
        spec.commandLine().getOut().println("classified " + rows.size() + " prompts in " + ms + " ms → " + out);
        return ExitCodes.OK;
    }
}
