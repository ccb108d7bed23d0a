package dev.burstgate.policies.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.tuple;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.burstgate.policies.Tier;
import dev.burstgate.policies.budget.ExhaustedAction;
import dev.burstgate.policies.privacy.PiiKind;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
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
        return catchThrowableOfType(PolicyException.class, () -> Policy.parse(yaml, "p.yaml"))
                .problems();
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
                .hasMessageContaining("bad.yaml")
                .hasMessageContaining("thresholds.cloud-at")
                .hasMessageContaining("1.7");
    }

    @Test
    void legacyBelowCloudIsRejected() {
        assertThat(problems("name: x\nthresholds: {cloud-at: 0.6, legacy-at: 0.4}\n"))
                .extracting(Problem::field)
                .containsExactly("thresholds.legacy-at");
    }

    @Test
    void unknownFieldsAreNamedWithTheirPath() {
        assertThat(problems("name: x\nthresholds: {cloud-at: 0.5, cloud_at: 0.5}\nburts: {}\n"))
                .extracting(Problem::field)
                .containsExactlyInAnyOrder("thresholds.cloud_at", "burts");
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
        assertThat(p)
                .extracting(Problem::field)
                .containsExactlyInAnyOrder(
                        "name",
                        "allowed-tiers",
                        "fallback.cloud",
                        "burst.max-local-queue-wait-ms",
                        "budget.degrade[0].at",
                        "budget.on-exhausted",
                        "privacy.on-pii",
                        "privacy.kinds");
        assertThat(p).extracting(Problem::value).contains("Bad Name", "gpu", "-5", "explode", "1.2", "maybe", "dna");
        assertThat(p).allSatisfy(x -> assertThat(x.file()).isEqualTo("p.yaml"));
    }

    @Test
    void missingRequiredFieldsAreNamed() {
        assertThat(problems("description: nothing else\n"))
                .extracting(Problem::field)
                .containsExactlyInAnyOrder("name", "thresholds");
    }

    @Test
    void brokenYamlSaysWhere() {
        assertThatThrownBy(() -> Policy.parse("name: x\nthresholds: [cloud-at: 0.5\n", "broken.yaml"))
                .hasMessageContaining("broken.yaml")
                .hasMessageContaining("not valid YAML")
                .hasMessageContaining("line");
    }

    @Test
    void anEmptyDocumentIsRejected() {
        assertThat(problems("")).extracting(Problem::message).containsExactly("empty document");
    }

    @Test
    void wrongTypesAreNamed() {
        assertThat(problems("name: x\nthresholds: {cloud-at: high}\nlatency: {max-ms: 1.5}\n"))
                .extracting(Problem::field)
                .containsExactlyInAnyOrder("thresholds.cloud-at", "latency.max-ms");
    }

    @Test
    void aThresholdBeyondTheRangeOfADoubleIsOutOfRangeRatherThanACrash() {
        String huge = "1" + "0".repeat(309);
        assertThat(problems("name: x\nthresholds: {cloud-at: " + huge + "}\n"))
                .extracting(Problem::field, Problem::message)
                .containsExactly(tuple("thresholds.cloud-at", "must be between 0 and 1"));
        assertThat(problems("name: x\nthresholds: {cloud-at: 0.5}\nbudget: {degrade: [{at: -" + huge
                        + ", max-tier: local}]}\n"))
                .extracting(Problem::field)
                .containsExactly("budget.degrade[0].at");
    }

    @Test
    void anAliasIsRefusedNamingItsFieldInsteadOfBeingReadAsTheAnchorsName() {
        List<Problem> p = problems("""
        name: &n team-a
        description: *n
        thresholds: {cloud-at: 0.5}
        allowed-tiers: &t [local]
        overrides: {allowed-forced-tiers: *t}
        """);
        assertThat(p)
                .extracting(Problem::field, Problem::value)
                .containsExactly(tuple("description", "*n"), tuple("overrides.allowed-forced-tiers", "*t"));
        assertThat(p)
                .allSatisfy(x -> assertThat(x.message()).isEqualTo("aliases are not supported; write the value out"));
    }

    @Test
    void aBillionLaughsIsRefusedQuickly() {
        StringBuilder yaml =
                new StringBuilder("name: x\nthresholds: {cloud-at: 0.5}\nfallback:\n  a0: &a0 [lol, lol]\n");
        for (int i = 1; i <= 30; i++) {
            yaml.append("  a")
                    .append(i)
                    .append(": &a")
                    .append(i)
                    .append(" [*a")
                    .append(i - 1)
                    .append(", *a")
                    .append(i - 1)
                    .append("]\n");
        }
        List<Problem> p = assertTimeoutPreemptively(Duration.ofSeconds(2), () -> problems(yaml.toString()));
        assertThat(p).hasSize(60).allSatisfy(x -> assertThat(x.message()).startsWith("aliases are not supported"));
    }

    @Test
    void aKeyGivenTwiceInOneMappingIsAProblemRatherThanTheLastOneWinning() {
        assertThat(problems("name: x\nthresholds: {cloud-at: 0.5, cloud-at: 0.9}\nname: y\n"))
                .extracting(Problem::field, Problem::message)
                .containsExactlyInAnyOrder(
                        tuple("thresholds.cloud-at", "given twice in one mapping"),
                        tuple("name", "given twice in one mapping"));
        assertThat(Policy.parse(
                                "name: x\nthresholds: {cloud-at: 0.5}\nbudget:\n  degrade:\n    - {at: 0.5, max-tier: "
                                        + "cloud}\n    - {at: 0.9, max-tier: local}\n",
                                "p.yaml")
                        .budget()
                        .degrade())
                .hasSize(2);
    }

    @Test
    void aDescriptionIsTextNotAMappingOrAList() {
        assertThat(problems("name: x\ndescription: {a: 1}\nthresholds: {cloud-at: 0.5}\n"))
                .extracting(Problem::field, Problem::value)
                .containsExactly(tuple("description", "{\"a\":1}"));
        assertThat(Policy.parse("name: x\ndescription: 42\nthresholds: {cloud-at: 0.5}\n", "p.yaml")
                        .description())
                .isEqualTo("42");
    }

    @Test
    void aDocumentOverTheSizeLimitIsRefusedUnread() {
        String yaml = "name: x\nthresholds: {cloud-at: 0.5}\ndescription: " + "a".repeat(PolicyParser.MAX_CHARS) + "\n";
        List<Problem> p = assertTimeoutPreemptively(Duration.ofMillis(500), () -> problems(yaml));
        assertThat(p)
                .extracting(Problem::field, Problem::message)
                .containsExactly(tuple("(document)", yaml.length() + " characters; a policy file is at most 262144"));
    }

    @Test
    void aDocumentAtTheSizeLimitIsStillRead() {
        String head = "name: x\nthresholds: {cloud-at: 0.5}\ndescription: ";
        String yaml = head + "a".repeat(PolicyParser.MAX_CHARS - head.length() - 1) + "\n";
        assertThat(yaml).hasSize(PolicyParser.MAX_CHARS);
        assertThat(Policy.parse(yaml, "p.yaml").description()).hasSize(PolicyParser.MAX_CHARS - head.length() - 1);
    }

    @Test
    void aLongValueOrKeyIsQuotedOnlyInPart() {
        List<Problem> p = problems(
                "name: " + "n".repeat(100_000) + "\nthresholds: {cloud-at: 0.5, " + "k".repeat(1_000) + ": 1}\n");
        assertThat(p)
                .extracting(Problem::field, Problem::value)
                .containsExactly(
                        tuple("name", "n".repeat(100) + "… (100000 characters)"),
                        tuple("thresholds." + "k".repeat(100) + "… (1000 characters)", ""));
    }

    @Test
    void aScalarTheYamlReaderCannotDecodeNamesItsField() {
        assertThat(problems("name: x\nthresholds: {cloud-at: .nan}\n"))
                .singleElement()
                .satisfies(x -> {
                    assertThat(x.field()).isEqualTo("thresholds.cloud-at");
                    assertThat(x.message()).startsWith("not valid YAML at line 2, column ");
                });
    }

    /** Where the YAML reader's 1,025-character buffer ends, give or take a few characters. */
    private static IntStream aroundTheReadersBufferEnds() {
        return IntStream.concat(IntStream.rangeClosed(1_015, 1_035), IntStream.rangeClosed(2_040, 2_060));
    }

    @Test
    void anEmojiReadsWhereverItFallsAgainstTheYamlReadersBuffer() {
        String head = "name: x\nthresholds: {cloud-at: 0.5}\ndescription: ";
        aroundTheReadersBufferEnds().forEach(at -> {
            String description = "d".repeat(at - head.length()) + "\uD83D\uDE42 ok";
            assertThat(Policy.parse(head + description + "\n", "p.yaml").description())
                    .as("emoji at %d", at)
                    .isEqualTo(description);
        });
    }

    @Test
    void aLoneHighSurrogateEndingTheDocumentIsAProblemWhereverItFalls() {
        String head = "name: x\nthresholds: {cloud-at: 0.5}\ndescription: \"";
        aroundTheReadersBufferEnds().forEach(at -> {
            String yaml = head + "d".repeat(at - head.length()) + "\uD83D";
            assertThat(problems(yaml)).as("high surrogate at %d", at).isNotEmpty();
        });
    }
}
