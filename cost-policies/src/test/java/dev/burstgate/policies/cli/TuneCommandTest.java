package dev.burstgate.policies.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class TuneCommandTest {

    /** Prompts from easy to hard; the local answer goes wrong more often the harder the prompt. */
    static final List<String> PROMPTS = List.of(
            "What is 2 + 2?",
            "Name the capital of France.",
            "Which planet is the largest in the solar system?",
            "Summarise the causes of the First World War in three sentences.",
            "Compare the economic policies of two countries and explain why their inflation rates differ.",
            "Prove that $\\sum_{k=1}^{n} k^3 = \\left(\\frac{n(n+1)}{2}\\right)^2$ by induction, step by step, and "
                    + "derive the closed form of $\\sum_{k=1}^{n} k^4$ as well. Explain why each step holds.",
            "Let $f(x) = \\int_0^x e^{-t^2} dt$. Derive the Taylor series of $f$, prove that it converges for all "
                    + "real $x$, and compute $f(1)$ to four decimals. Which of the following is NOT true?\n"
                    + "A. f is odd\nB. f is bounded\nC. f is periodic\nD. f is increasing");

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();
    private Path labelled;

    @BeforeEach
    void writeLabelledTraffic() throws Exception {
        labelled = dir.resolve("labelled.jsonl");
        SplittableRandom random = new SplittableRandom(5);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 1400; i++) {
            int k = random.nextInt(PROMPTS.size());
            boolean strong = random.nextDouble() < 0.9;
            boolean weak = random.nextDouble() >= 0.05 + 0.08 * k;
            sb.append(JsonMapper.builder()
                            .build()
                            .writeValueAsString(java.util.Map.of(
                                    "id",
                                    "r" + i,
                                    "prompt",
                                    PROMPTS.get(k) + " (" + i + ")",
                                    "weak_correct",
                                    weak,
                                    "strong_correct",
                                    strong)))
                    .append('\n');
        }
        sb.append("{\"id\":\"no-labels\",\"prompt\":\"hello\"}\n");
        Files.writeString(labelled, sb.toString(), StandardCharsets.UTF_8);
    }

    private int run(String... args) {
        return PolicyLab.run(new PrintWriter(out), new PrintWriter(err), args);
    }

    private JsonNode lastLine() {
        List<String> lines = out.toString().lines().toList();
        return JsonMapper.builder().build().readTree(lines.get(lines.size() - 1));
    }

    @Test
    void jsonIsOneObjectOnTheLastLineWithTheSettledThresholdsQualityAndCosts() {
        assertThat(run(
                        "tune",
                        "--policy",
                        "balanced",
                        "--traffic",
                        labelled.toString(),
                        "--quality-target",
                        "0.9",
                        "--shadow-rate",
                        "0.2",
                        "--min-samples",
                        "20",
                        "--seed",
                        "3",
                        "--json"))
                .isZero();
        assertThat(out.toString().lines()).hasSize(1);
        JsonNode o = lastLine();
        assertThat(o.get("proposed").asBoolean()).isTrue();
        assertThat(o.get("cloud_at").isNumber()).isTrue();
        assertThat(o.get("cloud_at").asDouble()).isBetween(0.0, 1.0);
        assertThat(o.get("legacy_at").isNull()).isTrue();
        assertThat(o.get("escalate_below").isNull()).isTrue();
        JsonNode q = o.get("estimated_quality");
        assertThat(q.get("lower").asDouble())
                .isGreaterThanOrEqualTo(0.9)
                .isLessThanOrEqualTo(q.get("value").asDouble());
        assertThat(q.get("upper").asDouble())
                .isGreaterThanOrEqualTo(q.get("value").asDouble());
        assertThat(q.get("confidence").asDouble()).isEqualTo(0.95);
        assertThat(o.get("requests").asInt()).isEqualTo(1400);
        assertThat(o.get("skipped_unlabelled").asInt()).isEqualTo(1);
        int shadows = o.get("shadow_calls").asInt();
        assertThat(shadows).isPositive().isLessThanOrEqualTo(280);
        // each shadow call costs one local ($0.02) or one cloud ($0.18) answer at the default prices
        assertThat(o.get("shadow_cost_usd").decimalValue().doubleValue())
                .isBetween(0.02 * shadows - 1e-9, 0.18 * shadows + 1e-9);
        assertThat(o.get("cost_per_1000_usd").decimalValue().doubleValue()).isBetween(20.0, 180.0);
        assertThat(o.get("current").get("cloud_at").asDouble()).isEqualTo(0.45);
        assertThat(o.get("current").get("legacy_at").asDouble()).isEqualTo(0.9);
        assertThat(o.get("reason").asString()).contains("lower bound");
    }

    @Test
    void theSameSeedGivesTheSameAnswerAndTheTableNamesEveryThreshold() {
        String[] args = {
            "tune",
            "--policy",
            "cost-saver",
            "--traffic",
            labelled.toString(),
            "--shadow-rate",
            "0.2",
            "--min-samples",
            "20",
            "--seed",
            "9",
            "--json"
        };
        assertThat(run(args)).isZero();
        String first = out.toString();
        out.getBuffer().setLength(0);
        assertThat(run(args)).isZero();
        assertThat(out.toString()).isEqualTo(first);
        out.getBuffer().setLength(0);
        assertThat(run("tune", "--policy", "cost-saver", "--traffic", labelled.toString(), "--shadow-rate", "0.2"))
                .isZero();
        assertThat(out.toString())
                .contains("cloud-at")
                .contains("legacy-at")
                .contains("escalate-below")
                .contains("estimated quality")
                .contains("cost per 1,000 USD")
                .contains("1 rows without labels skipped");
    }

    /**
     * A cascade tuned offline: every row carries a local confidence uniform on [0.6, 1], and the local answer is right
     * with probability equal to it (the cloud's always is). Among the rows sent to local, escalating those below
     * {@code e} loses {@code (1 − e)² / 0.8} of quality, so the cheapest {@code e} holding 0.9 is
     * {@code 1 − √0.08 ≈ 0.717}.
     */
    @Test
    void localConfidenceInTheTrafficTunesEscalateBelowAndItsCostCountsEscalations() throws Exception {
        Path traffic = dir.resolve("confident.jsonl");
        SplittableRandom random = new SplittableRandom(11);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 4000; i++) {
            double confidence = 0.6 + 0.4 * random.nextDouble();
            sb.append(JsonMapper.builder()
                            .build()
                            .writeValueAsString(java.util.Map.of(
                                    "id",
                                    "r" + i,
                                    "prompt",
                                    PROMPTS.get(random.nextInt(PROMPTS.size())) + " (" + i + ")",
                                    "weak_correct",
                                    random.nextDouble() < confidence,
                                    "strong_correct",
                                    true,
                                    "local_confidence",
                                    confidence)))
                    .append('\n');
        }
        Files.writeString(traffic, sb.toString(), StandardCharsets.UTF_8);
        Path policy = dir.resolve("cascading.yaml");
        Files.writeString(policy, """
                name: cascading
                thresholds: {cloud-at: 0.45}
                fallback: {local: [cloud]}
                cascade: {escalate-below: 0.3}
                """);
        String[] args = {
            "tune",
            "--policy",
            policy.toString(),
            "--traffic",
            traffic.toString(),
            "--quality-target",
            "0.9",
            "--shadow-rate",
            "1",
            "--uniform",
            "--min-samples",
            "50",
            "--json"
        };
        assertThat(run(args)).as(err.toString()).isZero();
        JsonNode o = lastLine();
        double e = o.get("escalate_below").asDouble();
        assertThat(e).isBetween(1 - Math.sqrt(0.08), 0.85);
        assertThat(o.get("escalate_below_quality").get("lower").asDouble()).isGreaterThanOrEqualTo(0.9);
        assertThat(o.get("escalate_below_verdicts").asInt()).isPositive();
        assertThat(o.get("escalate_below_reason").asString()).contains("verdicts at confidence >= ");
        assertThat(o.get("current").get("escalate_below").asDouble()).isEqualTo(0.3);

        // the same traffic under a policy without a cascade: no escalate-below, and no escalation in the cost
        Files.writeString(policy, "name: cascading\nthresholds: {cloud-at: 0.45}\nfallback: {local: [cloud]}\n");
        out.getBuffer().setLength(0);
        assertThat(run(args)).isZero();
        JsonNode plain = lastLine();
        assertThat(plain.get("escalate_below").isNull()).isTrue();
        assertThat(plain.get("cloud_at").asDouble()).isEqualTo(o.get("cloud_at").asDouble());
        assertThat(o.get("cost_per_1000_usd").decimalValue())
                .isGreaterThan(plain.get("cost_per_1000_usd").decimalValue());

        // At a 5 % rate the escalate-below replay shadows rows of its own: each is one more cloud answer ($0.18)
        String[] sampled = args.clone();
        sampled[8] = "0.05";
        sampled[11] = "20";
        out.getBuffer().setLength(0);
        assertThat(run(sampled)).as(err.toString()).isZero();
        JsonNode plainSampled = lastLine();
        Files.writeString(
                policy,
                "name: cascading\nthresholds: {cloud-at: 0.45}\nfallback: {local: [cloud]}\n"
                        + "cascade: {escalate-below: 0.3}\n");
        out.getBuffer().setLength(0);
        assertThat(run(sampled)).as(err.toString()).isZero();
        JsonNode cascadingSampled = lastLine();
        int extra = cascadingSampled.get("shadow_calls").asInt()
                - plainSampled.get("shadow_calls").asInt();
        assertThat(extra).as("rows shadowed only to tune escalate-below").isPositive();
        assertThat(cascadingSampled.get("shadow_cost_usd").decimalValue())
                .isEqualByComparingTo(plainSampled
                        .get("shadow_cost_usd")
                        .decimalValue()
                        .add(new java.math.BigDecimal("0.18").multiply(java.math.BigDecimal.valueOf(extra))));
    }

    @Test
    void belowTheMinimumSampleSizeNothingIsProposedAndThePolicysThresholdsStay() {
        assertThat(run(
                        "tune",
                        "--policy",
                        "balanced",
                        "--traffic",
                        labelled.toString(),
                        "--shadow-rate",
                        "0.01",
                        "--min-samples",
                        "500",
                        "--json"))
                .isZero();
        JsonNode o = lastLine();
        assertThat(o.get("proposed").asBoolean()).isFalse();
        assertThat(o.get("cloud_at").asDouble()).isEqualTo(0.45);
        assertThat(o.get("legacy_at").asDouble()).isEqualTo(0.9);
        assertThat(o.get("shadow_calls").asInt()).isLessThanOrEqualTo(14);
        assertThat(o.get("reason").asString()).contains("< 500 needed");
    }

    @Test
    void aTargetOrRateOutOfRangeIsExitCodeTwoWithAClearMessage() {
        assertThat(run("tune", "--policy", "balanced", "--traffic", labelled.toString(), "--quality-target", "1.5"))
                .isEqualTo(2);
        assertThat(err.toString())
                .contains("--quality-target: must be in (0, 1] but was 1.5")
                .doesNotContain("\tat ");
        assertThat(run("tune", "--policy", "balanced", "--traffic", labelled.toString(), "--shadow-rate", "-0.1"))
                .isEqualTo(2);
        assertThat(err.toString()).contains("--shadow-rate: must be in [0, 1] but was -0.1");
        assertThat(run("tune", "--policy", "balanced", "--traffic", labelled.toString(), "--shadow-rate", "lots"))
                .isEqualTo(2);
        assertThat(run("tune", "--policy", "balanced")).isEqualTo(2);
        assertThat(err.toString()).contains("--traffic");
    }

    @Test
    void trafficWithoutLabelsOrWithABadLineIsExitCodeThree() throws Exception {
        Path plain = dir.resolve("plain.jsonl");
        Files.writeString(plain, "{\"id\":\"a\",\"prompt\":\"hi\"}\n{\"id\":\"b\",\"prompt\":\"there\"}\n");
        assertThat(run("tune", "--policy", "balanced", "--traffic", plain.toString()))
                .isEqualTo(3);
        assertThat(err.toString()).contains("plain.jsonl").contains("no row has labels for both");
        Path bad = dir.resolve("bad.jsonl");
        Files.writeString(bad, "{\"id\":\"a\",\"prompt\":\"hi\",\"weak_correct\":\"yes\"}\n");
        assertThat(run("tune", "--policy", "balanced", "--traffic", bad.toString()))
                .isEqualTo(3);
        assertThat(err.toString()).contains("bad.jsonl:1: field 'weak_correct'");
        assertThat(run(
                        "tune",
                        "--policy",
                        "balanced",
                        "--traffic",
                        dir.resolve("nope.jsonl").toString()))
                .isEqualTo(3);
        assertThat(err.toString()).contains("nope.jsonl");
    }

    @Test
    void uniformShadowingStaysWithinTheRateToo() {
        assertThat(run(
                        "tune",
                        "--policy",
                        "balanced",
                        "--traffic",
                        labelled.toString(),
                        "--shadow-rate",
                        "0.1",
                        "--min-samples",
                        "20",
                        "--uniform",
                        "--json"))
                .isZero();
        JsonNode o = lastLine();
        assertThat(o.get("shadow_calls").asInt()).isPositive().isLessThanOrEqualTo(140);
        assertThat(o.get("proposed").asBoolean()).isTrue();
    }

    @Test
    void anUnknownPolicyIsExitCodeFour() {
        assertThat(run("tune", "--policy", "cheapest", "--traffic", labelled.toString()))
                .isEqualTo(4);
        assertThat(err.toString()).contains("unknown policy 'cheapest'");
    }

    @Test
    void helpListsTune() {
        assertThat(run("--help")).isZero();
        assertThat(out.toString()).contains("tune");
    }
}
