package dev.burstgate.policies.cost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.burstgate.policies.Tier;
import java.util.List;
import org.junit.jupiter.api.Test;

class PriceTableTest {

    private final PriceTable defaults = PriceTable.defaults();

    @Test
    void defaultPricesAreTwoCentsEighteenCentsAndOneTenPerQuery() {
        Usage usage = new Usage(1_000, 500);
        assertThat(defaults.cost(Tier.LOCAL, usage)).isEqualTo(Usd.of("0.02"));
        assertThat(defaults.cost(Tier.CLOUD, usage)).isEqualTo(Usd.of("0.18"));
        assertThat(defaults.cost(Tier.LEGACY, usage)).isEqualTo(Usd.of("1.10"));
    }

    @Test
    void tokenPricesAddToThePerQueryPrice() {
        PriceTable t = defaults.with(Tier.CLOUD, new TierPrice(Usd.of("0.01"), Usd.of("0.50"), Usd.of("1.50")));
        // 0.01 + 1200 * 0.50 / 1e6 + 300 * 1.50 / 1e6 = 0.01 + 0.0006 + 0.00045
        assertThat(t.cost(Tier.CLOUD, new Usage(1_200, 300))).isEqualTo(Usd.of("0.01105"));
        assertThat(t.cost(Tier.LOCAL, new Usage(1_200, 300))).isEqualTo(Usd.of("0.02"));
    }

    @Test
    void savingIsBaselineMinusActualForALocalAnswer() {
        CostOutcome o = defaults.outcome(List.of(new PriceTable.Attempt(Tier.LOCAL, new Usage(10, 10))));
        assertThat(o.actual()).isEqualTo(Usd.of("0.02"));
        assertThat(o.baseline()).isEqualTo(Usd.of("1.10"));
        assertThat(o.saving()).isEqualTo(Usd.of("1.08"));
    }

    @Test
    void everyBilledAttemptOfAFallbackChainIsPaid() {
        CostOutcome o = defaults.outcome(List.of(
                new PriceTable.Attempt(Tier.CLOUD, Usage.NONE),
                new PriceTable.Attempt(Tier.LEGACY, new Usage(100, 50))));
        assertThat(o.actual()).isEqualTo(Usd.of("1.28"));
        assertThat(o.saving()).isEqualTo(Usd.of("-0.18"));
        assertThat(o.saving().isNegative()).isTrue();
    }

    @Test
    void outcomesSumExactlyOverManyRequests() {
        CostOutcome total = new CostOutcome(Usd.ZERO, Usd.ZERO);
        for (int i = 0; i < 1_000; i++) {
            total = total.plus(defaults.outcome(List.of(new PriceTable.Attempt(Tier.CLOUD, new Usage(i, i)))));
        }
        assertThat(total.actual()).isEqualTo(Usd.of("180"));
        assertThat(total.saving()).isEqualTo(Usd.of("920"));
    }

    @Test
    void baselineUsesLegacyTokenPrices() {
        PriceTable t = defaults.with(Tier.LEGACY, new TierPrice(Usd.ZERO, Usd.of("10"), Usd.of("30")));
        assertThat(t.baseline(new Usage(1_000, 1_000))).isEqualTo(Usd.of("0.04"));
    }

    @Test
    void overridingOneTierLeavesTheOriginalTableUnchanged() {
        PriceTable cheaper = defaults.with(Tier.LEGACY, TierPrice.perQuery(Usd.of("0.90")));
        assertThat(defaults.price(Tier.LEGACY).perQuery()).isEqualTo(Usd.of("1.10"));
        assertThat(cheaper.price(Tier.LEGACY).perQuery()).isEqualTo(Usd.of("0.90"));
    }

    @Test
    void rejectsNegativePricesAndTokensNamingTheField() {
        assertThatThrownBy(() -> TierPrice.perQuery(Usd.of("-0.01")))
                .hasMessageContaining("perQuery")
                .hasMessageContaining("-0.01");
        assertThatThrownBy(() -> new Usage(-1, 0))
                .hasMessageContaining("promptTokens")
                .hasMessageContaining("-1");
        assertThatThrownBy(() -> defaults.outcome(List.of())).hasMessageContaining("attempts");
    }

    @Test
    void aTierWithNoPricesIsFree() {
        assertThat(TierPrice.perQuery(Usd.ZERO).isFree()).isTrue();
        assertThat(defaults.price(Tier.LOCAL).isFree()).isFalse();
    }
}
