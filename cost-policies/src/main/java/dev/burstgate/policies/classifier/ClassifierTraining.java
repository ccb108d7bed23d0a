package dev.burstgate.policies.classifier;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.IntConsumer;

/**
 * Fits the classifier's logistic model and measures it with subject-grouped cross-validation.
 *
 * <p>Target: one number in [0, 1] per row ({@link LabelledPrompt#target()}): MATH level scaled to [0, 1] and, for
 * MMLU, whether the weak model got it wrong. Both ask the same question — "would a small model struggle?" — on two
 * scales; each source gets the same total weight so the larger one does not drown the other. The loss is weighted
 * cross-entropy with soft targets plus L2 towards each feature's prior weight ({@link Feature}), minimised by
 * full-batch Adam; deterministic. Features are standardised with a floor on the spread and clipped to ±4 standard
 * deviations, so a feature that barely varies in the training rows (code, other scripts) cannot dominate a prompt
 * from another source.
 */
public final class ClassifierTraining {

    private ClassifierTraining() {}

    /**
     * Training settings.
     *
     * @param l2 L2 penalty on the standardised feature weights
     * @param lexicalL2 L2 penalty on the word-bucket weights
     * @param lexicalBits log2 of the number of word buckets; 0 disables the lexical part
     * @param iterations Adam iterations
     * @param learningRate Adam step size
     * @param mathWeights fit a separate set of feature weights for math problems (LaTeX or $ present)
     * @param bothWrongTarget target of a row both models got wrong (see {@link LabelledPrompt#target(double, double)})
     * @param bothRightTarget target of a row both models got right
     */
    public record Options(
            double l2,
            double lexicalL2,
            int lexicalBits,
            int iterations,
            double learningRate,
            boolean mathWeights,
            double bothWrongTarget,
            double bothRightTarget) {

        public static Options defaults() {
            return new Options(1e-2, 3e-5, 12, 400, 0.05, false, 1.0, 0.0);
        }

        public Options(double l2, double lexicalL2, int lexicalBits, int iterations, double learningRate) {
            this(l2, lexicalL2, lexicalBits, iterations, learningRate, false, 1.0, 0.0);
        }

        public Options {
            if (!(l2 >= 0)) {
                throw new IllegalArgumentException("l2 must be >= 0 but was " + l2);
            }
            if (!(lexicalL2 >= 0)) {
                throw new IllegalArgumentException("lexicalL2 must be >= 0 but was " + lexicalL2);
            }
            if (lexicalBits < 0 || lexicalBits > 20) {
                throw new IllegalArgumentException("lexicalBits must be in 0..20 but was " + lexicalBits);
            }
            if (iterations < 1) {
                throw new IllegalArgumentException("iterations must be >= 1 but was " + iterations);
            }
            if (!(bothWrongTarget >= 0 && bothWrongTarget <= 1)) {
                throw new IllegalArgumentException("bothWrongTarget must be in 0..1 but was " + bothWrongTarget);
            }
            if (!(bothRightTarget >= 0 && bothRightTarget <= 1)) {
                throw new IllegalArgumentException("bothRightTarget must be in 0..1 but was " + bothRightTarget);
            }
            if (!(learningRate > 0)) {
                throw new IllegalArgumentException("learningRate must be > 0 but was " + learningRate);
            }
        }
    }

    /** A fitted model. */
    public static final class Trained {
        private final LogisticModel model;

        Trained(LogisticModel model) {
            this.model = model;
        }

        /** The weights file content, as read by {@link ComplexityClassifier#fromFile}. */
        public String toJson() {
            return model.toJson();
        }

        public ComplexityClassifier classifier() {
            return new ComplexityClassifier(model);
        }
    }

