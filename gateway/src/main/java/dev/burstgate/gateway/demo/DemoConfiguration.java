package dev.burstgate.gateway.demo;

import dev.burstgate.gateway.config.BurstgateProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Lazy;

/** Simulated stand-ins for unconfigured tiers, created only when a tier asks for them. */
@Configuration(proxyBeanMethods = false)
class DemoConfiguration {

  @Bean(destroyMethod = "close")
  @Lazy
  EngineSimulatedNodes simulatedNodes(BurstgateProperties props) {
    return new EngineSimulatedNodes(props.dataDir().resolve("models"));
  }
}
