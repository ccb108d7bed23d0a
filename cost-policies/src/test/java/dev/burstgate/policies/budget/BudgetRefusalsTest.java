package dev.burstgate.policies.budget;

import static org.assertj.core.api.Assertions.assertThat;

import dev.burstgate.policies.Tier;
import dev.burstgate.policies.cost.Usd;
import java.util.List;
import org.junit.jupiter.api.Test;

class BudgetRefusalsTest {

    @Test
    void everyTierMayBeTriedUntilAReservationIsRefused() {
        BudgetRefusals r = new BudgetRefusals(ExhaustedAction.REJECT);
        assertThat(r.any()).isFalse();
        assertThat(r.mayTry(Tier.LEGACY, false, Usd.of("1.10"))).isTrue();
        assertThat(r.mayTry(Tier.LOCAL, false, Usd.of("0.02"))).isTrue();
    }

    @Test
    void underRejectOnlyCheaperAndFreeTiersFollowARefusal() {
        BudgetRefusals r = new BudgetRefusals(ExhaustedAction.REJECT);
        List<Tier> plan = r.refused(Usd.of("0.18"), List.of(Tier.CLOUD, Tier.LEGACY), false);

        assertThat(plan).containsExactly(Tier.CLOUD, Tier.LEGACY);
        assertThat(r.mayTry(Tier.LEGACY, false, Usd.of("1.10"))).isFalse();
        assertThat(r.mayTry(Tier.CLOUD, false, Usd.of("0.18")))
                .as("not even the same price again")
                .isFalse();
        assertThat(r.mayTry(Tier.LOCAL, false, Usd.of("0.02"))).isTrue();
        assertThat(r.mayTry(Tier.LEGACY, true, Usd.ZERO))
                .as("a free tier spends nothing")
                .isTrue();
        assertThat(r.overLimit(Tier.LOCAL)).isFalse();
    }

    @Test
    void theCheapestRefusalIsTheBar() {
        BudgetRefusals r = new BudgetRefusals(ExhaustedAction.REJECT);
        r.refused(Usd.of("0.18"), List.of(), false);
        r.refused(Usd.of("1.10"), List.of(), false);
        assertThat(r.mayTry(Tier.LOCAL, false, Usd.of("0.17"))).isTrue();
        assertThat(r.mayTry(Tier.LOCAL, false, Usd.of("0.18"))).isFalse();
    }

    @Test
    void underLocalOnlyOnlyTheLocalTierFollowsAddedWhenTheRequestForcedNoTier() {
        BudgetRefusals r = new BudgetRefusals(ExhaustedAction.LOCAL_ONLY);
        assertThat(r.refused(Usd.of("1.10"), List.of(Tier.LEGACY, Tier.CLOUD), false))
                .containsExactly(Tier.LEGACY, Tier.CLOUD, Tier.LOCAL);
        assertThat(r.mayTry(Tier.CLOUD, false, Usd.of("0.01"))).isFalse();
        assertThat(r.mayTry(Tier.LOCAL, false, Usd.of("5"))).isTrue();
        assertThat(r.overLimit(Tier.LOCAL)).isTrue();
        assertThat(r.overLimit(Tier.CLOUD)).isFalse();

        BudgetRefusals forced = new BudgetRefusals(ExhaustedAction.LOCAL_ONLY);
        assertThat(forced.refused(Usd.of("1.10"), List.of(Tier.LEGACY), true)).containsExactly(Tier.LEGACY);
    }
}