    /**
     * Cross-validated figures on the dev set.
     *
     * @param folds number of subject-grouped folds
     * @param mathAuc AUC of the out-of-fold score for MATH level 4-5 against level 1-2
     * @param weakWrongAuc AUC of the out-of-fold score for "weak model wrong" on rows with weak/strong labels
     * @param qualityRouted accuracy when the lower-scored half goes to the weak model and the rest to the strong one
     * @param qualityRandom expected accuracy of a random split of the same size
     * @param qualityAllStrong accuracy when everything goes to the strong model
     * @param qualityAllWeak accuracy when everything goes to the weak model
     * @param lengthMathAuc the same for a length-only score
     * @param lengthWeakWrongAuc the same for a length-only score
     * @param lengthQualityRouted the same for a length-only score
     */
    public record Evaluation(
            int folds,
            int mathRows,
            int labelledRows,
            double mathAuc,
            double weakWrongAuc,
            double qualityRouted,
            double qualityRandom,
            double qualityAllStrong,
            double qualityAllWeak,
            double lengthMathAuc,
            double lengthWeakWrongAuc,
            double lengthQualityRouted) {

        /** A small plain-text table. */
        public String toTable() {
            return String.format(
                    java.util.Locale.ROOT,
                    "subject-grouped %d-fold cross-validation (out-of-fold scores)%n"
                            + "%-48s %10s %12s%n"
                            + "%-48s %10.3f %12.3f%n"
                            + "%-48s %10.3f %12.3f%n"
                            + "%-48s %10.4f %12.4f%n"
                            + "%-48s %10.4f %12.4f%n"
                            + "%-48s %10.4f %12s%n"
                            + "%-48s %10.4f %12s%n"
                            + "%-48s %10.1f%% %11.1f%%%n"
                            + "%-48s %10.1f%% %11s%n",
                    folds,
                    "",
                    "classifier",
                    "length-only",
                    "MATH AUC, level 4-5 vs 1-2 (" + mathRows + " math rows)",
                    mathAuc,
                    lengthMathAuc,
                    "MMLU AUC, weak model wrong (" + labelledRows + " rows)",
                    weakWrongAuc,
                    lengthWeakWrongAuc,
                    "accuracy, lower-scored half to weak model",
                    qualityRouted,
                    lengthQualityRouted,
                    "accuracy, random half to weak model",
                    qualityRandom,
                    qualityRandom,
                    "accuracy, all strong",
                    qualityAllStrong,
                    "",
                    "accuracy, all weak",
                    qualityAllWeak,
                    "",
                    "quality kept vs all strong (routed)",
                    100 * qualityRouted / qualityAllStrong,
                    100 * lengthQualityRouted / qualityAllStrong,
                    "quality kept vs all strong (random split)",
                    100 * qualityRandom / qualityAllStrong,
                    "");
        }
    }

    /** Fits on every labelled row. */
    public static Trained train(List<LabelledPrompt> rows, Options options, Map<String, String> provenance) {
        Prepared p = prepare(rows, options);
        int[] all = new int[p.size()];
        Arrays.setAll(all, i -> i);
        LogisticModel model = fit(p, all, options, provenance);
        return new Trained(model);
    }

    /**
     * Holds whole subjects out: subjects are dealt to {@code folds} folds (largest first, each to the currently
     * smallest fold), a model is fitted on the other folds, and the held-out fold is scored.
     *
     * @param progress called with the number of folds done
     */
    public static Evaluation crossValidate(
            List<LabelledPrompt> rows, Options options, int folds, IntConsumer progress) {
        if (folds < 2) {
            throw new IllegalArgumentException("folds must be >= 2 but was " + folds);
        }
        Prepared p = prepare(rows, options);
        int[] foldOf = assignFolds(p.rows, folds);
        double[] oof = new double[p.size()];
        for (int k = 0; k < folds; k++) {
            final int fold = k;
            int[] train = java.util.stream.IntStream.range(0, p.size())
                    .filter(i -> foldOf[i] != fold)
                    .toArray();
            LogisticModel model = fit(p, train, options, Map.of());
            ComplexityClassifier c = new ComplexityClassifier(model);
            for (int i = 0; i < p.size(); i++) {
                if (foldOf[i] == fold) {
                    oof[i] = c.classify(p.rows.get(i).messages()).score();
                }
            }
            progress.accept(k + 1);
        }
        double[] length = new double[p.size()];
        for (int i = 0; i < p.size(); i++) {
            length[i] = p.dense[i][Feature.TOKENS.ordinal()];
        }
        return evaluate(p.rows, oof, length, folds);
    }

