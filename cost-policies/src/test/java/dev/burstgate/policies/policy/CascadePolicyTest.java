package dev.burstgate.policies.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.tuple;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The {@code cascade} block of a policy: what it reads, its defaults, and every mistake named with its field. */
class CascadePolicyTest {

    private static final String BASE = """
            name: c
            thresholds: {cloud-at: 0.5}
            """;

    private static Policy parse(String cascade) {
        return Policy.parse(BASE + cascade, "c.yaml");
    }

    private static List<Problem> problems(String yaml) {
        return catchThrowableOfType(PolicyException.class, () -> Policy.parse(yaml, "c.yaml"))
                .problems();
    }

    @Test
    void aPolicyWithoutACascadeHasNone() {
        assertThat(Policy.parse(BASE, "c.yaml").cascade()).isNull();
        assertThat(parse("cascade: null\n").cascade()).isNull();
    }

    @Test
    void readsEveryField() {
        Policy p = parse("""
                cascade:
                  escalate-below: 0.55
                  signal: min-prob
                  structural: false
                  stream-buffer: {max-tokens: 64, max-ms: 1500}
                """);
        assertThat(p.cascade())
                .isEqualTo(new Policy.Cascade(0.55, Policy.Signal.MIN_PROB, false, new Policy.StreamBuffer(64, 1500)));
    }

    @Test
    void onlyEscalateBelowIsRequiredAndTheRestDefaults() {
        Policy.Cascade c = parse("cascade: {escalate-below: 0.4}\n").cascade();
        assertThat(c).isEqualTo(new Policy.Cascade(0.4, Policy.Signal.MEAN_PROB, true, null));
        assertThat(c.covers(false)).isTrue();
        assertThat(c.covers(true)).isFalse();
        assertThat(parse("cascade: {escalate-below: 0.4, stream-buffer: {max-tokens: 1, max-ms: 1}}\n")
                        .cascade()
                        .covers(true))
                .isTrue();
    }

    @Test
    void theBoundsOfEscalateBelowAreAllowed() {
        assertThat(parse("cascade: {escalate-below: 0}\n").cascade().escalateBelow())
                .isZero();
        assertThat(parse("cascade: {escalate-below: 1}\n").cascade().escalateBelow())
                .isEqualTo(1.0);
    }

    @Test
    void everyMistakeIsNamedWithItsFieldAndValue() {
        List<Problem> problems = problems(BASE + """
                cascade:
                  escalate-below: 1.5
                  signal: entropy
                  structural: sometimes
                  stream-buffer: {max-tokens: 0, max-ms: fast, extra: 1}
                  colour: red
                """);
        assertThat(problems)
                .extracting(Problem::field, Problem::value, Problem::message)
                .contains(
                        tuple("cascade.escalate-below", "1.5", "must be between 0 and 1"),
                        tuple("cascade.signal", "entropy", "expected mean-prob or min-prob"),
                        tuple("cascade.structural", "sometimes", "expected true or false"),
                        tuple("cascade.stream-buffer.max-tokens", "0", "must be >= 1"),
                        tuple("cascade.stream-buffer.max-ms", "fast", "expected a whole number"));
        assertThat(problems).extracting(Problem::field).contains("cascade.colour", "cascade.stream-buffer.extra");
    }

    @Test
    void escalateBelowIsRequiredAndTheBlockIsAMapping() {
        assertThat(problems(BASE + "cascade: {signal: min-prob}\n"))
                .extracting(Problem::field, Problem::message)
                .containsExactly(tuple("cascade.escalate-below", "is required"));
        assertThat(problems(BASE + "cascade: 0.5\n")).extracting(Problem::field).containsExactly("cascade");
        assertThat(problems(BASE + "cascade: {escalate-below: 0.5, stream-buffer: {max-ms: 100}}\n"))
                .extracting(Problem::field, Problem::message)
                .containsExactly(tuple("cascade.stream-buffer.max-tokens", "is required"));
    }

    @Test
    void aCascadeThatCouldNeverEscalateIsAMistake() {
        assertThat(problems(BASE + "allowed-tiers: [cloud, legacy]\ncascade: {escalate-below: 0.5}\n"))
                .extracting(Problem::field, Problem::message)
                .containsExactly(
                        tuple("cascade", "needs the local tier among allowed-tiers: only a local answer is checked"));
        assertThat(problems(BASE + "fallback: {local: []}\ncascade: {escalate-below: 0.5}\n"))
                .extracting(Problem::field, Problem::message)
                .containsExactly(tuple(
                        "cascade", "needs an allowed tier in fallback.local to escalate to (fallback.local = [])"));
        assertThat(problems(BASE + "allowed-tiers: [local, legacy]\nfallback: {local: [cloud]}\n"
                        + "cascade: {escalate-below: 0.5}\n"))
                .extracting(Problem::field)
                .containsExactly("cascade");
    }

    @Test
    void aCopyKeepsItsCascadeAndCanChangeIt() {
        Policy p = parse("cascade: {escalate-below: 0.3}\n");
        assertThat(p.withThresholds(new Policy.Thresholds(0.2, null)).cascade()).isEqualTo(p.cascade());
        assertThat(p.withCascade(null).cascade()).isNull();
    }

    @Test
    void theRecordsRefuseValuesTheParserWouldNotProduce() {
        assertThatThrownBy(() -> new Policy.Cascade(-0.1, Policy.Signal.MEAN_PROB, true, null))
                .hasMessageContaining("escalateBelow");
        assertThatThrownBy(() -> new Policy.StreamBuffer(0, 10)).hasMessageContaining("maxTokens");
        assertThatThrownBy(() -> new Policy.StreamBuffer(10, 0)).hasMessageContaining("maxMs");
    }
}
