package dev.burstgate.gateway.demo;

import dev.burstgate.gateway.config.DataDirProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Lazy;

/** Simulated stand-ins for unconfigured tiers in demo mode, created only when a tier asks for them. */
@Configuration(proxyBeanMethods = false)
class DemoConfiguration {

    @Bean(destroyMethod = "close")
    @Lazy
    EngineSimulatedNodes simulatedNodes(DataDirProperties props) {
        return new EngineSimulatedNodes(props.dataDir().resolve("models"));
    }
}
