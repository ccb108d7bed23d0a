package dev.burstgate.gateway.testsupport;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigureOrder;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.http.client.ReactorResourceFactory;

/**
 * Tests only: every application context gets event loops and a connection pool of its own instead of Reactor
 * Netty's global ones. A test JVM holds several gateways at once (cached contexts, and gateways that tests start and
 * stop themselves); with the global resources, stopping one gateway disposes the event loops that the others' servers
 * and clients still run on, and their requests hang. A gateway process holds one context, so production keeps Boot's
 * default (registered in {@code META-INF/spring/...AutoConfiguration.imports} of the test classpath only).
 */
@AutoConfiguration
@AutoConfigureOrder(Ordered.HIGHEST_PRECEDENCE)
public class ContextEventLoopsAutoConfiguration {

    @Bean
    ReactorResourceFactory reactorResourceFactory() {
        ReactorResourceFactory factory = new ReactorResourceFactory();
        factory.setUseGlobalResources(false);
        return factory;
    }
}
