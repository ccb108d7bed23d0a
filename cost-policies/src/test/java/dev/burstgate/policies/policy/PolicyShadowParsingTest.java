package dev.burstgate.policies.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.tuple;

import dev.burstgate.policies.Tier;
import dev.burstgate.policies.cost.Usd;
import dev.burstgate.policies.shadow.ShadowRules;
import java.util.List;
import org.junit.jupiter.api.Test;

class PolicyShadowParsingTest {

    private static final String HEAD = """
            name: shadowed
            thresholds:
              cloud-at: 0.5
            """;

    private static List<Problem> problems(String yaml) {
        return catchThrowableOfType(PolicyException.class, () -> Policy.parse(yaml, "p.yaml"))
                .problems();
    }

    @Test
    void aPolicyWithoutAShadowBlockHasNoShadowRules() {
        assertThat(Policy.parse(HEAD, "p.yaml").shadow()).isNull();
    }

    @Test
    void readsEveryShadowField() {
        Policy p = Policy.parse(HEAD + """
                shadow:
                  rate: 0.05
                  near-threshold: 0.1
                  daily-budget-usd: 2.50
                  pairs: [local-vs-cloud, any-vs-legacy]
                  judge:
                    tier: legacy
                """, "p.yaml");
        ShadowRules s = p.shadow();
        assertThat(s).isNotNull();
        assertThat(s.rate()).isEqualTo(0.05);
        assertThat(s.nearThreshold()).isEqualTo(0.1);
        assertThat(s.dailyBudget()).isEqualTo(Usd.of("2.5"));
        assertThat(s.pairs()).containsExactly(ShadowRules.Pair.LOCAL_VS_CLOUD, ShadowRules.Pair.ANY_VS_LEGACY);
        assertThat(s.judge()).isEqualTo(new ShadowRules.Judge.ByTier(Tier.LEGACY));
        assertThat(s.judge().key()).isEqualTo("tier:legacy");
    }

    @Test
    void theJudgeIsExactUnlessNamedAndStructuralByName() {
        String body = """
                shadow:
                  rate: 1
                  daily-budget-usd: 1
                  pairs: [cloud-vs-legacy]
                """;
        assertThat(Policy.parse(HEAD + body, "p.yaml").shadow().judge()).isEqualTo(new ShadowRules.Judge.Exact());
        assertThat(Policy.parse(HEAD + body + "  judge: structural\n", "p.yaml")
                        .shadow()
                        .judge())
                .isEqualTo(new ShadowRules.Judge.Structural());
    }

    @Test
    void namesEveryBadShadowFieldAtOnce() {
        List<Problem> problems = problems(HEAD + """
                shadow:
                  rate: 1.5
                  near-threshold: 0
                  daily-budget-usd: -1
                  pairs: [local-vs-cloud, local-vs-cloud, cloud-vs-local]
                  judge:
                    tier: local
                  sample: 3
                """);
        assertThat(problems)
                .extracting(Problem::field, Problem::value)
                .contains(
                        tuple("shadow.rate", "1.5"),
                        tuple("shadow.near-threshold", "0"),
                        tuple("shadow.daily-budget-usd", "-1"),
                        tuple("shadow.pairs", "local-vs-cloud"),
                        tuple("shadow.pairs", "cloud-vs-local"),
                        tuple("shadow.judge.tier", "local"),
                        tuple("shadow.sample", ""));
    }

    @Test
    void rateBudgetAndPairsAreRequired() {
        assertThat(problems(HEAD + "shadow: {}\n"))
                .extracting(Problem::field)
                .containsExactlyInAnyOrder("shadow.rate", "shadow.daily-budget-usd", "shadow.pairs");
    }

    @Test
    void anUnknownJudgeIsNamed() {
        assertThat(problems(HEAD + """
                        shadow:
                          rate: 1
                          daily-budget-usd: 1
                          pairs: [local-vs-cloud]
                          judge: vibes
                        """))
                .extracting(Problem::field, Problem::value, Problem::message)
                .containsExactly(tuple(
                        "shadow.judge", "vibes", "expected exact, structural, or a mapping {tier: cloud|legacy}"));
    }

    @Test
    void withThresholdsKeepsTheShadowRules() {
        Policy p = Policy.parse(HEAD + """
                shadow:
                  rate: 1
                  daily-budget-usd: 1
                  pairs: [local-vs-cloud]
                """, "p.yaml");
        assertThat(p.withThresholds(new Policy.Thresholds(0.3, null)).shadow()).isEqualTo(p.shadow());
    }
}
