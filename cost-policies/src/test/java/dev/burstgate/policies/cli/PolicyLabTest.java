package dev.burstgate.policies.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PolicyLabTest {

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();
    private Path labelled;
    private Path traffic;

    @BeforeEach
    void copyFixtures() throws Exception {
        labelled = copy("labelled-small.jsonl");
        traffic = copy("traffic-hand.jsonl");
    }

    private Path copy(String name) throws Exception {
        Path target = dir.resolve(name);
        Files.copy(Path.of(PolicyLabTest.class.getResource("/" + name).toURI()), target);
        return target;
    }

    private int run(String... args) {
        return PolicyLab.run(new PrintWriter(out), new PrintWriter(err), args);
    }

    @Test
    void classifyWritesOneLinePerInputInOrder() throws Exception {
        Path scores = dir.resolve("out/scores.jsonl");
        assertThat(run("classify", "--in", labelled.toString(), "--out", scores.toString()))
                .isZero();
        List<String> lines = Files.readAllLines(scores);
        List<String> input = Files.readAllLines(labelled);
        assertThat(lines).hasSameSizeAs(input);
        assertThat(lines.get(0))
                .startsWith("{\"id\":\"math-0\",\"score\":")
                .contains("\"tier\":\"")
                .contains("\"reasons\":[");
        assertThat(lines.get(lines.size() - 1)).startsWith("{\"id\":\"mmlu-47\"");
        assertThat(out.toString()).contains("classified 48 prompts");
    }

    @Test
    void classifyAcceptsMessagesAsWellAsPrompts() throws Exception {
        Path in = dir.resolve("m.jsonl");
        Files.writeString(
                in,
                "{\"id\":\"a\",\"messages\":[{\"role\":\"system\",\"content\":\"be terse\"},"
                        + "{\"role\":\"user\",\"content\":\"hi\"}]}\n\n{\"prompt\":\"no id\"}\n");
        Path scores = dir.resolve("s.jsonl");
        assertThat(run("classify", "--in", in.toString(), "--out", scores.toString()))
                .isZero();
        assertThat(Files.readAllLines(scores)).hasSize(2).last().asString().startsWith("{\"id\":\"3\"");
    }

    @Test
    void aBadLineStopsWithExitCodeThreeNamingLineAndField() throws Exception {
        Path in = dir.resolve("bad.jsonl");
        Files.writeString(in, "{\"id\":\"a\",\"prompt\":\"ok\"}\n{\"id\":\"b\",\"prompt\":7}\n");
        assertThat(run(
                        "classify",
                        "--in",
                        in.toString(),
                        "--out",
                        dir.resolve("s.jsonl").toString()))
                .isEqualTo(3);
        assertThat(err.toString()).contains("bad.jsonl:2: field 'prompt'");
    }

    @Test
    void skipBadLinesCountsAndContinues() throws Exception {
        Path in = dir.resolve("bad.jsonl");
        Files.writeString(in, "{\"id\":\"a\",\"prompt\":\"ok\"}\n{oops\n{\"id\":\"c\",\"prompt\":\"fine\"}\n");
        Path scores = dir.resolve("s.jsonl");
        assertThat(run("classify", "--skip-bad-lines", "--in", in.toString(), "--out", scores.toString()))
                .isZero();
        assertThat(Files.readAllLines(scores)).hasSize(2);
        assertThat(err.toString()).contains("skipped 1 bad line").contains(":2: field '(line)'");
    }

    @Test
    void aLineThatIsNotUtf8IsExitCodeThreeNamingFileAndLineWithoutAStackTrace() throws Exception {
        Path in = dir.resolve("latin1.jsonl");
        Files.write(in, "{\"prompt\":\"ok\"}\n{\"prompt\":\"caf\u00e9\"}\n".getBytes(StandardCharsets.ISO_8859_1));
        assertThat(run(
                        "classify",
                        "--in",
                        in.toString(),
                        "--out",
                        dir.resolve("s.jsonl").toString()))
                .isEqualTo(3);
        assertThat(err.toString())
                .contains("latin1.jsonl:2: field '(line)': not UTF-8")
                .doesNotContain("\tat ");
    }

    @Test
    void aMissingInputFileIsExitCodeThree() {
        assertThat(run("classify", "--in", dir.resolve("nope.jsonl").toString(), "--out", "x"))
                .isEqualTo(3);
        assertThat(err.toString()).contains("nope.jsonl");
    }

    @Test
    void simulatePrintsTheReportForAPolicyFile() throws Exception {
        Path policy = copy("all-local.yaml");
        assertThat(run("simulate", "--policy", policy.toString(), "--traffic", traffic.toString(), "--slots", "2"))
                .isZero();
        assertThat(out.toString())
                .contains("all-local")
                .contains("requests")
                .contains("saving USD")
                .contains("quality kept vs legacy");
    }

    @Test
    void compareWritesASideBySideTableAndASelfContainedHtmlReport() throws Exception {
        Path html = dir.resolve("report.html");
        assertThat(run(
                        "compare",
                        "--policy",
                        "cost-saver",
                        "--policy",
                        "balanced",
                        "--policy",
                        "quality-first",
                        "--traffic",
                        labelled.toString(),
                        "--html",
                        html.toString()))
                .isZero();
        String table = out.toString();
        assertThat(table.lines().findFirst().orElseThrow())
                .contains("cost-saver")
                .contains("balanced")
                .contains("quality-first");
        assertThat(table).contains("all-legacy baseline USD").contains("52.80");
        String page = Files.readString(html, StandardCharsets.UTF_8);
        assertThat(page)
                .contains("<svg")
                .contains("Tier mix")
                .contains("Cost vs quality")
                .contains("polyline")
                .doesNotContain("http://cdn")
                .doesNotContain("<script");
    }

    @Test
    void anUnknownPolicyIsExitCodeFour() {
        assertThat(run("simulate", "--policy", "cheapest", "--traffic", traffic.toString()))
                .isEqualTo(4);
        assertThat(err.toString()).contains("unknown policy 'cheapest'");
    }

    @Test
    void validateAcceptsGoodFilesAndNamesFieldsOfBadOnes() throws Exception {
        Files.writeString(dir.resolve("good.yaml"), "name: good\nthresholds: {cloud-at: 0.5}\n");
        Files.writeString(
                dir.resolve("bad.yml"),
                "name: bad\nthresholds: {cloud-at: 0.5}\nburst: " + "{max-local-queue-length: -1}\n");
        assertThat(run("validate", dir.toString())).isEqualTo(4);
        assertThat(out.toString())
                .contains("ok      " + dir.resolve("good.yaml"))
                .contains("invalid " + dir.resolve("bad.yml"))
                .contains("field 'burst.max-local-queue-length' = '-1': must be >= 0")
                .contains("1 valid, 1 invalid");
    }

    @Test
    void aPolicyFileThatIsNotUtf8IsExitCodeFourNamingTheFile() throws Exception {
        Path latin1 = dir.resolve("latin1.yaml");
        Files.write(latin1, "name: caf\u00e9\nthresholds: {cloud-at: 0.5}\n".getBytes(StandardCharsets.ISO_8859_1));
        assertThat(run("validate", latin1.toString())).isEqualTo(4);
        assertThat(out.toString())
                .contains("invalid " + latin1)
                .contains(latin1 + ": field '(file)': not UTF-8: byte 10 starts an invalid sequence");
        assertThat(run("simulate", "--policy", latin1.toString(), "--traffic", traffic.toString()))
                .isEqualTo(4);
        assertThat(err.toString()).contains("policy-lab: " + latin1 + ": field '(file)': not UTF-8");
    }

    @Test
    void validateWithoutArgumentsChecksThePresets() {
        assertThat(run("validate")).isZero();
        assertThat(out.toString())
                .contains("preset:cost-saver")
                .contains("preset:balanced")
                .contains("preset:quality-first");
    }

    @Test
    void trainWritesWeightsThatClassifyCanUse() throws Exception {
        Path model = dir.resolve("model.json");
        assertThat(run(
                        "train",
                        "--data",
                        labelled.toString(),
                        "--out",
                        model.toString(),
                        "--folds",
                        "2",
                        "--iterations",
                        "60",
                        "--lexical-bits",
                        "6"))
                .isZero();
        assertThat(out.toString()).contains("MATH AUC").contains("wrote");
        assertThat(Files.readString(model)).contains("\"format\" : 2").contains("policy-lab train --data");
        Path scores = dir.resolve("s.jsonl");
        assertThat(run(
                        "classify",
                        "--model",
                        model.toString(),
                        "--in",
                        labelled.toString(),
                        "--out",
                        scores.toString()))
                .isZero();
        assertThat(Files.readAllLines(scores)).hasSize(48);
    }

    @Test
    void aBadOptionIsExitCodeTwo() {
        assertThat(run("classify", "--nope")).isEqualTo(2);
        assertThat(run("frobnicate")).isEqualTo(2);
    }

    @Test
    void progressGoesToStderrOnlyWhenAsked() throws Exception {
        Path scores = dir.resolve("s.jsonl");
        assertThat(run("classify", "--in", labelled.toString(), "--out", scores.toString()))
                .isZero();
        assertThat(err.toString()).doesNotContain("[");
        assertThat(run("classify", "--progress", "--in", labelled.toString(), "--out", scores.toString()))
                .isZero();
        assertThat(err.toString()).contains("classify").contains("100%");
        assertThat(out.toString()).doesNotContain("%]");
    }

    @Test
    void helpListsTheExitCodes() {
        assertThat(run("--help")).isZero();
        assertThat(out.toString())
                .contains("classify")
                .contains("compare")
                .contains("Exit codes")
                .contains("bad input file");
    }
}
