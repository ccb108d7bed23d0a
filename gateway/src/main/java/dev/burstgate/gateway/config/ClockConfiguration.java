package dev.burstgate.gateway.config;

import java.time.InstantSource;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The wall clock every feature reads the time from (tests put their own in its place), and the data directory. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(DataDirProperties.class)
class ClockConfiguration {

    @Bean
    InstantSource clock() {
        return InstantSource.system();
    }
}
