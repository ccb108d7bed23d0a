package dev.burstgate.gateway.server;

import io.micrometer.core.instrument.MeterRegistry;
import java.lang.management.ManagementFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.json.JsonMapper;

/**
 * The HTTP server's connection guards ({@code burstgate.server.*}), installed on Reactor Netty's server by a
 * {@link NettyServerCustomizer}. Warns at start-up when {@code max-connections} leaves the process too few file
 * descriptors for everything else (the ledger's database, upstream connections, files).
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(ConnectionProperties.class)
class ServerConfiguration {

    private static final Logger log = LoggerFactory.getLogger(ServerConfiguration.class);

    /** File descriptors kept for everything but client connections. */
    static final long RESERVED_DESCRIPTORS = 512;

    @Bean
    NettyServerCustomizer connectionGuards(ConnectionProperties limits, JsonMapper json, MeterRegistry meters) {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean os
                && limits.maxConnections() + RESERVED_DESCRIPTORS > os.getMaxFileDescriptorCount()) {
            log.warn(
                    "burstgate.server.max-connections={} leaves fewer than {} of the process's {} file descriptors for "
                            + "everything else; lower it or raise the limit (ulimit -n)",
                    limits.maxConnections(),
                    RESERVED_DESCRIPTORS,
                    os.getMaxFileDescriptorCount());
        }
        return new ConnectionGuards(limits, json, new ConnectionMeters(meters));
    }
}
