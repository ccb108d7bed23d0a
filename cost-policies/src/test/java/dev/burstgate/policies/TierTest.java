package dev.burstgate.policies;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class TierTest {

    @ParameterizedTest
    @CsvSource({"local, LOCAL", "Cloud, CLOUD", "' LEGACY ', LEGACY"})
    void aLabelNamesItsTierInAnyCaseWithBlanksAround(String label, Tier tier) {
        assertThat(Tier.fromLabel(label)).contains(tier);
        assertThat(Tier.fromLabel(tier.label())).contains(tier);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "auto", "gpu", "loca", "LOCAL1", "lоcal"})
    void anythingElseNamesNoTier(String label) {
        assertThat(Tier.fromLabel(label)).isEmpty();
        assertThat(Tier.fromLabel(null)).isEmpty();
    }
}
