package dev.burstgate.policies.classifier;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The fitted weights: a bias and a standardised weight per {@link Feature} for general prompts, another set for math
 * problems (prompts with LaTeX or dollar-delimited math, where the same feature can mean something else), and a
 * lexical table of word-bucket weights
 * whose mean over the prompt's words is added to the logit. Immutable once built.
 */
final class LogisticModel {

    static final int FORMAT = 2;

    final double bias;
    final double mathBias;
    final double[] mean;
    final double[] std;
    final double[] weight;
    final double[] mathWeight;
    final int lexicalBits;
    final double[] lexical;
    final Map<String, Object> provenance;

    LogisticModel(
            double bias,
            double mathBias,
            double[] mean,
            double[] std,
            double[] weight,
            double[] mathWeight,
            int lexicalBits,
            double[] lexical,
            Map<String, Object> provenance) {
        if (mean.length != Feature.COUNT
                || std.length != Feature.COUNT
                || weight.length != Feature.COUNT
                || mathWeight.length != Feature.COUNT) {
            throw new IllegalArgumentException("expected " + Feature.COUNT + " feature weights");
        }
        if (lexicalBits < 0 || lexicalBits > 20 || lexical.length != (lexicalBits == 0 ? 0 : 1 << lexicalBits)) {
            throw new IllegalArgumentException("lexical table must have 2^lexicalBits entries but lexicalBits was "
                    + lexicalBits + " and the table has " + lexical.length);
        }
        this.bias = bias;
        this.mathBias = mathBias;
        this.mean = mean.clone();
        this.std = std.clone();
        this.weight = weight.clone();
        this.mathWeight = mathWeight.clone();
        this.lexicalBits = lexicalBits;
        this.lexical = lexical.clone();
        this.provenance = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(provenance));
    }

    int bucket(long wordKey) {
        return lexicalBits == 0 ? -1 : FeatureExtractor.bucket(wordKey, lexicalBits);
    }

    static LogisticModel read(InputStream in, String source) {
        JsonNode root;
        try (in) {
            root = JsonMapper.builder().build().readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read classifier weights " + source, e);
        } catch (JacksonException e) {
            throw new IllegalArgumentException(
                    "classifier weights " + source + " are not valid JSON: " + e.getOriginalMessage(), e);
        }
        int format = root.path("format").asInt(-1);
        if (format != FORMAT) {
            throw new IllegalArgumentException("classifier weights " + source + ": field 'format' must be " + FORMAT
                    + " but was " + root.path("format"));
        }
        double[] mean = new double[Feature.COUNT];
        double[] std = new double[Feature.COUNT];
        double[] weight = new double[Feature.COUNT];
        double[] mathWeight = new double[Feature.COUNT];
        boolean[] seen = new boolean[Feature.COUNT];
        for (JsonNode f : root.path("features")) {
            String name = f.path("name").asString("");
            Feature feature;
            try {
                feature = Feature.byKey(name);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        "classifier weights " + source + ": field 'features[].name' has unknown " + "value '" + name
                                + "'",
                        e);
            }
            mean[feature.ordinal()] = f.path("mean").asDouble();
            std[feature.ordinal()] = f.path("std").asDouble(1.0);
            weight[feature.ordinal()] = f.path("weight").asDouble();
            mathWeight[feature.ordinal()] = f.path("math_weight").asDouble(weight[feature.ordinal()]);
            if (!(std[feature.ordinal()] > 0)) {
                throw new IllegalArgumentException("classifier weights " + source + ": field 'features[" + name
                        + "].std' must be > 0 but was " + std[feature.ordinal()]);
            }
            seen[feature.ordinal()] = true;
        }
        for (Feature f : Feature.ALL) {
            if (!seen[f.ordinal()]) {
                throw new IllegalArgumentException(
                        "classifier weights " + source + ": field 'features' misses '" + f.key + "'");
            }
        }
        JsonNode lex = root.path("lexical");
        int bits = lex.path("bits").asInt(0);
        double[] table = new double[bits == 0 ? 0 : 1 << bits];
        JsonNode values = lex.path("weights");
        if (values.size() != table.length) {
            throw new IllegalArgumentException("classifier weights " + source + ": field 'lexical.weights' must have "
                    + table.length + " entries but had " + values.size());
        }
        for (int i = 0; i < table.length; i++) {
            table[i] = values.get(i).asDouble();
        }
        Map<String, Object> provenance = new LinkedHashMap<>();
        root.path("provenance")
                .properties()
                .forEach(e -> provenance.put(e.getKey(), e.getValue().asString("")));
        return new LogisticModel(
                root.path("bias").asDouble(),
                root.path("math_bias").asDouble(),
                mean,
                std,
                weight,
                mathWeight,
                bits,
                table,
                provenance);
    }

    String toJson() {
        JsonMapper mapper = JsonMapper.builder().build();
        ObjectNode root = mapper.createObjectNode();
        root.put("format", FORMAT);
        ObjectNode prov = root.putObject("provenance");
        provenance.forEach((k, v) -> prov.put(k, String.valueOf(v)));
        root.put("bias", round(bias));
        root.put("math_bias", round(mathBias));
        ArrayNode features = root.putArray("features");
        for (Feature f : Feature.ALL) {
            ObjectNode n = features.addObject();
            n.put("name", f.key);
            n.put("mean", round(mean[f.ordinal()]));
            n.put("std", round(std[f.ordinal()]));
            n.put("weight", round(weight[f.ordinal()]));
            n.put("math_weight", round(mathWeight[f.ordinal()]));
        }
        ObjectNode lex = root.putObject("lexical");
        lex.put("bits", lexicalBits);
        ArrayNode values = lex.putArray("weights");
        for (double v : lexical) {
            values.add(round(v));
        }
        return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(root);
    }

    private static double round(double v) {
        return Math.round(v * 1e6) / 1e6;
    }

    @Override
    public String toString() {
        return "LogisticModel[bias=" + bias + ", weight=" + Arrays.toString(weight) + ", lexicalBits=" + lexicalBits
                + ", provenance=" + provenance + "]";
    }

    List<String> featureNames() {
        return Arrays.stream(Feature.ALL).map(f -> f.key).toList();
    }
}
