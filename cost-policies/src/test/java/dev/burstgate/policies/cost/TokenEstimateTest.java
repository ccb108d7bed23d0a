package dev.burstgate.policies.cost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TokenEstimateTest {

    @Test
    void aTextIsAboutFourCharactersATokenRoundedUp() {
        assertThat(TokenEstimate.ofChars(0)).isZero();
        assertThat(TokenEstimate.ofChars(1)).isEqualTo(1);
        assertThat(TokenEstimate.ofChars(4)).isEqualTo(1);
        assertThat(TokenEstimate.ofChars(5)).isEqualTo(2);
        assertThat(TokenEstimate.ofChars(4_000)).isEqualTo(1_000);
    }

    @Test
    void aPromptIsNeverFree() {
        assertThat(TokenEstimate.promptTokens(0)).isEqualTo(1);
        assertThat(TokenEstimate.promptTokens(9)).isEqualTo(3);
    }

    @Test
    void refusesANegativeLength() {
        assertThatThrownBy(() -> TokenEstimate.ofChars(-1)).hasMessageContaining("chars must be >= 0 but was -1");
    }
}
