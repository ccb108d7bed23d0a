package dev.burstgate.gateway.tier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.burstgate.policies.Tier;
import dev.burstgate.policies.cost.PriceTable;
import dev.burstgate.policies.cost.TierPrice;
import dev.burstgate.policies.cost.Usd;
import java.util.Map;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/**
 * The tiers' prices bind straight into {@link TierPrice}, whose rules run while binding: what start-up does with
 * {@code burstgate.tiers.*}, without a Spring context.
 */
class TiersPropertiesTest {

    @Test
    void unsetPricesAreThePriceTablesDefaults() {
        TiersProperties tiers = bind(new MapConfigurationPropertySource());

        PriceTable defaults = PriceTable.defaults();
        assertThat(tiers.local().price()).isEqualTo(defaults.price(Tier.LOCAL));
        assertThat(tiers.cloud().price()).isEqualTo(defaults.price(Tier.CLOUD));
        assertThat(tiers.legacy().price()).isEqualTo(defaults.price(Tier.LEGACY));
    }

    @Test
    void theThreePriceKeysOfATierBecomeItsTierPrice() {
        TiersProperties tiers = bind(new MapConfigurationPropertySource(Map.of(
                "burstgate.tiers.cloud.price-per-query", "0",
                "burstgate.tiers.cloud.price-per-million-input-tokens", "0.50",
                "burstgate.tiers.cloud.price-per-million-output-tokens", "1.5")));

        assertThat(tiers.cloud().price()).isEqualTo(new TierPrice(Usd.ZERO, Usd.of("0.5"), Usd.of("1.50")));
        assertThat(tiers.local().price()).isEqualTo(PriceTable.defaults().price(Tier.LOCAL));
    }

    @Test
    void environmentVariablesBindThePricesToo() {
        TiersProperties tiers = bind(environment(Map.of("BURSTGATE_TIERS_LEGACY_PRICE_PER_QUERY", "2.25")));

        assertThat(tiers.legacy().price()).isEqualTo(TierPrice.perQuery(Usd.of("2.25")));
    }

    @Test
    void aNegativePriceFailsTheBindingNamingTheTierTheKeyAndTheValue() {
        assertBindingFails(new MapConfigurationPropertySource(
                        Map.of("burstgate.tiers.legacy.price-per-million-output-tokens", "-1")))
                .hasMessageContainingAll(
                        "burstgate.tiers.legacy", "price-per-million-output-tokens -1", "must be >= 0 but was -1");
    }

    @Test
    void aNegativePerQueryPriceFailsTheBinding() {
        assertBindingFails(new MapConfigurationPropertySource(Map.of("burstgate.tiers.local.price-per-query", "-0.01")))
                .hasMessageContainingAll("burstgate.tiers.local", "price-per-query -0.01", "must be >= 0");
    }

    @Test
    void aPriceKeySetToNothingFailsTheBindingNamingTheKey() {
        assertThatThrownBy(() -> bind(environment(Map.of("BURSTGATE_TIERS_CLOUD_PRICE_PER_QUERY", ""))))
                .isInstanceOf(BindException.class)
                .hasMessageContaining("burstgate.tiers.cloud.price-per-query")
                .rootCause()
                .hasMessage("not a USD amount: '' (expected a decimal such as 0.18)");
    }

    @Test
    void aPriceThatIsNoNumberFailsTheBindingNamingTheKeyAndTheValue() {
        Map<String, String> props = Map.of("burstgate.tiers.cloud.price-per-million-input-tokens", "cheap");
        assertThatThrownBy(() -> bind(new MapConfigurationPropertySource(props)))
                .isInstanceOf(BindException.class)
                .hasMessageContaining("burstgate.tiers.cloud.price-per-million-input-tokens")
                .rootCause()
                .hasMessageContaining("not a USD amount: 'cheap'");
    }

    private static TiersProperties bind(ConfigurationPropertySource source) {
        return new Binder(source).bindOrCreate("burstgate.tiers", TiersProperties.class);
    }

    /** The failure's root cause: what start-up prints as the reason. */
    private static AbstractThrowableAssert<?, ? extends Throwable> assertBindingFails(
            ConfigurationPropertySource source) {
        return assertThatThrownBy(() -> bind(source))
                .isInstanceOf(BindException.class)
                .rootCause()
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static ConfigurationPropertySource environment(Map<String, Object> variables) {
        return ConfigurationPropertySources.from(new SystemEnvironmentPropertySource(
                        StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, variables))
                .iterator()
                .next();
    }
}
