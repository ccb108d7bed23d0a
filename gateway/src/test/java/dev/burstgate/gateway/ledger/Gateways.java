package dev.burstgate.gateway.ledger;

import dev.burstgate.gateway.BurstgateApplication;
import java.util.Map;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/** Starts a whole gateway in the test's JVM, for tests that must stop it themselves. */
final class Gateways {

    private Gateways() {}

    /** The gateway with {@code properties} given as command-line arguments, so they win over application.yml. */
    static ConfigurableApplicationContext start(Map<String, ?> properties) {
        String[] args = properties.entrySet().stream()
                .map(e -> "--" + e.getKey() + "=" + e.getValue())
                .toArray(String[]::new);
        return new SpringApplicationBuilder(BurstgateApplication.class).run(args);
    }

    static int port(ConfigurableApplicationContext app) {
        return Integer.parseInt(app.getEnvironment().getProperty("local.server.port", "0"));
    }
}
