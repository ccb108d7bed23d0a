package dev.burstgate.gateway.tuning;

import static org.assertj.core.api.Assertions.assertThat;

import dev.burstgate.policies.policy.Policy;
import dev.burstgate.policies.policy.PolicyRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

class TuningStoreTest {

    private final JsonMapper json = JsonMapper.builder().build();

    private ObjectNode overlay(TuningStore store, double cloudAt) {
        ObjectNode o = json.createObjectNode();
        o.set("thresholds", store.thresholds(new Policy.Thresholds(cloudAt, null)));
        return o;
    }

    @Test
    void eachRollbackStepsBackOneApplyUntilTheOverlayIsGone(@TempDir Path dir) {
        TuningStore store = new TuningStore(dir.resolve("tuning"), json);
        assertThat(store.pop("t")).isFalse();
        store.push("t", overlay(store, 0.3));
        store.push("t", overlay(store, 0.2));
        assertThat(store.read("t").path("thresholds").path("cloud-at").asDouble())
                .isEqualTo(0.2);
        assertThat(store.read("t").path("history")).hasSize(1);

        assertThat(store.pop("t")).isTrue();
        assertThat(store.read("t").path("thresholds").path("cloud-at").asDouble())
                .isEqualTo(0.3);
        assertThat(store.read("t").path("history")).isEmpty();
        assertThat(store.pop("t")).isTrue();
        assertThat(store.read("t")).isNull();
        assertThat(Files.exists(store.overlay("t"))).isFalse();
        assertThat(store.pop("t")).isFalse();
    }

    @Test
    void overlaysWithAndWithoutTheCascadeFieldLoadAndARollbackRestoresTheEscalateBelowBeforeIt(@TempDir Path dir)
            throws Exception {
        Path policies = Files.createDirectory(dir.resolve("policies"));
        Files.writeString(
                policies.resolve("t.yaml"),
                "name: t\nthresholds: {cloud-at: 0.5}\nfallback: {local: [cloud]}\ncascade: {escalate-below: 0.3}\n");
        TuningStore store = new TuningStore(dir.resolve("tuning"), json);
        PolicyRegistry registry = PolicyRegistry.withOverlays(
                policies, dir.resolve("tuning"), InstantSource.fixed(Instant.parse("2026-01-01T00:00:00Z")));

        // an overlay as written before overlays carried the cascade: the file's escalate-below stays
        store.push("t", overlay(store, 0.4));
        registry.reload();
        assertThat(registry.get("t").thresholds().cloudAt()).isEqualTo(0.4);
        assertThat(registry.get("t").cascade().escalateBelow()).isEqualTo(0.3);

        ObjectNode tuned = overlay(store, 0.35);
        tuned.putObject("cascade").put("escalate-below", 0.55);
        store.push("t", tuned);
        registry.reload();
        assertThat(registry.get("t").thresholds().cloudAt()).isEqualTo(0.35);
        assertThat(registry.get("t").cascade().escalateBelow()).isEqualTo(0.55);
        assertThat(store.read("t").path("history").get(0).has("cascade")).isFalse();

        assertThat(store.pop("t")).isTrue();
        registry.reload();
        assertThat(registry.get("t").thresholds().cloudAt()).isEqualTo(0.4);
        assertThat(registry.get("t").cascade().escalateBelow()).isEqualTo(0.3);
        assertThat(store.pop("t")).isTrue();
        registry.reload();
        assertThat(registry.get("t").cascade().escalateBelow()).isEqualTo(0.3);
        assertThat(registry.get("t").thresholds().cloudAt()).isEqualTo(0.5);
    }

    @Test
    void anAuditSettingCarriesEscalateBelowOnlyWhenThePolicyHasACascade(@TempDir Path dir) {
        TuningStore store = new TuningStore(dir, json);
        assertThat(store.setting(new Policy.Thresholds(0.4, 0.9), 0.55)
                        .path("escalate-below")
                        .asDouble())
                .isEqualTo(0.55);
        assertThat(store.setting(new Policy.Thresholds(0.4, 0.9), null).has("escalate-below"))
                .isFalse();
        assertThat(store.setting(new Policy.Thresholds(0.4, null), null)
                        .path("legacy-at")
                        .isNull())
                .isTrue();
    }

    @Test
    void theAuditTrailIsAppendedAndALineCutShortIsSkipped(@TempDir Path dir) throws Exception {
        TuningStore store = new TuningStore(dir, json);
        store.audit(json.createObjectNode().put("policy", "t").put("action", "apply"));
        Files.writeString(
                dir.resolve(TuningStore.AUDIT), "{\"policy\":\"t\",\"act", java.nio.file.StandardOpenOption.APPEND);
        Files.writeString(dir.resolve(TuningStore.AUDIT), "\n", java.nio.file.StandardOpenOption.APPEND);
        store.audit(json.createObjectNode().put("policy", "t").put("action", "rollback"));
        assertThat(store.audit()).extracting(n -> n.path("action").asString()).containsExactly("apply", "rollback");
    }
}
