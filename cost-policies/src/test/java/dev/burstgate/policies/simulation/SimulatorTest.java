package dev.burstgate.policies.simulation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.burstgate.policies.Tier;
import dev.burstgate.policies.classifier.ComplexityClassifier;
import dev.burstgate.policies.cost.Usd;
import dev.burstgate.policies.policy.Policy;
import dev.burstgate.policies.policy.PolicyRegistry;
import dev.burstgate.policies.privacy.PiiDetector;
import dev.burstgate.policies.routing.RejectCode;
import dev.burstgate.policies.routing.Router;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SimulatorTest {

    private static final ComplexityClassifier CLASSIFIER = ComplexityClassifier.bundled();

    /** 2 local slots, 1000 ms per local request whatever its size, cloud 400 ms, legacy 600 ms. */
    private static final SimulationConfig HAND =
            SimulationConfig.defaults().withLocalSlots(2).withServiceTimes(1000, 0, 0, 400, 0, 600, 0);

    private static Path resource(String name) throws Exception {
        return Path.of(SimulatorTest.class.getResource("/" + name).toURI());
    }

    private static Policy allLocal() throws Exception {
        return Policy.parse(Files.readString(resource("all-local.yaml"), StandardCharsets.UTF_8), "all-local.yaml");
    }

    private static List<TrafficRecord> hand() throws Exception {
        return new TrafficReader(false)
                .read(resource("traffic-hand.jsonl"), b -> {})
                .rows();
    }

    private static Simulator simulator(SimulationConfig config) {
        return new Simulator(new Router(config.prices()), CLASSIFIER, new PiiDetector(), config);
    }

    @Test
    void aRequestGoesOnlyToTiersThatServeWhatItNeedsAsInTheGateway() {
        TrafficReader reader = new TrafficReader(false);
        List<TrafficRecord> rows = List.of(
                reader.parse("t", 1, "{\"prompt\":\"hi\"}"),
                reader.parse(
                        "t",
                        2,
                        "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"hi\"},"
                                + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:,x\"}}]}]}"),
                reader.parse(
                        "t",
                        3,
                        "{\"prompt\":\"hi\",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}]}"),
                reader.parse("t", 4, "{\"prompt\":\"hi\",\"logprobs\":true}"),
                reader.parse("t", 5, "{\"prompt\":\"" + "word ".repeat(400) + "\"}"));
        assertThat(rows.get(1).needs()).containsKey(dev.burstgate.policies.capability.Capability.VISION);
        Simulator sim = new Simulator(
                new Router(HAND.prices(), dev.burstgate.policies.capability.TierCapabilities.defaults(256L)),
                CLASSIFIER,
                new PiiDetector(),
                HAND);
        SimulationReport r = sim.run(allLocalButCloud(), sim.prepare(rows, i -> {}));
        // the plain and the tools rows stay local; the image, the logprobs and the 500-token prompt go to cloud
        assertThat(r.count(Tier.LOCAL)).isEqualTo(2);
        assertThat(r.count(Tier.CLOUD)).isEqualTo(3);
    }

    private static Policy allLocalButCloud() {
        return Policy.parse("""
                name: local-first
                thresholds: {cloud-at: 1.0}
                allowed-tiers: [local, cloud]
                """, "local-first.yaml");
    }

    @Test
    void replaysTheHandCheckedTrafficFileExactly() throws Exception {
        Simulator sim = simulator(HAND);
        SimulationReport r = sim.run(allLocal(), sim.prepare(hand(), i -> {}));
        // r1, r2 at t=0 take both slots until 1000 ms; r3 at t=0 would wait 1000 ms > 500 ms and bursts to cloud;
        // r4 at t=1000 finds a free slot.
        assertThat(r.count(Tier.LOCAL)).isEqualTo(3);
        assertThat(r.count(Tier.CLOUD)).isEqualTo(1);
        assertThat(r.count(Tier.LEGACY)).isZero();
        assertThat(r.bursts()).isEqualTo(1);
        assertThat(r.cost()).isEqualTo(Usd.of("0.24"));
        assertThat(r.baseline()).isEqualTo(Usd.of("4.40"));
        assertThat(r.saving()).isEqualTo(Usd.of("4.16"));
        // latencies 1000, 1000, 400, 1000 → p50 and p95 (nearest rank) are 1000
        assertThat(r.latencyP50Ms()).isEqualTo(1000.0);
        assertThat(r.latencyP95Ms()).isEqualTo(1000.0);
        // r1 weak right, r2 weak wrong, r3 strong right (cloud), r4 weak right; legacy would get r1-r3 right
        assertThat(r.labelled()).isEqualTo(4);
        assertThat(r.correct()).isEqualTo(3);
        assertThat(r.correctAllLegacy()).isEqualTo(3);
        assertThat(r.qualityKept()).isEqualTo(1.0);
        assertThat(r.accuracy()).isEqualTo(0.75);
    }

    @Test
    void withThreeSlotsNothingBursts() throws Exception {
        Simulator sim = simulator(HAND.withLocalSlots(3));
        SimulationReport r = sim.run(allLocal(), sim.prepare(hand(), i -> {}));
        assertThat(r.count(Tier.LOCAL)).isEqualTo(4);
        assertThat(r.bursts()).isZero();
        assertThat(r.cost()).isEqualTo(Usd.of("0.08"));
    }

    @Test
    void aBudgetRunsOutAndTheRestIsRejected() throws Exception {
        Simulator sim = simulator(HAND.withLocalSlots(4).withBudget(Usd.of("0.04")));
        SimulationReport r = sim.run(allLocal(), sim.prepare(hand(), i -> {}));
        assertThat(r.count(Tier.LOCAL)).isEqualTo(2);
        assertThat(r.rejected()).containsEntry(RejectCode.BUDGET_EXHAUSTED, 2);
        assertThat(r.cost()).isEqualTo(Usd.of("0.04"));
        assertThat(r.correct()).isEqualTo(1);
        assertThat(r.correctAllLegacy()).isEqualTo(3);
    }

    @Test
    void rowsAreReplayedInTimestampOrder() throws Exception {
        List<TrafficRecord> reversed = new ArrayList<>(hand());
        java.util.Collections.reverse(reversed);
        Simulator sim = simulator(HAND);
        PreparedTraffic t = sim.prepare(reversed, i -> {});
        assertThat(t.rows()).extracting(TrafficRecord::id).endsWith("r4");
        assertThat(t.durationMs()).isEqualTo(1000.0);
    }

    @Test
    void burstsHappenWhenArrivalsPeakAndNotWhenTheyAreSparse() throws Exception {
        List<TrafficRecord> rows = new ArrayList<>();
        TrafficReader reader = new TrafficReader(false);
        for (int i = 0; i < 200; i++) {
            rows.add(reader.parse("gen", i + 1, "{\"id\":\"g" + i + "\",\"prompt\":\"say hi " + i + "\"}"));
        }
        Policy balanced = PolicyRegistry.presets(InstantSource.system()).get("balanced");
        SimulationConfig base = SimulationConfig.defaults().withLocalSlots(2);
        Simulator busy = simulator(base.withArrivals(5.0, 7));
        Simulator quiet = simulator(base.withArrivals(0.05, 7));
        assertThat(busy.run(balanced, busy.prepare(rows, i -> {})).bursts()).isGreaterThan(50);
        assertThat(quiet.run(balanced, quiet.prepare(rows, i -> {})).bursts()).isZero();
    }

    @Test
    void theSameSeedGivesTheSameReport() throws Exception {
        Simulator sim = simulator(SimulationConfig.defaults().withArrivals(3.0, 11));
        List<TrafficRecord> rows = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            rows.add(new TrafficReader(false).parse("gen", i + 1, "{\"prompt\":\"q" + i + "\"}"));
        }
        Policy p = PolicyRegistry.presets(InstantSource.system()).get("cost-saver");
        assertThat(sim.run(p, sim.prepare(rows, i -> {}))).isEqualTo(sim.run(p, sim.prepare(rows, i -> {})));
    }

    @Test
    void percentilesUseNearestRank() {
        assertThat(Simulator.percentile(new double[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 95))
                .isEqualTo(10);
        assertThat(Simulator.percentile(new double[] {1, 2, 3, 4}, 50)).isEqualTo(2);
        assertThat(Simulator.percentile(new double[] {}, 50)).isZero();
    }

    @Test
    void badTrafficLinesNameTheLineAndField() {
        TrafficReader reader = new TrafficReader(false);
        assertThatThrownBy(() -> reader.parse("t.jsonl", 7, "{\"prompt\": 42}"))
                .isInstanceOf(BadInputException.class)
                .hasMessage("t.jsonl:7: field 'prompt': expected a string but found NUMBER");
        assertThatThrownBy(() -> reader.parse("t.jsonl", 3, "{\"prompt\":\"x\",\"ts\":\"yesterday\"}"))
                .hasMessageContaining(":3: field 'ts'");
        assertThatThrownBy(() -> reader.parse("t.jsonl", 4, "{\"messages\":[{\"content\":\"x\"}]}"))
                .hasMessageContaining("field 'messages[0].role'");
        assertThatThrownBy(() -> reader.parse("t.jsonl", 5, "{\"prompt\":\"x\",\"weak_correct\":\"yes\"}"))
                .hasMessageContaining("field 'weak_correct'");
        assertThatThrownBy(() -> reader.parse("t.jsonl", 6, "not json")).hasMessageContaining(":6: field '(line)'");
        assertThatThrownBy(() -> reader.parse("t.jsonl", 8, "{\"id\":1}")).hasMessageContaining("field 'prompt'");
    }

    @Test
    void perTierOutcomesWinOverWeakAndStrongLabels() {
        TrafficRecord r = new TrafficReader(false)
                .parse(
                        "t",
                        1,
                        "{\"prompt\":\"x\",\"weak_correct\":true,\"strong_correct\":true,\"correct\":{\"cloud\":false}}");
        assertThat(r.correctOn(Tier.LOCAL)).isTrue();
        assertThat(r.correctOn(Tier.CLOUD)).isFalse();
        assertThat(r.correctOn(Tier.LEGACY)).isTrue();
    }

    @Test
    void rejectsAnImpossibleConfigNamingTheField() {
        assertThatThrownBy(() -> SimulationConfig.defaults().withLocalSlots(0))
                .hasMessageContaining("localSlots")
                .hasMessageContaining("0");
    }
}
