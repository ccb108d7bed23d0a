package dev.burstgate.policies.cli;

import dev.burstgate.policies.Tier;
import dev.burstgate.policies.classifier.ComplexityClassifier;
import dev.burstgate.policies.cost.PriceTable;
import dev.burstgate.policies.cost.TokenEstimate;
import dev.burstgate.policies.cost.Usage;
import dev.burstgate.policies.cost.Usd;
import dev.burstgate.policies.policy.Policy;
import dev.burstgate.policies.privacy.PiiDetector;
import dev.burstgate.policies.routing.Router;
import dev.burstgate.policies.simulation.PreparedTraffic;
import dev.burstgate.policies.simulation.SimulationConfig;
import dev.burstgate.policies.simulation.Simulator;
import dev.burstgate.policies.simulation.TrafficRecord;
import dev.burstgate.policies.tuning.QualityEstimate;
import dev.burstgate.policies.tuning.ThresholdProposal;
import dev.burstgate.policies.tuning.TunerSettings;
import dev.burstgate.policies.tuning.TuningReplay;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code tune --policy NAME|FILE --traffic labelled.jsonl --quality-target 0.95 --shadow-rate 0.05 --seed N
 * [--json]}: replays labelled traffic in arrival order through the tuner the gateway runs, which reads a row's
 * verdict only when it chose to shadow that row, and prints the thresholds it settles on.
 *
 * <p>For a policy with a cascade, the rows the settled thresholds send to local that carry a {@code local_confidence}
 * tune {@code escalate-below} the way the gateway does (the tuner sees {@code 1 − confidence} as the score; an answer
 * below it is escalated and counts as acceptable, a kept one by its labels), in a second replay with the same
 * settings and seed; the cost per 1,000 then counts each escalation at the local price plus the next tier's.
 */
@Command(
        name = "tune",
        mixinStandardHelpOptions = true,
        description = "Replay labelled traffic through the threshold tuner: it shadows at most --shadow-rate of the "
                + "requests, sees a row's verdict (local answer as good as cloud's) only when it shadowed that row, "
                + "and proposes the cheapest cloud-at whose lower confidence bound of quality meets "
                + "--quality-target.")
