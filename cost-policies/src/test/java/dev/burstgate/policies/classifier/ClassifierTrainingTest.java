package dev.burstgate.policies.classifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.burstgate.policies.simulation.TrafficReader;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ClassifierTrainingTest {

    private static List<LabelledPrompt> fixture() throws Exception {
        Path file = Path.of(ClassifierTrainingTest.class
                .getResource("/labelled-small.jsonl")
                .toURI());
        return new TrafficReader(false)
                .read(file, b -> {}).rows().stream()
                        .map(r -> new LabelledPrompt(
                                r.id(),
                                r.source(),
                                r.subject(),
                                r.messages(),
                                r.level(),
                                r.weakCorrect(),
                                r.strongCorrect()))
                        .toList();
    }

    @Test
    void aucIsOneForAPerfectScoreHalfForTiesAndZeroWhenReversed() {
        List<Integer> idx = List.of(0, 1, 2, 3);
        double[] perfect = {0.1, 0.2, 0.8, 0.9};
        assertThat(ClassifierTraining.auc(idx, perfect, i -> i >= 2)).isEqualTo(1.0);
        assertThat(ClassifierTraining.auc(idx, new double[] {0.5, 0.5, 0.5, 0.5}, i -> i >= 2))
                .isEqualTo(0.5);
        assertThat(ClassifierTraining.auc(idx, perfect, i -> i < 2)).isEqualTo(0.0);
    }

    @Test
    void targetScalesMathLevelsAndMarksWeakModelMistakes() {
        LabelledPrompt l5 = new LabelledPrompt("a", "math", "Algebra", List.of(), 5, null, null);
        LabelledPrompt l1 = new LabelledPrompt("b", "math", "Algebra", List.of(), 1, null, null);
        LabelledPrompt wrong = new LabelledPrompt("c", "mmlu", "law", List.of(), null, false, true);
        LabelledPrompt none = new LabelledPrompt("d", "x", "y", List.of(), null, null, null);
        assertThat(l5.target()).isEqualTo(1.0);
        assertThat(l1.target()).isEqualTo(0.0);
        assertThat(wrong.target()).isEqualTo(1.0);
        assertThat(none.target()).isNaN();
    }

    @Test
    void gradedTargetSeparatesTheFourOutcomes() {
        assertThat(new LabelledPrompt("a", "mmlu", "s", List.of(), null, false, true).target(0.4, 0.2))
                .isEqualTo(1.0);
        assertThat(new LabelledPrompt("b", "mmlu", "s", List.of(), null, false, false).target(0.4, 0.2))
                .isEqualTo(0.4);
        assertThat(new LabelledPrompt("c", "mmlu", "s", List.of(), null, true, true).target(0.4, 0.2))
                .isEqualTo(0.2);
        assertThat(new LabelledPrompt("d", "mmlu", "s", List.of(), null, true, false).target(0.4, 0.2))
                .isEqualTo(0.0);
        assertThat(new LabelledPrompt("e", "mmlu", "s", List.of(), null, false, null).target(0.4, 0.2))
                .isEqualTo(1.0);
        assertThat(new LabelledPrompt("f", "math", "s", List.of(), 3, null, null).target(0.4, 0.2))
                .isEqualTo(0.5);
    }

    @Test
    void foldsNeverSplitASubject() throws Exception {
        List<LabelledPrompt> rows = fixture();
        int[] fold = ClassifierTraining.assignFolds(rows, 3);
        for (int i = 0; i < rows.size(); i++) {
            for (int j = 0; j < rows.size(); j++) {
                if (rows.get(i).subject().equals(rows.get(j).subject())
                        && rows.get(i).source().equals(rows.get(j).source())) {
                    assertThat(fold[i]).isEqualTo(fold[j]);
                }
            }
        }
        assertThat(IntStream.of(fold).distinct().count()).isEqualTo(3);
    }

    @Test
    void trainingLearnsToRankHardRowsAboveEasyOnes() throws Exception {
        List<LabelledPrompt> rows = fixture();
        ComplexityClassifier c = ClassifierTraining.train(
                        rows, ClassifierTraining.Options.defaults(), java.util.Map.of("command", "test"))
                .classifier();
        ClassifierTraining.Evaluation e = ClassifierTraining.evaluate(rows, c);
        assertThat(e.mathAuc()).isGreaterThan(0.9);
        assertThat(e.weakWrongAuc()).isGreaterThan(0.7);
    }

    @Test
    void weightsSurviveAJsonRoundTrip(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        List<LabelledPrompt> rows = fixture();
        ClassifierTraining.Trained t = ClassifierTraining.train(
                rows, new ClassifierTraining.Options(1e-3, 1e-4, 6, 50, 0.05), java.util.Map.of("command", "test"));
        Path file = dir.resolve("m.json");
        java.nio.file.Files.writeString(file, t.toJson());
        ComplexityClassifier loaded = ComplexityClassifier.fromFile(file);
        for (LabelledPrompt r : rows) {
            assertThat(loaded.classify(r.messages()).score())
                    .isCloseTo(
                            t.classifier().classify(r.messages()).score(), org.assertj.core.data.Offset.offset(1e-4));
        }
    }

    @Test
    void crossValidationReportsOutOfFoldFigures() throws Exception {
        ClassifierTraining.Evaluation e = ClassifierTraining.crossValidate(
                fixture(), new ClassifierTraining.Options(1e-3, 1e-4, 8, 100, 0.05), 2, k -> {});
        assertThat(e.folds()).isEqualTo(2);
        assertThat(e.mathRows()).isEqualTo(24);
        assertThat(e.labelledRows()).isEqualTo(24);
        assertThat(e.toTable()).contains("MATH AUC").contains("length-only");
    }

    @Test
    void rejectsBadOptionsNamingTheField() {
        assertThatThrownBy(() -> new ClassifierTraining.Options(-1, 0, 0, 1, 0.1))
                .hasMessageContaining("l2")
                .hasMessageContaining("-1");
        assertThatThrownBy(() -> new ClassifierTraining.Options(0, 0, 30, 1, 0.1))
                .hasMessageContaining("lexicalBits");
        assertThatThrownBy(() -> new ClassifierTraining.Options(0, 0, 0, 1, 0.1, false, 1.5, 0))
                .hasMessageContaining("bothWrongTarget");
    }

    @Test
    void aWeightsFileMissingAFeatureIsRejectedNamingIt(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path file = dir.resolve("bad.json");
        java.nio.file.Files.writeString(
                file, "{\"format\":2,\"bias\":0,\"features\":[],\"lexical\":{\"bits\":0," + "\"weights\":[]}}");
        assertThatThrownBy(() -> ComplexityClassifier.fromFile(file))
                .hasMessageContaining("features")
                .hasMessageContaining("tokens");
    }
}
