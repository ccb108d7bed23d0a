package dev.burstgate.policies.shadow;

import static org.assertj.core.api.Assertions.assertThat;

import dev.burstgate.policies.Tier;
import dev.burstgate.policies.cost.Usd;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ShadowPlannerTest {

    private static ShadowRules rules(double rate, Double band, ShadowRules.Pair... pairs) {
        return new ShadowRules(rate, band, Usd.of("10"), List.of(pairs), new ShadowRules.Judge.Exact());
    }

    @Test
    void eachPairComparesItsServedTierWithItsStrongerTier() {
        assertThat(ShadowRules.Pair.LOCAL_VS_CLOUD.against(Tier.LOCAL)).isEqualTo(Tier.CLOUD);
        assertThat(ShadowRules.Pair.LOCAL_VS_CLOUD.against(Tier.CLOUD)).isNull();
        assertThat(ShadowRules.Pair.CLOUD_VS_LEGACY.against(Tier.CLOUD)).isEqualTo(Tier.LEGACY);
        assertThat(ShadowRules.Pair.LOCAL_VS_LEGACY.against(Tier.LOCAL)).isEqualTo(Tier.LEGACY);
        assertThat(ShadowRules.Pair.ANY_VS_LEGACY.against(Tier.LOCAL)).isEqualTo(Tier.LEGACY);
        assertThat(ShadowRules.Pair.ANY_VS_LEGACY.against(Tier.CLOUD)).isEqualTo(Tier.LEGACY);
        assertThat(ShadowRules.Pair.ANY_VS_LEGACY.against(Tier.LEGACY)).isNull();
    }

    @Test
    void theFirstListedPairThatCoversTheServedTierWins() {
        ShadowRules r = rules(1, null, ShadowRules.Pair.LOCAL_VS_CLOUD, ShadowRules.Pair.ANY_VS_LEGACY);
        assertThat(r.against(Tier.LOCAL)).isEqualTo(Tier.CLOUD);
        assertThat(r.against(Tier.CLOUD)).isEqualTo(Tier.LEGACY);
        assertThat(r.against(Tier.LEGACY)).isNull();
    }

    @Test
    void nearThresholdKeepsOnlyScoresWithinTheBandOfTheThresholdAboveTheServedTier() {
        ShadowRules r = rules(1, 0.1, ShadowRules.Pair.LOCAL_VS_CLOUD, ShadowRules.Pair.CLOUD_VS_LEGACY);
        assertThat(ShadowPlanner.eligible(r, Tier.LOCAL, 0.41, 0.5, 0.9)).isEqualTo(Tier.CLOUD);
        assertThat(ShadowPlanner.eligible(r, Tier.LOCAL, 0.4, 0.5, 0.9)).isEqualTo(Tier.CLOUD);
        assertThat(ShadowPlanner.eligible(r, Tier.LOCAL, 0.39, 0.5, 0.9)).isNull();
        // a local answer above cloud-at (a burst down to local) is near the threshold too when within the band
        assertThat(ShadowPlanner.eligible(r, Tier.LOCAL, 0.55, 0.5, 0.9)).isEqualTo(Tier.CLOUD);
        assertThat(ShadowPlanner.eligible(r, Tier.CLOUD, 0.85, 0.5, 0.9)).isEqualTo(Tier.LEGACY);
        assertThat(ShadowPlanner.eligible(r, Tier.CLOUD, 0.55, 0.5, 0.9)).isNull();
        // no legacy-at: a cloud decision hinged on no threshold above it
        assertThat(ShadowPlanner.eligible(r, Tier.CLOUD, 0.85, 0.5, null)).isNull();
    }

    @Test
    void withoutABandEveryAnswerOfACoveredTierIsEligible() {
        ShadowRules r = rules(1, null, ShadowRules.Pair.LOCAL_VS_CLOUD);
        assertThat(ShadowPlanner.eligible(r, Tier.LOCAL, 0.0, 0.5, null)).isEqualTo(Tier.CLOUD);
        assertThat(ShadowPlanner.eligible(r, Tier.CLOUD, 0.7, 0.5, null)).isNull();
    }

    @Test
    void rateOneShadowsEveryEligibleRequestAndRateZeroNone() {
        ShadowPlanner all =
                new ShadowPlanner(rules(1, null, ShadowRules.Pair.ANY_VS_LEGACY), 0.5, null, new SplittableRandom(1));
        ShadowPlanner none =
                new ShadowPlanner(rules(0, null, ShadowRules.Pair.ANY_VS_LEGACY), 0.5, null, new SplittableRandom(1));
        for (int i = 0; i < 100; i++) {
            assertThat(all.pick(Tier.LOCAL, i / 100.0)).isEqualTo(Tier.LEGACY);
            assertThat(none.pick(Tier.LOCAL, i / 100.0)).isNull();
        }
        assertThat(all.pick(Tier.LEGACY, 0.5)).isNull();
        assertThat(all.eligibleSeen()).isEqualTo(100);
        assertThat(all.chosen()).isEqualTo(100);
    }

    @Test
    void neverShadowsMoreThanTheRateOfTheEligibleRequestsSeen() {
        ShadowPlanner p =
                new ShadowPlanner(rules(0.1, 0.2, ShadowRules.Pair.LOCAL_VS_CLOUD), 0.5, null, new SplittableRandom(7));
        SplittableRandom scores = new SplittableRandom(3);
        for (int i = 0; i < 20_000; i++) {
            p.pick(Tier.LOCAL, scores.nextDouble());
            assertThat(p.chosen()).isLessThanOrEqualTo((long) Math.floor(0.1 * p.eligibleSeen()));
        }
        // about 40 % of uniform scores are within 0.2 of 0.5, and about a tenth of those are chosen
        assertThat(p.eligibleSeen()).isBetween(7_600L, 8_400L);
        assertThat(p.chosen()).isBetween(700L, 800L);
    }
}
