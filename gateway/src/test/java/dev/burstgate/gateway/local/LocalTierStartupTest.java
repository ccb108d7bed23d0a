package dev.burstgate.gateway.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.burstgate.engine.LocalEngine;
import dev.burstgate.gateway.local.LocalTierConfiguration.EngineWanted;
import dev.burstgate.gateway.local.runner.LocalRunner;
import dev.burstgate.gateway.tier.DisabledTier;
import dev.burstgate.gateway.tier.TierBackend;
import dev.burstgate.gateway.tier.TiersProperties;
import java.time.InstantSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.support.StaticListableBeanFactory;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.mock.env.MockEnvironment;
import tools.jackson.databind.json.JsonMapper;

/**
 * Whether the local tier's engine starts, and the start-up line when it does not: with another tier configured and no
 * local model the local tier is off, and says so.
 */
@ExtendWith(OutputCaptureExtension.class)
class LocalTierStartupTest {

    @Test
    void theEngineStartsOnAConfiguredModel() {
        assertThat(EngineWanted.wanted(new MockEnvironment()
                        .withProperty("burstgate.tiers.local.model", "/models/m.gguf")
                        .withProperty("burstgate.demo", "false")))
                .isTrue();
    }

    @Test
    void theEngineStartsOnTheTinyModelInDemoMode() {
        assertThat(EngineWanted.wanted(new MockEnvironment())).isTrue();
        assertThat(EngineWanted.wanted(new MockEnvironment()
                        .withProperty("burstgate.tiers.legacy.url", "https://api.example.com")
                        .withProperty("burstgate.demo", "true")))
                .isTrue();
    }

    @Test
    void noEngineWithoutAModelOnceAnotherTierIsConfigured() {
        assertThat(EngineWanted.wanted(
                        new MockEnvironment().withProperty("burstgate.tiers.cloud.endpoints", "http://node-a:8000")))
                .isFalse();
    }

    @Test
    void noEngineWhenTheTierIsDisabledWhateverElseIsSet() {
        assertThat(EngineWanted.wanted(new MockEnvironment()
                        .withProperty("burstgate.tiers.local.enabled", "false")
                        .withProperty("burstgate.tiers.local.model", "/models/m.gguf")
                        .withProperty("burstgate.demo", "true")))
                .isFalse();
    }

    @Test
    void withoutAnEngineTheTierIsLoggedOffWithTheReason(CapturedOutput output) {
        TierBackend tier =
                localTier(new MockEnvironment().withProperty("burstgate.tiers.cloud.endpoints", "http://node-a:8000"));

        assertThat(tier).isInstanceOf(DisabledTier.class);
        assertThat(output).contains("local tier: OFF (no burstgate.tiers.local.model, and demo mode is off)");
    }

    @Test
    void aDisabledTierIsLoggedOffNamingTheSetting(CapturedOutput output) {
        localTier(new MockEnvironment().withProperty("burstgate.tiers.local.enabled", "false"));

        assertThat(output).contains("local tier: OFF (burstgate.tiers.local.enabled=false)");
    }

    private static TierBackend localTier(MockEnvironment env) {
        TiersProperties tiers = Binder.get(env).bindOrCreate("burstgate.tiers", TiersProperties.class);
        return new LocalTierConfiguration()
                .localTier(
                        new StaticListableBeanFactory().getBeanProvider(LocalEngine.class),
                        new StaticListableBeanFactory().getBeanProvider(LocalRunner.class),
                        tiers,
                        JsonMapper.builder().build(),
                        InstantSource.system());
    }
}
