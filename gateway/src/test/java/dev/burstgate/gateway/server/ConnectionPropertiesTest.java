package dev.burstgate.gateway.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

class ConnectionPropertiesTest {

    static ConnectionProperties bind(Map<String, String> values) {
        return new Binder(new MapConfigurationPropertySource(values))
                .bindOrCreate("burstgate.server", ConnectionProperties.class);
    }

    @Test
    void defaultsToIdle60sHeader10sBody30sAnd10000Connections() {
        assertThat(bind(Map.of()))
                .isEqualTo(new ConnectionProperties(
                        Duration.ofSeconds(60), Duration.ofSeconds(10), Duration.ofSeconds(30), 10_000));
    }

    @Test
    void bindsEverySetting() {
        assertThat(bind(Map.of(
                        "burstgate.server.idle-timeout",
                        "5s",
                        "burstgate.server.header-timeout",
                        "500ms",
                        "burstgate.server.body-timeout",
                        "2m",
                        "burstgate.server.max-connections",
                        "42")))
                .isEqualTo(new ConnectionProperties(
                        Duration.ofSeconds(5), Duration.ofMillis(500), Duration.ofMinutes(2), 42));
    }

    @Test
    void rejectsANonPositiveTimeoutNamingIt() {
        assertThatThrownBy(() -> bind(Map.of("burstgate.server.header-timeout", "0s")))
                .isInstanceOf(BindException.class)
                .rootCause()
                .hasMessage("burstgate.server.header-timeout must be positive but was PT0S");
    }
}
