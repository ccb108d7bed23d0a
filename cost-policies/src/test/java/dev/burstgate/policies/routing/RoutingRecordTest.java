package dev.burstgate.policies.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.burstgate.policies.Tier;
import dev.burstgate.policies.budget.BudgetState;
import dev.burstgate.policies.capability.Capability;
import dev.burstgate.policies.capability.RequestNeeds;
import dev.burstgate.policies.classifier.Complexity;
import dev.burstgate.policies.cost.Usd;
import dev.burstgate.policies.privacy.PiiKind;
import dev.burstgate.policies.privacy.PrivacySignal;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RoutingRecordTest {

    private static final RoutingInput EVERYTHING = new RoutingInput(
            new Complexity(0.4375, List.of("math notation")),
            new PrivacySignal(Map.of(PiiKind.EMAIL, 2, PiiKind.CARD, 1), false),
            new BudgetState(Usd.of("10"), Usd.of("1.25"), null, Usd.of("31.000000000001")),
            new LocalEngineState(850, 3, false),
            TierHealth.allBut(Tier.LEGACY),
            new RequestOverrides(Tier.CLOUD, 1200L),
            new RequestNeeds(Map.of(Capability.TOOLS, "tools", Capability.VISION, "messages[0].content[1]"), 321));

    @Test
    void readsBackEveryInputTheRouterLooksAtAndTheServiceTimes() {
        List<RoutingRecord.ServiceTime> attempts = List.of(
                new RoutingRecord.ServiceTime(Tier.CLOUD, 12, false),
                new RoutingRecord.ServiceTime(Tier.LOCAL, 950, true));
        RoutingRecord read = RoutingRecord.fromJson(new RoutingRecord(EVERYTHING, attempts).toJson());
        RoutingInput in = read.input();
        assertThat(in.complexity().score()).isEqualTo(0.4375);
        assertThat(in.privacy()).isEqualTo(EVERYTHING.privacy());
        assertThat(in.budget()).isEqualTo(EVERYTHING.budget());
        assertThat(in.local()).isEqualTo(EVERYTHING.local());
        assertThat(in.health()).isEqualTo(EVERYTHING.health());
        assertThat(in.overrides()).isEqualTo(EVERYTHING.overrides());
        assertThat(in.needs()).isEqualTo(EVERYTHING.needs());
        assertThat(read.attempts()).isEqualTo(attempts);
    }

    @Test
    void anIdleUnlimitedAllUpRequestIsAShortLineWithTheVersion() {
        RoutingInput plain = RoutingInput.of(new Complexity(0.1, List.of())).withNeeds(RequestNeeds.ofPromptTokens(12));
        String json = new RoutingRecord(plain, List.of()).toJson();
        assertThat(json)
                .isEqualTo(
                        "{\"v\":1,\"score\":0.1,\"prompt_tokens\":12,"
                                + "\"local\":{\"wait_ms\":0,\"queued\":0,\"admitting\":true},\"up\":[\"local\",\"cloud\",\"legacy\"]}");
        RoutingRecord read = RoutingRecord.fromJson(json);
        assertThat(read.input().privacy()).isEqualTo(PrivacySignal.NONE);
        assertThat(read.input().budget()).isEqualTo(BudgetState.UNLIMITED);
        assertThat(read.input().overrides()).isEqualTo(RequestOverrides.NONE);
        assertThat(read.attempts()).isEmpty();
    }

    @Test
    void readsMembersItDoesNotKnowAndFillsMissingOnesWithAnIdleWorld() {
        RoutingRecord read = RoutingRecord.fromJson("{\"v\":1,\"score\":0.5,\"confidence\":0.8}");
        assertThat(read.input().local()).isEqualTo(LocalEngineState.IDLE);
        assertThat(read.input().health()).isEqualTo(TierHealth.ALL_UP);
        assertThat(read.input().needs()).isEqualTo(RequestNeeds.NONE);
    }

    @Test
    void refusesANewerVersionAndNamesTheBadMember() {
        assertThatThrownBy(() -> RoutingRecord.fromJson("{\"v\":2,\"score\":0.5}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("version 2")
                .hasMessageContaining("up to version 1");
        assertThatThrownBy(() -> RoutingRecord.fromJson("{\"score\":0.5}")).hasMessageContaining("'v'");
        assertThatThrownBy(() -> RoutingRecord.fromJson("{\"v\":1,\"score\":1.5}"))
                .hasMessageContaining("'score'")
                .hasMessageContaining("1.5");
        assertThatThrownBy(() -> RoutingRecord.fromJson("{\"v\":1,\"up\":[\"moon\"]}"))
                .hasMessageContaining("'up'")
                .hasMessageContaining("moon");
        assertThatThrownBy(() -> RoutingRecord.fromJson("{\"v\":1,\"budget\":{\"spent_today\":\"lots\"}}"))
                .hasMessageContaining("budget.spent_today");
        assertThatThrownBy(() -> RoutingRecord.fromJson("not json")).hasMessageContaining("not valid JSON");
    }

    @Test
    void keepsAtMostSixteenAttemptsAndClipsLongParameters() {
        List<RoutingRecord.ServiceTime> many = java.util.stream.IntStream.range(0, 40)
                .mapToObj(i -> new RoutingRecord.ServiceTime(Tier.CLOUD, i, false))
                .toList();
        RoutingInput in = RoutingInput.of(new Complexity(0.2, List.of()))
                .withNeeds(new RequestNeeds(Map.of(Capability.OPENAI_EXTRAS, "x".repeat(5000)), 1));
        String json = new RoutingRecord(in, many).toJson();
        RoutingRecord read = RoutingRecord.fromJson(json);
        assertThat(read.attempts()).hasSize(RoutingRecord.MAX_ATTEMPTS);
        assertThat(read.input().needs().parameter(Capability.OPENAI_EXTRAS)).hasSize(RoutingRecord.MAX_PARAMETER);
        assertThat(json.length()).isLessThan(2000);
    }
}
