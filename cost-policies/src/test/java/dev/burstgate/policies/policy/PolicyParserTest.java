package dev.burstgate.policies.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.burstgate.policies.Tier;
import dev.burstgate.policies.budget.ExhaustedAction;
import dev.burstgate.policies.privacy.PiiKind;
import java.util.List;
import org.junit.jupiter.api.Test;

class PolicyParserTest {

  static final String FULL = """
      name: team-a
      description: Example with every field.
      thresholds:
        cloud-at: 0.5
        legacy-at: 0.85
      allowed-tiers: [local, cloud, legacy]
      fallback:
        local: [cloud, legacy]
        cloud: [legacy]
        legacy: []
      burst:
        max-local-queue-wait-ms: 500
        max-local-queue-length: 8
      latency:
        max-ms: 10000
      budget:
        degrade:
          - at: 0.9
            max-tier: local
          - at: 0.75
            max-tier: cloud
        on-exhausted: local-only
      privacy:
        on-pii: local-only
        kinds: [email, card]
      overrides:
        allowed-forced-tiers: [local]
      """;

  private static List<Problem> problems(String yaml) {
    return catchThrowableOfType(PolicyException.class, () -> Policy.parse(yaml, "p.yaml")).problems();
  }

  @Test
  void readsEveryField() {
    Policy p = Policy.parse(FULL, "team-a.yaml");
    assertThat(p.name()).isEqualTo("team-a");
    assertThat(p.thresholds()).isEqualTo(new Policy.Thresholds(0.5, 0.85));
    assertThat(p.fallbackFor(Tier.LOCAL)).containsExactly(Tier.CLOUD, Tier.LEGACY);
    assertThat(p.fallbackFor(Tier.LEGACY)).isEmpty();
    assertThat(p.burst()).isEqualTo(new Policy.Burst(500L, 8));
    assertThat(p.latency().maxMs()).isEqualTo(10_000L);
    assertThat(p.budget().degrade()).extracting(s -> s.at()).containsExactly(0.75, 0.9);
    assertThat(p.budget().onExhausted()).isEqualTo(ExhaustedAction.LOCAL_ONLY);
    assertThat(p.privacy().onPii()).isEqualTo(Policy.PiiAction.LOCAL_ONLY);
    assertThat(p.privacy().kinds()).containsExactlyInAnyOrder(PiiKind.EMAIL, PiiKind.CARD);
    assertThat(p.allowedForcedTiers()).containsExactly(Tier.LOCAL);
    assertThat(p.source()).isEqualTo("team-a.yaml");
  }

  @Test
  void onlyNameAndCloudThresholdAreRequired() {
    Policy p = Policy.parse("name: tiny\nthresholds: {cloud-at: 0.3}\n", "tiny.yaml");
    assertThat(p.allowedTiers()).containsExactlyInAnyOrder(Tier.values());
    assertThat(p.thresholds().legacyAt()).isNull();
    assertThat(p.fallbackFor(Tier.CLOUD)).containsExactly(Tier.LEGACY);
    assertThat(p.privacy().onPii()).isEqualTo(Policy.PiiAction.ALLOW);
    assertThat(p.budget().onExhausted()).isEqualTo(ExhaustedAction.REJECT);
  }

  @Test
  void scoreThresholdsPickTiersAndExplainThemselves() {
    Policy.Thresholds t = new Policy.Thresholds(0.6, 0.9);
    assertThat(t.tierFor(0.59)).isEqualTo(Tier.LOCAL);
    assertThat(t.tierFor(0.6)).isEqualTo(Tier.CLOUD);
    assertThat(t.tierFor(0.95)).isEqualTo(Tier.LEGACY);
    assertThat(t.reason(0.71)).isEqualTo("score 0.71 >= 0.60 → cloud");
    assertThat(t.reason(0.2)).isEqualTo("score 0.20 < 0.60 → local");
  }

  @Test
  void anOutOfRangeThresholdNamesFileFieldAndValue() {
    assertThatThrownBy(() -> Policy.parse("name: x\nthresholds: {cloud-at: 1.7}\n", "bad.yaml"))
        .isInstanceOf(PolicyException.class)
        .hasMessageContaining("bad.yaml").hasMessageContaining("thresholds.cloud-at").hasMessageContaining("1.7");
  }

  @Test
  void legacyBelowCloudIsRejected() {
    assertThat(problems("name: x\nthresholds: {cloud-at: 0.6, legacy-at: 0.4}\n"))
        .extracting(Problem::field).containsExactly("thresholds.legacy-at");
  }

  @Test
  void unknownFieldsAreNamedWithTheirPath() {
    assertThat(problems("name: x\nthresholds: {cloud-at: 0.5, cloud_at: 0.5}\nburts: {}\n"))
        .extracting(Problem::field).containsExactlyInAnyOrder("thresholds.cloud_at", "burts");
  }

  @Test
  void everyProblemIsReportedAtOnce() {
    List<Problem> p = problems("""
        name: Bad Name
        thresholds: {cloud-at: 0.5}
        allowed-tiers: [local, gpu]
        fallback: {cloud: [cloud]}
        burst: {max-local-queue-wait-ms: -5}
        budget: {on-exhausted: explode, degrade: [{at: 1.2, max-tier: cloud}]}
        privacy: {on-pii: maybe, kinds: [email, dna]}
        """);
    assertThat(p).extracting(Problem::field).containsExactlyInAnyOrder("name", "allowed-tiers", "fallback.cloud",
        "burst.max-local-queue-wait-ms", "budget.degrade[0].at", "budget.on-exhausted", "privacy.on-pii",
        "privacy.kinds");
    assertThat(p).extracting(Problem::value).contains("Bad Name", "gpu", "-5", "explode", "1.2", "maybe", "dna");
    assertThat(p).allSatisfy(x -> assertThat(x.file()).isEqualTo("p.yaml"));
  }

  @Test
  void missingRequiredFieldsAreNamed() {
    assertThat(problems("description: nothing else\n")).extracting(Problem::field)
        .containsExactlyInAnyOrder("name", "thresholds");
  }

  @Test
  void brokenYamlSaysWhere() {
    assertThatThrownBy(() -> Policy.parse("name: x\nthresholds: [cloud-at: 0.5\n", "broken.yaml"))
        .hasMessageContaining("broken.yaml").hasMessageContaining("not valid YAML").hasMessageContaining("line");
  }

  @Test
  void anEmptyDocumentIsRejected() {
    assertThat(problems("")).extracting(Problem::message).containsExactly("empty document");
  }

  @Test
  void wrongTypesAreNamed() {
    assertThat(problems("name: x\nthresholds: {cloud-at: high}\nlatency: {max-ms: 1.5}\n"))
        .extracting(Problem::field).containsExactlyInAnyOrder("thresholds.cloud-at", "latency.max-ms");
  }
}
