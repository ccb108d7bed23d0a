package dev.burstgate.policies.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PolicyRegistryTest {

    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));
    private final InstantSource clock = () -> now.get();

    @Test
    void presetsAreAlwaysThere() {
        PolicyRegistry r = PolicyRegistry.presets(clock);
        assertThat(r.names()).containsExactly("balanced", "cost-saver", "quality-first");
        assertThat(r.entries()).allSatisfy(e -> {
            assertThat(e.status()).isEqualTo(PolicyEntry.Status.LOADED);
            assertThat(e.source()).startsWith("preset:");
        });
    }

    @Test
    void anUnknownNameListsTheKnownOnes() {
        assertThatThrownBy(() -> PolicyRegistry.presets(clock).get("cheap"))
                .isInstanceOf(PolicyException.class)
                .hasMessageContaining("cheap")
                .hasMessageContaining("balanced");
    }

    @Test
    void loadsYamlAndYmlFilesFromTheDirectory(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("a.yaml"), "name: team-a\nthresholds: {cloud-at: 0.5}\n");
        Files.writeString(dir.resolve("b.yml"), "name: team-b\nthresholds: {cloud-at: 0.6}\n");
        Files.writeString(dir.resolve("notes.txt"), "ignored");
        PolicyRegistry r = PolicyRegistry.withDirectory(dir, clock);
        assertThat(r.names()).contains("team-a", "team-b").hasSize(5);
        assertThat(r.get("team-a").source()).endsWith("a.yaml");
    }

    @Test
    void aFileThatBecomesInvalidKeepsItsLastGoodPolicyAsStale(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("a.yaml");
        Files.writeString(file, "name: team-a\nthresholds: {cloud-at: 0.5}\n");
        PolicyRegistry r = PolicyRegistry.withDirectory(dir, clock);
        now.set(Instant.parse("2026-01-02T00:00:00Z"));
        Files.writeString(file, "name: team-a\nthresholds: {cloud-at: 5}\n");
        ReloadReport report = r.reload();
        assertThat(report.failed()).singleElement().satisfies(f -> {
            assertThat(f.source()).endsWith("a.yaml");
            assertThat(f.problems()).extracting(Problem::field).containsExactly("thresholds.cloud-at");
        });
        PolicyEntry e = r.entries().stream()
                .filter(x -> x.name().equals("team-a"))
                .findFirst()
                .orElseThrow();
        assertThat(e.status()).isEqualTo(PolicyEntry.Status.STALE);
        assertThat(e.error()).contains("thresholds.cloud-at");
        assertThat(e.loadedAt()).isEqualTo(Instant.parse("2026-01-01T00:00:00Z"));
        assertThat(r.get("team-a").thresholds().cloudAt()).isEqualTo(0.5);

        Files.writeString(file, "name: team-a\nthresholds: {cloud-at: 0.7}\n");
        assertThat(r.reload().allLoaded()).isTrue();
        assertThat(r.get("team-a").thresholds().cloudAt()).isEqualTo(0.7);
        assertThat(r.entries())
                .filteredOn(x -> x.name().equals("team-a"))
                .singleElement()
                .satisfies(x -> assertThat(x.loadedAt()).isEqualTo(Instant.parse("2026-01-02T00:00:00Z")));
    }

    @Test
    void aFileThatBecomesNotUtf8IsReportedByFileAndKeepsItsLastGoodPolicy(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("a.yaml");
        Files.writeString(file, "name: team-a\nthresholds: {cloud-at: 0.5}\n");
        PolicyRegistry r = PolicyRegistry.withDirectory(dir, clock);
        Files.writeString(
                file,
                "name: team-a\ndescription: caf\u00e9\nthresholds: {cloud-at: 0.5}\n",
                StandardCharsets.ISO_8859_1);
        assertThat(r.reload().failed())
                .singleElement()
                .satisfies(f -> assertThat(f.problems())
                        .containsExactly(new Problem(
                                file.toString(), "(file)", "", "not UTF-8: byte 30 starts an invalid sequence")));
        assertThat(r.entries())
                .filteredOn(x -> x.name().equals("team-a"))
                .singleElement()
                .satisfies(x -> assertThat(x.status()).isEqualTo(PolicyEntry.Status.STALE));
    }

    @Test
    void aNewInvalidFileIsReportedButLoadsNothing(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("bad.yaml"), "name: broken\n");
        PolicyRegistry r = PolicyRegistry.withDirectory(dir, clock);
        assertThat(r.find("broken")).isEmpty();
        assertThat(r.reload().failed())
                .extracting(ReloadReport.FileResult::source)
                .singleElement()
                .asString()
                .endsWith("bad.yaml");
    }

    @Test
    void aDeletedFileDisappearsOnReload(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("a.yaml");
        Files.writeString(file, "name: team-a\nthresholds: {cloud-at: 0.5}\n");
        PolicyRegistry r = PolicyRegistry.withDirectory(dir, clock);
        Files.delete(file);
        r.reload();
        assertThat(r.find("team-a")).isEmpty();
    }

    @Test
    void aFileMayReplaceAPresetButTwoFilesMayNotShareAName(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("a.yaml"), "name: balanced\nthresholds: {cloud-at: 0.99}\n");
        Files.writeString(dir.resolve("b.yaml"), "name: balanced\nthresholds: {cloud-at: 0.01}\n");
        PolicyRegistry r = PolicyRegistry.withDirectory(dir, clock);
        assertThat(r.get("balanced").thresholds().cloudAt()).isEqualTo(0.99);
        assertThat(r.reload().failed()).singleElement().satisfies(f -> {
            assertThat(f.source()).endsWith("b.yaml");
            assertThat(f.problems().get(0).message()).contains("already defined by");
        });
    }
}