final class TuneCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--policy", required = true, description = "Policy NAME (preset or --policies-dir) or YAML FILE.")
    String policy;

    @Option(
            names = "--traffic",
            required = true,
            description = "Labelled traffic JSONL: prompt or messages with weak_correct and strong_correct (or "
                    + "correct{local,cloud}); rows without both labels are skipped. Optional ts orders arrivals; "
                    + "optional local_confidence tunes a cascade's escalate-below.")
    Path traffic;

    @Option(
            names = "--quality-target",
            defaultValue = "0.95",
            description = "Fraction of requests to answer acceptably, in (0, 1] (default: ${DEFAULT-VALUE}).")
    double qualityTarget;

    @Option(
            names = "--shadow-rate",
            defaultValue = "0.05",
            description = "Largest fraction of requests shadowed, in [0, 1] (default: ${DEFAULT-VALUE}).")
    double shadowRate;

    @Option(
            names = "--seed",
            defaultValue = "42",
            description = "Seed of the shadow draws (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(
            names = "--min-samples",
            defaultValue = "100",
            description = "Fewest verdicts below a threshold before it is proposed (default: ${DEFAULT-VALUE}).")
    int minSamples;

    @Option(
            names = "--confidence",
            defaultValue = "0.95",
            description = "One-sided confidence of the lower quality bound, in (0.5, 1) (default: ${DEFAULT-VALUE}).")
    double confidence;

    @Option(names = "--uniform", description = "Shadow uniformly instead of near the threshold (for comparison).")
    boolean uniform;

    @Option(names = "--json", description = "Print one JSON object (one line) instead of the table.")
    boolean json;

    @Option(names = "--policies-dir", description = "Extra policy directory (*.yaml, *.yml).")
    @Nullable
    Path policiesDir;

    @Option(names = "--price", description = "Override a tier's price per query, e.g. --price cloud=0.15 (repeatable).")
    @Nullable
    Map<String, String> prices;

    @Option(
            names = "--completion-tokens",
            defaultValue = "200",
            description = "Completion tokens for rows without completion_tokens (default: ${DEFAULT-VALUE}).")
    long completionTokens;

    @Option(names = "--model", description = "Classifier weights JSON (default: the bundled weights).")
    @Nullable
    Path model;

    @Mixin
    ReadOptions reading;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        TunerSettings settings = settings();
        PriceTable table = SimulationOptions.priceTable(prices, this);
        if (completionTokens < 0) {
            throw usage("--completion-tokens: must be >= 0 but was " + completionTokens);
        }
        Policy p = Policies.resolve(policy, Policies.registry(policiesDir));
        List<TrafficRecord> all = reading.read(traffic, err).rows();

        SimulationConfig config =
                SimulationConfig.defaults().withPrices(table).withDefaultCompletionTokens(completionTokens);
        ComplexityClassifier classifier =
                model == null ? ComplexityClassifier.bundled() : ComplexityClassifier.fromFile(model);
        Simulator sim = new Simulator(new Router(table), classifier, new PiiDetector(), config);
        Progress prep = new Progress(err, Progress.wanted(reading.progress), "classify", all.size());
        PreparedTraffic prepared = sim.prepare(all, prep::update);
        prep.done();

        // rows in arrival order that carry both labels of the pair; the labels stay here until a row is shadowed
        List<Integer> labelled = new ArrayList<>();
        boolean legacyLabelled = false;
        for (int i = 0; i < prepared.size(); i++) {
            TrafficRecord r = prepared.rows().get(i);
            if (r.correctOn(Tier.LOCAL) != null && r.correctOn(Tier.CLOUD) != null) {
                labelled.add(i);
            }
            legacyLabelled |=
                    r.tierCorrect().containsKey(Tier.LEGACY) || r.tierCorrect().containsKey(Tier.CLOUD);
        }
        if (labelled.isEmpty()) {
            err.println("policy-lab: " + traffic + ": no row has labels for both the local and the cloud tier "
                    + "(weak_correct and strong_correct, or correct.local and correct.cloud); tune needs them");
            err.flush();
            return ExitCodes.BAD_INPUT;
        }
        int n = labelled.size();
        double[] scores = new double[n];
        Usd[] local = new Usd[n];
        Usd[] cloud = new Usd[n];
        Usd[] legacy = new Usd[n];
        for (int k = 0; k < n; k++) {
            int i = labelled.get(k);
            TrafficRecord r = prepared.rows().get(i);
            scores[k] = prepared.complexity(i).score();
            Long tokens = r.completionTokens();
            Usage usage = new Usage(
                    TokenEstimate.promptTokens(r.chars()), tokens != null ? tokens : config.defaultCompletionTokens());
            local[k] = table.cost(Tier.LOCAL, usage);
            cloud[k] = table.cost(Tier.CLOUD, usage);
            legacy[k] = table.cost(Tier.LEGACY, usage);
        }

        TuningReplay.Result result = TuningReplay.run(
                scores,
                k -> {
                    TrafficRecord r = prepared.rows().get(labelled.get(k));
                    return acceptable(r);
                },
                settings,
                seed);
        ThresholdProposal proposal = result.proposal();

        Policy.Thresholds current = p.thresholds();
        Double threshold = proposal.threshold();
        boolean proposed = threshold != null;
        double cloudAt = threshold != null ? threshold : current.cloudAt();
        // Judged by weak/strong labels, a cloud answer is as good as legacy's: the cheapest legacy-at is none.
        // With per-tier labels for cloud or legacy the pair is not tuned yet, so the policy's legacy-at stays.
        @Nullable Double legacyAt = proposed && !legacyLabelled ? null : current.legacyAt();
        if (legacyAt != null && legacyAt < cloudAt) {
            legacyAt = cloudAt;
        }
        Policy.Thresholds settled = new Policy.Thresholds(cloudAt, legacyAt);

        // escalate-below, from the local-routed rows that carry a confidence
        Policy.Cascade cascade = p.cascade();
        List<Tier> next = p.fallbackFor(Tier.LOCAL);
        double[] confidences = new double[n];
        Usd[] escalated = new Usd[n];
        List<Integer> confident = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            Double c = prepared.rows().get(labelled.get(k)).localConfidence();
            confidences[k] = c == null ? Double.NaN : c;
            escalated[k] = next.isEmpty()
                    ? Usd.ZERO
                    : switch (next.getFirst()) {
                        case LOCAL -> Usd.ZERO;
                        case CLOUD -> cloud[k];
                        case LEGACY -> legacy[k];
                    };
            if (cascade != null && !next.isEmpty() && c != null && settled.tierFor(scores[k]) == Tier.LOCAL) {
                confident.add(k);
            }
        }
        @Nullable Double escalateNow = cascade == null || next.isEmpty() ? null : cascade.escalateBelow();
        @Nullable Double escalateBelow = null;
        @Nullable ThresholdProposal escalation = null;
        int[] escalationShadowed = new int[0];
        if (escalateNow != null && !confident.isEmpty()) {
            double[] inverted = new double[confident.size()];
            for (int j = 0; j < inverted.length; j++) {
                // just below 1 − confidence: an answer exactly at escalate-below is kept, as the cascade keeps it
                inverted[j] = Math.clamp(1.0 - confidences[confident.get(j)] - 1e-9, 0.0, 1.0);
            }
            TuningReplay.Result er = TuningReplay.run(
                    inverted, j -> acceptable(prepared.rows().get(labelled.get(confident.get(j)))), settings, seed);
            escalation = er.proposal();
            escalationShadowed = er.shadowed();
            Double t = escalation.threshold();
            if (t != null) {
                escalateBelow = Math.round((1.0 - t) * 100) / 100.0;
            }
        }
        @Nullable Double escalateSettled = escalateBelow != null ? escalateBelow : escalateNow;

        // What shadowing cost: each row shadowed by either replay pays one more answer, once. The other answer of the
        // pair: cloud for a request served locally, local for one served by cloud/legacy; for a row shadowed only to
        // tune escalate-below, the answer of the tier local escalates to.
        Usd shadowCost = Usd.ZERO;
        boolean[] shadowedRow = new boolean[n];
        int shadowCalls = 0;
        for (int k : result.shadowed()) {
            if (!shadowedRow[k]) {
                shadowedRow[k] = true;
                shadowCalls++;
                shadowCost = shadowCost.plus(current.tierFor(scores[k]) == Tier.LOCAL ? cloud[k] : local[k]);
            }
        }
        for (int j : escalationShadowed) {
            int k = confident.get(j);
            if (!shadowedRow[k]) {
                shadowedRow[k] = true;
                shadowCalls++;
                shadowCost = shadowCost.plus(escalated[k]);
            }
        }

        Usd costNow = cost(current, escalateNow, scores, confidences, local, cloud, legacy, escalated);
        Usd costSettled = cost(settled, escalateSettled, scores, confidences, local, cloud, legacy, escalated);
        QualityEstimate qualityNow = result.tuner().estimate(current.cloudAt());
        QualityEstimate quality = proposed ? proposal.quality() : qualityNow;
        int skipped = all.size() - n;

        if (json) {
            JsonMapper mapper = JsonMapper.builder().build();
            ObjectNode o = mapper.createObjectNode();
            o.put("policy", p.name());
            o.put("cloud_at", cloudAt);
            putNullable(o, "legacy_at", legacyAt);
            putNullable(o, "escalate_below", escalateBelow);
            if (escalation != null) {
                o.set("escalate_below_quality", estimate(mapper, escalation.quality()));
                o.put("escalate_below_verdicts", escalation.verdicts());
                o.put("escalate_below_reason", escalateReason(escalation, escalateBelow));
            }
            o.put("proposed", proposed);
            o.set("estimated_quality", estimate(mapper, quality));
            o.put("quality_target", qualityTarget);
            o.put("shadow_rate", shadowRate);
            o.put("requests", n);
            o.put("skipped_unlabelled", skipped);
            o.put("shadow_calls", shadowCalls);
            o.put("verdicts", proposal.verdicts());
            o.put("verdicts_below", proposal.verdictsBelow());
            o.put("shadow_cost_usd", money(shadowCost));
            o.put("cost_per_1000_usd", perThousand(costSettled, n));
            ObjectNode now = o.putObject("current");
            now.put("cloud_at", current.cloudAt());
            putNullable(now, "legacy_at", current.legacyAt());
            putNullable(now, "escalate_below", escalateNow);
            now.set("estimated_quality", estimate(mapper, qualityNow));
            now.put("cost_per_1000_usd", perThousand(costNow, n));
            o.put("reason", proposal.reason());
            out.println(mapper.writeValueAsString(o));
            out.flush();
            return ExitCodes.OK;
        }
        out.println("policy              " + p.name());
        out.println("requests            " + n + (skipped > 0 ? " (" + skipped + " rows without labels skipped)" : ""));
        out.println(String.format(
                Locale.ROOT,
                "shadowed            %d (%.2f%%), %d verdicts, shadow cost USD %s",
                shadowCalls,
                100.0 * shadowCalls / n,
                proposal.verdicts(),
                money(shadowCost).toPlainString()));
        out.println(String.format(Locale.ROOT, "%-20s%-26s%s", "", "current", proposed ? "proposed" : "kept"));
        out.println(
                String.format(Locale.ROOT, "%-20s%-26s%s", "cloud-at", fmt(current.cloudAt()), fmt(settled.cloudAt())));
        out.println(String.format(
                Locale.ROOT,
                "%-20s%-26s%s",
                "legacy-at",
                current.legacyAt() == null ? "-" : fmt(current.legacyAt()),
                (settled.legacyAt() == null ? "-" : fmt(settled.legacyAt()))
                        + (proposed && !legacyLabelled ? "  (cloud and legacy share the strong label)" : "")));
        out.println(String.format(
                Locale.ROOT,
                "%-20s%-26s%s",
                "escalate-below",
                escalateNow == null ? "-" : fmt(escalateNow),
                escalateNow == null
                        ? "-  (the policy has no cascade)"
                        : escalation == null
                                ? "-  (the traffic carries no local confidence)"
                                : (escalateSettled == null ? "-" : fmt(escalateSettled)) + "  ("
                                        + escalateReason(escalation, escalateBelow) + ")"));
        out.println(String.format(
                Locale.ROOT, "%-20s%-26s%s", "estimated quality", interval(qualityNow), interval(quality)));
        out.println(String.format(
                Locale.ROOT,
                "%-20s%-26s%s",
                "cost per 1,000 USD",
                perThousand(costNow, n).toPlainString(),
                perThousand(costSettled, n).toPlainString()));
        out.println("target              quality >= " + qualityTarget + " at " + confidence + " confidence, "
                + proposal.reason());
        out.flush();
        return ExitCodes.OK;
    }

    private static String escalateReason(ThresholdProposal p, @Nullable Double escalateBelow) {
        Double t = p.threshold();
        if (t == null || escalateBelow == null) {
            return p.reason();
        }
        if (t == 0.0) {
            return "no escalate-below under 1 keeps the lower bound: every answer escalates";
        }
        return String.format(
                Locale.ROOT,
                "lower bound %.4f with %d verdicts at confidence >= %s",
                p.quality().lower(),
                p.verdictsBelow(),
                fmt(escalateBelow));
    }

    /** The local answer is acceptable when it is as good as the cloud answer: right, or both wrong. */
    private static boolean acceptable(TrafficRecord r) {
        Boolean local = r.correctOn(Tier.LOCAL);
        Boolean cloud = r.correctOn(Tier.CLOUD);
        return Boolean.TRUE.equals(local) || !Boolean.TRUE.equals(cloud);
    }

    private TunerSettings settings() {
        if (!(qualityTarget > 0 && qualityTarget <= 1)) {
            throw usage("--quality-target: must be in (0, 1] but was " + qualityTarget);
        }
        if (!(shadowRate >= 0 && shadowRate <= 1)) {
            throw usage("--shadow-rate: must be in [0, 1] but was " + shadowRate);
        }
        if (minSamples < 1) {
            throw usage("--min-samples: must be >= 1 but was " + minSamples);
        }
        if (!(confidence > 0.5 && confidence < 1)) {
            throw usage("--confidence: must be in (0.5, 1) but was " + confidence);
        }
        return TunerSettings.of(qualityTarget, shadowRate)
                .withMinSamples(minSamples)
                .withConfidence(confidence)
                .withTargeted(!uniform);
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }

    /**
     * What the rows cost under {@code t}, with a local answer whose confidence is below {@code escalateBelow} (when
     * set) paying the next tier's price on top.
     */
    private static Usd cost(
            Policy.Thresholds t,
            @Nullable Double escalateBelow,
            double[] scores,
            double[] confidences,
            Usd[] local,
            Usd[] cloud,
            Usd[] legacy,
            Usd[] escalated) {
        Usd sum = Usd.ZERO;
        for (int k = 0; k < scores.length; k++) {
            Tier tier = t.tierFor(scores[k]);
            sum = sum.plus(
                    switch (tier) {
                        case LOCAL -> local[k];
                        case CLOUD -> cloud[k];
                        case LEGACY -> legacy[k];
                    });
            if (tier == Tier.LOCAL && escalateBelow != null && confidences[k] < escalateBelow) {
                sum = sum.plus(escalated[k]);
            }
        }
        return sum;
    }

    private static BigDecimal money(Usd usd) {
        return usd.amount().setScale(6, RoundingMode.HALF_UP);
    }

    private static BigDecimal perThousand(Usd total, int n) {
        return total.amount().multiply(BigDecimal.valueOf(1000)).divide(BigDecimal.valueOf(n), 6, RoundingMode.HALF_UP);
    }

    private static ObjectNode estimate(JsonMapper mapper, QualityEstimate q) {
        ObjectNode e = mapper.createObjectNode();
        e.put("value", round(q.value()));
        e.put("lower", round(q.lower()));
        e.put("upper", round(q.upper()));
        e.put("confidence", q.confidence());
        return e;
    }

    private static void putNullable(ObjectNode o, String field, @Nullable Double value) {
        if (value == null) {
            o.putNull(field);
        } else {
            o.put(field, value);
        }
    }

    private static double round(double v) {
        return Math.round(v * 1_000_000) / 1_000_000.0;
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }

    private static String interval(QualityEstimate q) {
        return String.format(Locale.ROOT, "%.4f [%.4f, %.4f]", q.value(), q.lower(), q.upper());
    }
}
