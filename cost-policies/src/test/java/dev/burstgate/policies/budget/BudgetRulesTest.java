package dev.burstgate.policies.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.burstgate.policies.Tier;
import dev.burstgate.policies.cost.Usd;
import java.util.List;
import org.junit.jupiter.api.Test;

class BudgetRulesTest {

    private final BudgetRules rules = new BudgetRules(
            List.of(new BudgetRules.Step(0.95, Tier.LOCAL), new BudgetRules.Step(0.80, Tier.CLOUD)),
            ExhaustedAction.REJECT);

    @Test
    void fractionUsedIsTheLargerOfDailyAndMonthly() {
        BudgetState s = new BudgetState(Usd.of("10"), Usd.of("2"), Usd.of("100"), Usd.of("50"));
        assertThat(s.fractionUsed()).isEqualTo(0.5);
        assertThat(BudgetState.UNLIMITED.fractionUsed()).isZero();
        assertThat(BudgetState.daily(Usd.ZERO, Usd.ZERO).exhausted()).isTrue();
    }

    @Test
    void belowTheFirstStepNothingIsRestricted() {
        assertThat(rules.verdict(BudgetState.daily(Usd.of("100"), Usd.of("79.99"))))
                .isInstanceOf(BudgetRules.Verdict.Unrestricted.class);
    }

    @Test
    void atEightyPercentTiersAboveCloudAreCut() {
        assertThat(rules.verdict(BudgetState.daily(Usd.of("100"), Usd.of("80"))))
                .isEqualTo(new BudgetRules.Verdict.Capped(Tier.CLOUD, 0.8, 0.8));
    }

    @Test
    void theStrictestReachedStepWins() {
        assertThat(rules.verdict(BudgetState.monthly(Usd.of("100"), Usd.of("96"))))
                .isEqualTo(new BudgetRules.Verdict.Capped(Tier.LOCAL, 0.96, 0.95));
    }

    @Test
    void atOneHundredPercentTheBudgetIsExhausted() {
        assertThat(rules.verdict(BudgetState.daily(Usd.of("100"), Usd.of("100.01"))))
                .isInstanceOf(BudgetRules.Verdict.Exhausted.class);
    }

    @Test
    void spendingAddsToDayAndMonth() {
        BudgetState s = new BudgetState(Usd.of("1"), Usd.ZERO, Usd.of("10"), Usd.of("9")).plus(Usd.of("0.5"));
        assertThat(s.spentToday()).isEqualTo(Usd.of("0.5"));
        assertThat(s.spentThisMonth()).isEqualTo(Usd.of("9.5"));
        assertThat(s.fractionUsed()).isEqualTo(0.95);
    }

    @Test
    void rejectsAStepOutsideZeroToOneNamingTheValue() {
        assertThatThrownBy(() -> new BudgetRules.Step(1.5, Tier.CLOUD))
                .hasMessageContaining("at")
                .hasMessageContaining("1.5");
    }
}