    /** Scores {@code rows} with a fixed classifier and reports the same figures (no fitting). */
    public static Evaluation evaluate(List<LabelledPrompt> rows, ComplexityClassifier classifier) {
        Prepared p = prepare(rows, Options.defaults());
        double[] s = new double[p.size()];
        double[] length = new double[p.size()];
        for (int i = 0; i < p.size(); i++) {
            s[i] = classifier.classify(p.rows.get(i).messages()).score();
            length[i] = p.dense[i][Feature.TOKENS.ordinal()];
        }
        return evaluate(p.rows, s, length, 0);
    }

    static Evaluation evaluate(List<LabelledPrompt> rows, double[] score, double[] length, int folds) {
        List<Integer> math = new ArrayList<>();
        List<Integer> labelled = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            LabelledPrompt r = rows.get(i);
            if (r.level() != null && r.level() != 3) {
                math.add(i);
            }
            if (r.weakCorrect() != null && r.strongCorrect() != null) {
                labelled.add(i);
            }
        }
        double mathAuc = auc(math, score, i -> level(rows.get(i)) >= 4);
        double lenMathAuc = auc(math, length, i -> level(rows.get(i)) >= 4);
        double weakAuc = auc(labelled, score, i -> !weakCorrect(rows.get(i)));
        double lenWeakAuc = auc(labelled, length, i -> !weakCorrect(rows.get(i)));
        double routed = routedAccuracy(rows, labelled, score);
        double lenRouted = routedAccuracy(rows, labelled, length);
        int n = labelled.size();
        int weakHalf = n / 2;
        double weakAcc = 0;
        double strongAcc = 0;
        for (int i : labelled) {
            weakAcc += weakCorrect(rows.get(i)) ? 1 : 0;
            strongAcc += strongCorrect(rows.get(i)) ? 1 : 0;
        }
        weakAcc = n == 0 ? Double.NaN : weakAcc / n;
        strongAcc = n == 0 ? Double.NaN : strongAcc / n;
        double random = n == 0 ? Double.NaN : (weakHalf * weakAcc + (n - weakHalf) * strongAcc) / n;
        return new Evaluation(
                folds,
                math.size(),
                n,
                mathAuc,
                weakAuc,
                routed,
                random,
                strongAcc,
                weakAcc,
                lenMathAuc,
                lenWeakAuc,
                lenRouted);
    }

    /** The level of a row counted as a math row (those have one). */
    private static int level(LabelledPrompt r) {
        return Objects.requireNonNull(r.level(), "level");
    }

    /** The weak model's label of a labelled row (those have both). */
    private static boolean weakCorrect(LabelledPrompt r) {
        return Objects.requireNonNull(r.weakCorrect(), "weakCorrect");
    }

    /** The strong model's label of a labelled row (those have both). */
    private static boolean strongCorrect(LabelledPrompt r) {
        return Objects.requireNonNull(r.strongCorrect(), "strongCorrect");
    }

    private static double routedAccuracy(List<LabelledPrompt> rows, List<Integer> labelled, double[] score) {
        if (labelled.isEmpty()) {
            return Double.NaN;
        }
        List<Integer> order = new ArrayList<>(labelled);
        order.sort(Comparator.<Integer>comparingDouble(i -> score[i])
                .thenComparing(i -> rows.get(i).id()));
        int weakHalf = order.size() / 2;
        double correct = 0;
        for (int k = 0; k < order.size(); k++) {
            LabelledPrompt r = rows.get(order.get(k));
            correct += (k < weakHalf ? weakCorrect(r) : strongCorrect(r)) ? 1 : 0;
        }
        return correct / order.size();
    }

    /** Mann-Whitney AUC with ties counted half. */
    static double auc(List<Integer> idx, double[] score, java.util.function.IntPredicate positive) {
        int n = idx.size();
        if (n == 0) {
            return Double.NaN;
        }
        Integer[] order = idx.toArray(new Integer[0]);
        Arrays.sort(order, Comparator.comparingDouble(i -> score[i]));
        double rankSumPos = 0;
        long pos = 0;
        int i = 0;
        while (i < n) {
            int j = i;
            while (j + 1 < n && score[order[j + 1]] == score[order[i]]) {
                j++;
            }
            double avgRank = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) {
                if (positive.test(order[k])) {
                    rankSumPos += avgRank;
                    pos++;
                }
            }
            i = j + 1;
        }
        long neg = n - pos;
        if (pos == 0 || neg == 0) {
            return Double.NaN;
        }
        return (rankSumPos - pos * (pos + 1) / 2.0) / ((double) pos * neg);
    }

    static int[] assignFolds(List<LabelledPrompt> rows, int folds) {
        Map<String, Integer> sizes = new TreeMap<>();
        for (LabelledPrompt r : rows) {
            sizes.merge(r.source() + "/" + r.subject(), 1, Integer::sum);
        }
        List<Map.Entry<String, Integer>> subjects = new ArrayList<>(sizes.entrySet());
        subjects.sort(
                Map.Entry.<String, Integer>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()));
        long[] load = new long[folds];
        Map<String, Integer> foldOfSubject = new HashMap<>();
        for (Map.Entry<String, Integer> e : subjects) {
            int best = 0;
            for (int k = 1; k < folds; k++) {
                if (load[k] < load[best]) {
                    best = k;
                }
            }
            load[best] += e.getValue();
            foldOfSubject.put(e.getKey(), best);
        }
        int[] foldOf = new int[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            // every row's subject got a fold above
            foldOf[i] = Objects.requireNonNull(
                    foldOfSubject.get(rows.get(i).source() + "/" + rows.get(i).subject()));
        }
        return foldOf;
    }

    /** Features computed once per row. */
    private record Prepared(
            List<LabelledPrompt> rows,
            double[][] dense,
            int[][] lexBuckets,
            double[][] lexValues,
            double[] target,
            double[] weight) {
        int size() {
            return rows.size();
        }
    }

    private static Prepared prepare(List<LabelledPrompt> all, Options options) {
        List<LabelledPrompt> rows =
                all.stream().filter(r -> !Double.isNaN(r.target())).toList();
        int n = rows.size();
        double[][] dense = new double[n][];
        int[][] buckets = new int[n][];
        double[][] values = new double[n][];
        double[] target = new double[n];
        double[] weight = new double[n];
        FeatureExtractor extractor = new FeatureExtractor();
        int mask = options.lexicalBits() == 0 ? 0 : (1 << options.lexicalBits()) - 1;
        Map<String, Integer> perSource = new LinkedHashMap<>();
        for (LabelledPrompt r : rows) {
            perSource.merge(r.source(), 1, Integer::sum);
        }
        for (int i = 0; i < n; i++) {
            LabelledPrompt r = rows.get(i);
            dense[i] = new double[Feature.COUNT];
            Map<Integer, Integer> counts = new TreeMap<>();
            int[] words = {0};
            extractor.extract(r.messages(), dense[i], h -> {
                words[0]++;
                if (mask != 0) {
                    counts.merge(FeatureExtractor.bucket(h, options.lexicalBits()), 1, Integer::sum);
                }
            });
            buckets[i] = counts.keySet().stream().mapToInt(Integer::intValue).toArray();
            values[i] = counts.values().stream()
                    .mapToDouble(c -> (double) c / words[0])
                    .toArray();
            target[i] = r.target(options.bothWrongTarget(), options.bothRightTarget());
            // every row's source was counted above
            weight[i] = (double) n / (perSource.size() * Objects.requireNonNull(perSource.get(r.source())));
        }
        return new Prepared(rows, dense, buckets, values, target, weight);
    }

    private static LogisticModel fit(Prepared p, int[] train, Options o, Map<String, String> provenance) {
        int d = Feature.COUNT;
        double[] mean = new double[d];
        double[] std = new double[d];
        double wsum = 0;
        for (int i : train) {
            wsum += p.weight[i];
            for (int j = 0; j < d; j++) {
                mean[j] += p.weight[i] * p.dense[i][j];
            }
        }
        for (int j = 0; j < d; j++) {
            mean[j] /= wsum;
        }
        for (int i : train) {
            for (int j = 0; j < d; j++) {
                double dv = p.dense[i][j] - mean[j];
                std[j] += p.weight[i] * dv * dv;
            }
        }
        for (int j = 0; j < d; j++) {
            std[j] = Math.max(Feature.MIN_STD, Math.sqrt(std[j] / wsum));
        }
        double[][] z = new double[p.size()][];
        for (int i : train) {
            z[i] = new double[d];
            for (int j = 0; j < d; j++) {
                z[i][j] = Feature.clip((p.dense[i][j] - mean[j]) / std[j]);
            }
        }
        int lexSize = o.lexicalBits() == 0 ? 0 : 1 << o.lexicalBits();
        // theta: [bias, mathBias, general weights (d), math weights (d), lexical (lexSize)]
        int lexBase = 2 + 2 * d;
        int params = lexBase + lexSize;
        boolean[] math = new boolean[p.size()];
        for (int i : train) {
            math[i] = o.mathWeights() && p.dense[i][Feature.MATH_CONTEXT.ordinal()] > 0.5;
        }
        double[] theta = new double[params];
        for (Feature f : Feature.ALL) {
            theta[2 + f.ordinal()] = f.prior;
            theta[2 + d + f.ordinal()] = f.prior;
        }
        double[] m = new double[params];
        double[] v = new double[params];
        double[] grad = new double[params];
        double beta1 = 0.9;
        double beta2 = 0.999;
        for (int it = 1; it <= o.iterations(); it++) {
            Arrays.fill(grad, 0);
            for (int i : train) {
                int wb = math[i] ? 2 + d : 2;
                double s = theta[0] + (math[i] ? theta[1] : 0.0);
                for (int j = 0; j < d; j++) {
                    s += theta[wb + j] * z[i][j];
                }
                int[] b = p.lexBuckets[i];
                double[] val = p.lexValues[i];
                for (int k = 0; k < b.length; k++) {
                    s += theta[lexBase + b[k]] * val[k];
                }
                double pred = 1.0 / (1.0 + Math.exp(-s));
                double g = p.weight[i] * (pred - p.target[i]) / wsum;
                grad[0] += g;
                if (math[i]) {
                    grad[1] += g;
                }
                for (int j = 0; j < d; j++) {
                    grad[wb + j] += g * z[i][j];
                }
                for (int k = 0; k < b.length; k++) {
                    grad[lexBase + b[k]] += g * val[k];
                }
            }
            for (int j = 2; j < lexBase; j++) {
                grad[j] += o.l2() * (theta[j] - Feature.ALL[(j - 2) % d].prior);
            }
            for (int k = lexBase; k < params; k++) {
                grad[k] += o.lexicalL2() * theta[k];
            }
            double c1 = 1 - Math.pow(beta1, it);
            double c2 = 1 - Math.pow(beta2, it);
            for (int q = 0; q < params; q++) {
                m[q] = beta1 * m[q] + (1 - beta1) * grad[q];
                v[q] = beta2 * v[q] + (1 - beta2) * grad[q] * grad[q];
                theta[q] -= o.learningRate() * (m[q] / c1) / (Math.sqrt(v[q] / c2) + 1e-8);
            }
        }
        double[] weight = Arrays.copyOfRange(theta, 2, 2 + d);
        double[] mathWeight = o.mathWeights() ? Arrays.copyOfRange(theta, 2 + d, 2 + 2 * d) : weight.clone();
        double mathBias = o.mathWeights() ? theta[1] : 0.0;
        double[] lexical = Arrays.copyOfRange(theta, lexBase, params);
        Map<String, Object> prov = new LinkedHashMap<>(Objects.requireNonNull(provenance));
        return new LogisticModel(theta[0], mathBias, mean, std, weight, mathWeight, o.lexicalBits(), lexical, prov);
    }
}
