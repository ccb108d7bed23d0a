package dev.burstgate.gateway.tier;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.mock.env.MockEnvironment;

/**
 * When unconfigured tiers are simulated: with no tier configured at all, or with {@code burstgate.demo=true}; never
 * once any tier is configured, and never with {@code burstgate.demo=false}.
 */
class DemoModeTest {

    @Test
    void isOnWhenNoTierIsConfigured() {
        MockEnvironment env = new MockEnvironment();

        assertThat(DemoMode.on(env)).isTrue();
        assertThat(DemoMode.asked(env)).isFalse();
        assertThat(DemoMode.why(env)).isEqualTo("demo mode: no tier is configured");
    }

    @Test
    void settingsThatConfigureNoBackendLeaveItOn() {
        MockEnvironment env = new MockEnvironment()
                .withProperty("burstgate.tiers.local.enabled", "false")
                .withProperty("burstgate.tiers.cloud.price-per-query", "0.10")
                .withProperty("burstgate.tiers.legacy.model", "gpt-4o")
                .withProperty("burstgate.policy", "cost-saver");

        assertThat(DemoMode.on(env)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "burstgate.tiers.local.model=/models/m.gguf",
                "burstgate.tiers.cloud.endpoints=http://node-a:8000,http://node-b:8000",
                "burstgate.tiers.cloud.endpoints[0]=http://node-a:8000",
                "burstgate.tiers.legacy.url=https://api.example.com"
            })
    void isOffAsSoonAsAnyTierIsConfigured(String setting) {
        String[] kv = setting.split("=", 2);
        MockEnvironment env = new MockEnvironment().withProperty(kv[0], kv[1]);

        assertThat(DemoMode.on(env)).as(setting).isFalse();
    }

    @Test
    void isOffWhenATierIsConfiguredThroughTheEnvironment() {
        StandardEnvironment env = new StandardEnvironment();
        env.getPropertySources()
                .replace(
                        StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                        new SystemEnvironmentPropertySource(
                                StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                                Map.of("BURSTGATE_TIERS_CLOUD_ENDPOINTS", "http://node-a:8000")));

        assertThat(DemoMode.on(env)).isFalse();
    }

    @Test
    void demoTrueSimulatesTheUnconfiguredTiersBesideConfiguredOnes() {
        MockEnvironment env = new MockEnvironment()
                .withProperty("burstgate.tiers.cloud.endpoints", "http://node-a:8000")
                .withProperty("burstgate.demo", "true");

        assertThat(DemoMode.on(env)).isTrue();
        assertThat(DemoMode.asked(env)).isTrue();
        assertThat(DemoMode.why(env)).isEqualTo("burstgate.demo=true");
    }

    @Test
    void demoFalseKeepsUnconfiguredTiersOffEvenWhenNothingIsConfigured() {
        StandardEnvironment env = new StandardEnvironment();
        env.getPropertySources()
                .replace(
                        StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                        new SystemEnvironmentPropertySource(
                                StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                                Map.of("BURSTGATE_DEMO", "false")));

        assertThat(DemoMode.on(env)).isFalse();
        assertThat(DemoMode.asked(env)).isFalse();
    }
}
