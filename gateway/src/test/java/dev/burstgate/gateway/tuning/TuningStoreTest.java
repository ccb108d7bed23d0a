package dev.burstgate.gateway.tuning;

import static org.assertj.core.api.Assertions.assertThat;

import dev.burstgate.policies.policy.Policy;
import java.nio.file.Files;
import java.nio.file.Path;
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
