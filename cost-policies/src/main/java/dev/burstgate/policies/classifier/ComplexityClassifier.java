package dev.burstgate.policies.classifier;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Scores how demanding a conversation is, from 0 (trivial) to 1 (hard), with a logistic model over prompt features
 * (size, code, math, reasoning cues, multi-part asks and constraints, structured-output asks, language, vocabulary).
 *
 * <p>Immutable, thread-safe and deterministic: the same messages always give the same {@link Complexity}. Any input
 * is safe; at most {@link #MAX_ANALYSED_CHARS} characters are analysed (the last user message first), the rest only
 * counts towards size, and the result says so ({@link Complexity#truncated()} and a reason).
 *
 * <pre>{@code
 * ComplexityClassifier classifier = ComplexityClassifier.bundled();
 * Complexity c = classifier.classify(List.of(ChatMessage.user("Prove that sqrt(2) is irrational.")));
 * }</pre>
 */
public final class ComplexityClassifier {

    /** Characters analysed per conversation (16 KB); longer conversations are analysed up to this prefix. */
    public static final int MAX_ANALYSED_CHARS = FeatureExtractor.MAX_ANALYSED_CHARS;

    /** The classpath resource holding the bundled weights. */
    public static final String BUNDLED_RESOURCE = "/dev/burstgate/policies/classifier/complexity-model.json";

    private static final int MAX_REASONS = 3;

    private final LogisticModel model;
    private final FeatureExtractor extractor = new FeatureExtractor();

    ComplexityClassifier(LogisticModel model) {
        this.model = Objects.requireNonNull(model, "model");
    }

    /** The classifier with the weights shipped in this library (fitted on the routing dev set). */
    public static ComplexityClassifier bundled() {
        InputStream in = ComplexityClassifier.class.getResourceAsStream(BUNDLED_RESOURCE);
        if (in == null) {
            throw new IllegalStateException("missing classpath resource " + BUNDLED_RESOURCE);
        }
        return new ComplexityClassifier(LogisticModel.read(in, BUNDLED_RESOURCE));
    }

    /**
     * A classifier with weights from a file written by {@code policy-lab train}.
     *
     * @throws IllegalArgumentException naming the file and field when the file is not a valid weights file
     */
    public static ComplexityClassifier fromFile(Path weights) {
        try {
            return new ComplexityClassifier(LogisticModel.read(Files.newInputStream(weights), weights.toString()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read classifier weights " + weights, e);
        }
    }

    /** Where the weights came from (the training command, data, date), as recorded in the weights file. */
    public Map<String, Object> provenance() {
        return model.provenance;
    }

    /** Scores a single user prompt. */
    public Complexity classify(String prompt) {
        return classify(List.of(ChatMessage.user(prompt)));
    }

    /** Scores a conversation. */
    public Complexity classify(List<ChatMessage> messages) {
        double[] x = new double[Feature.COUNT];
        LexicalSum lex = new LexicalSum(model);
        FeatureExtractor.Scan scan = extractor.extract(messages, x, lex);
        double[] contribution = new double[Feature.COUNT];
        boolean math = x[Feature.MATH_CONTEXT.ordinal()] > 0.5;
        double[] w = math ? model.mathWeight : model.weight;
        double z = model.bias + (math ? model.mathBias : 0.0);
        for (int i = 0; i < Feature.COUNT; i++) {
            double c = w[i] * Feature.clip((x[i] - model.mean[i]) / model.std[i]);
            contribution[i] = c;
            z += c;
        }
        double lexical = lex.mean();
        z += lexical;
        double score = 1.0 / (1.0 + Math.exp(-z));
        if (!(score >= 0.0 && score <= 1.0)) {
            score = 0.5;
        }
        return new Complexity(score, reasons(x, contribution, lexical, score, scan), scan.truncated());
    }

    /**
     * Up to three features that pushed the score the way it went (up when the score is at least 0.5, down otherwise),
     * strongest first, in plain words chosen by whether the feature is above or below its average.
     */
    private List<String> reasons(
            double[] x, double[] contribution, double lexical, double score, FeatureExtractor.Scan scan) {
        List<String> reasons = new ArrayList<>(MAX_REASONS + 1);
        double direction = score >= 0.5 ? 1.0 : -1.0;
        boolean[] used = new boolean[Feature.COUNT];
        boolean options = x[Feature.OPTION_TOKENS.ordinal()] > 0;
        for (Feature f : Feature.ALL) {
            used[f.ordinal()] = f.optionsOnly && !options; // no option list: its features are not a reason
        }
        boolean lexicalUsed = false;
        while (reasons.size() < MAX_REASONS) {
            int best = -1;
            double bestValue = 0.05;
            for (int i = 0; i < Feature.COUNT; i++) {
                double v = contribution[i] * direction;
                if (!used[i] && v > bestValue) {
                    best = i;
                    bestValue = v;
                }
            }
            if (!lexicalUsed && lexical * direction > bestValue) {
                lexicalUsed = true;
                reasons.add(lexical > 0 ? "wording typical of hard prompts" : "wording typical of easy prompts");
                continue;
            }
            if (best < 0) {
                break;
            }
            used[best] = true;
            Feature f = Feature.ALL[best];
            String words = x[best] > model.mean[best] ? f.highWords : f.lowWords;
            if (f == Feature.TOKENS) {
                words = words + " (~" + scan.estimatedTokens() + " tokens)";
            }
            if (!reasons.contains(words)) {
                reasons.add(words);
            }
        }
        if (scan.truncated()) {
            reasons.add("analysed first " + (MAX_ANALYSED_CHARS / 1024) + " KB of " + kb(scan.totalChars()));
        }
        return reasons;
    }

    private static String kb(long chars) {
        return chars >= 1024 * 1024 ? (chars / (1024 * 1024)) + " MB" : (chars / 1024) + " KB";
    }

    /** Sums lexical weights over the analysed words. */
    private static final class LexicalSum implements FeatureExtractor.WordSink {
        private final LogisticModel model;
        private double sum;
        private int count;

        LexicalSum(LogisticModel model) {
            this.model = model;
        }

        @Override
        public void word(long hash) {
            int b = model.bucket(hash);
            if (b >= 0) {
                sum += model.lexical[b];
            }
            count++;
        }

        double mean() {
            return count == 0 ? 0.0 : sum / count;
        }
    }
}
