package dev.burstgate.policies.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TuningOverlayTest {

    private final InstantSource clock = InstantSource.fixed(Instant.parse("2026-01-01T00:00:00Z"));

    private static final String SHADOW =
            "shadow: {rate: 1.0, daily-budget-usd: 10, pairs: [local-vs-cloud], judge: exact}\n";

    @Test
    void theTuningBlockIsReadWithItsDefaults() {
        Policy p = Policy.parse(
                "name: t\nthresholds: {cloud-at: 0.5}\n" + SHADOW + "tuning: {quality-target: 0.95}\n", "t.yaml");
        assertThat(p.tuning()).isEqualTo(new Policy.Tuning(0.95, false, 200, Duration.ofHours(1), null));
        Policy q = Policy.parse(
                "name: t\nthresholds: {cloud-at: 0.5}\n" + SHADOW
                        + "tuning: {quality-target: 0.9, auto-apply: true, min-samples: 5, interval: 2s,"
                        + " max-step: 0.1}\n",
                "t.yaml");
        assertThat(q.tuning()).isEqualTo(new Policy.Tuning(0.9, true, 5, Duration.ofSeconds(2), 0.1));
    }

    @Test
    void everyBadTuningFieldIsNamed() {
        assertThatThrownBy(() -> Policy.parse(
                        "name: t\nthresholds: {cloud-at: 0.5}\n"
                                + "tuning: {quality-target: 0.4, auto-apply: maybe, min-samples: 0, interval: 5x,"
                                + " max-step: 0, extra: 1}\n",
                        "t.yaml"))
                .isInstanceOf(PolicyException.class)
                .hasMessageContaining("tuning.quality-target")
                .hasMessageContaining("tuning.auto-apply")
                .hasMessageContaining("tuning.min-samples")
                .hasMessageContaining("tuning.interval")
                .hasMessageContaining("tuning.max-step")
                .hasMessageContaining("tuning.extra");
        assertThatThrownBy(() -> Policy.parse(
                        "name: t\nthresholds: {cloud-at: 0.5}\ntuning: {quality-target: 0.95, auto-apply: true}\n",
                        "t.yaml"))
                .isInstanceOf(PolicyException.class)
                .hasMessageContaining("needs a shadow block");
    }

    @Test
    void anOverlayReplacesTheThresholdsSurvivesAnEditOfThePolicyAndIsGoneWhenRemoved(@TempDir Path dir)
            throws Exception {
        Path policies = Files.createDirectory(dir.resolve("policies"));
        Path overlays = dir.resolve("tuning");
        Files.writeString(policies.resolve("t.yaml"), "name: t\nthresholds: {cloud-at: 0.5, legacy-at: 0.9}\n");
        PolicyRegistry r = PolicyRegistry.withOverlays(policies, overlays, clock);
        PolicyEntry first = entry(r, "t");
        assertThat(first.version()).isEqualTo(1);
        assertThat(first.tuned()).isFalse();

        Files.createDirectory(overlays);
        Files.writeString(
                overlays.resolve("t.yaml"), "policy: t\nthresholds: {cloud-at: 0.3, legacy-at: 0.9}\nby: admin\n");
        r.reload();
        assertThat(r.get("t").thresholds()).isEqualTo(new Policy.Thresholds(0.3, 0.9));
        assertThat(entry(r, "t").version()).isEqualTo(2);
        assertThat(entry(r, "t").tuned()).isTrue();

        r.reload();
        assertThat(entry(r, "t").version()).as("nothing changed").isEqualTo(2);

        Files.writeString(
                policies.resolve("t.yaml"),
                "name: t\ndescription: edited\nthresholds: {cloud-at: 0.6, legacy-at: 0.9}\n");
        r.reload();
        assertThat(r.get("t").description()).isEqualTo("edited");
        assertThat(r.get("t").thresholds().cloudAt()).isEqualTo(0.3);
        assertThat(entry(r, "t").version()).isEqualTo(3);

        Files.delete(overlays.resolve("t.yaml"));
        r.reload();
        assertThat(r.get("t").thresholds()).isEqualTo(new Policy.Thresholds(0.6, 0.9));
        assertThat(entry(r, "t").version()).isEqualTo(4);
        assertThat(entry(r, "t").tuned()).isFalse();
    }

    @Test
    void anInvalidOverlayIsReportedAndIgnored(@TempDir Path dir) throws Exception {
        Path overlays = Files.createDirectory(dir.resolve("tuning"));
        Files.writeString(overlays.resolve("balanced.yaml"), "thresholds: {cloud-at: 1.5}\n");
        PolicyRegistry r = PolicyRegistry.withOverlays(null, overlays, clock);
        ReloadReport report = r.reload();
        assertThat(report.failed()).anySatisfy(f -> assertThat(f.source()).endsWith("balanced.yaml"));
        assertThat(r.get("balanced").thresholds())
                .isEqualTo(PolicyRegistry.presets(clock).get("balanced").thresholds());
        assertThat(entry(r, "balanced").tuned()).isFalse();
    }

    @Test
    void anOverlayWithACascadeFieldSetsEscalateBelowAndOneWithoutLeavesTheFilesValue(@TempDir Path dir)
            throws Exception {
        Path policies = Files.createDirectory(dir.resolve("policies"));
        Path overlays = Files.createDirectory(dir.resolve("tuning"));
        Files.writeString(
                policies.resolve("c.yaml"),
                "name: c\nthresholds: {cloud-at: 0.5}\nfallback: {local: [cloud]}\n"
                        + "cascade: {escalate-below: 0.4, signal: min-prob, structural: false}\n");
        Files.writeString(policies.resolve("p.yaml"), "name: p\nthresholds: {cloud-at: 0.5}\n");
        PolicyRegistry r = PolicyRegistry.withOverlays(policies, overlays, clock);

        Files.writeString(
                overlays.resolve("c.yaml"),
                "policy: c\nthresholds: {cloud-at: 0.3, legacy-at: null}\ncascade: {escalate-below: 0.62}\n");
        Files.writeString(overlays.resolve("p.yaml"), "thresholds: {cloud-at: 0.3}\ncascade: {escalate-below: 0.62}\n");
        r.reload();
        assertThat(r.get("c").thresholds()).isEqualTo(new Policy.Thresholds(0.3, null));
        assertThat(r.get("c").cascade()).isEqualTo(new Policy.Cascade(0.62, Policy.Signal.MIN_PROB, false, null));
        assertThat(r.get("p").cascade())
                .as("a policy without a cascade gains none")
                .isNull();
        assertThat(r.get("p").thresholds().cloudAt()).isEqualTo(0.3);
        long version = entry(r, "c").version();

        // an overlay written before overlays carried the cascade: thresholds only
        Files.writeString(overlays.resolve("c.yaml"), "policy: c\nthresholds: {cloud-at: 0.3}\n");
        r.reload();
        assertThat(r.get("c").cascade().escalateBelow()).isEqualTo(0.4);
        assertThat(entry(r, "c").version()).isEqualTo(version + 1);
        assertThat(entry(r, "c").tuned()).isTrue();

        Files.writeString(overlays.resolve("c.yaml"), "thresholds: {cloud-at: 0.3}\ncascade: {escalate-below: 2}\n");
        ReloadReport report = r.reload();
        assertThat(report.failed())
                .anySatisfy(f -> assertThat(f.problems().toString()).contains("cascade.escalate-below"));
        assertThat(r.get("c").cascade().escalateBelow())
                .as("an invalid overlay is ignored")
                .isEqualTo(0.4);
    }

    private static PolicyEntry entry(PolicyRegistry r, String name) {
        return r.entries().stream()
                .filter(e -> e.name().equals(name))
                .findFirst()
                .orElseThrow();
    }
}
