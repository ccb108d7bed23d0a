package dev.burstgate.gateway.tier;

import dev.burstgate.gateway.config.BurstgateProperties;
import dev.burstgate.policies.Tier;
import io.github.resilience4j.bulkhead.BulkheadRegistry;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.netty.channel.ChannelOption;
import java.net.URI;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.reactive.ReactiveLoadBalancer;
import org.springframework.cloud.loadbalancer.annotation.LoadBalancerClient;
import org.springframework.cloud.loadbalancer.support.LoadBalancerClientFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import tools.jackson.databind.json.JsonMapper;

/**
 * The remote tiers. A configured tier uses its real backend; an unconfigured one runs a simulated stand-in (see
 * {@link SimulatedNodes}) unless {@code burstgate.simulate-missing-tiers=false}, in which case it is disabled.
 */
@Configuration(proxyBeanMethods = false)
@LoadBalancerClient(name = CloudPool.SERVICE_ID, configuration = CloudPoolLoadBalancerConfiguration.class)
public class TierConfiguration {

  private static final Logger log = LoggerFactory.getLogger(TierConfiguration.class);

  /** The HTTP client of the remote tiers: pooled Reactor Netty connections with the configured connect timeout. */
  @Bean
  WebClient upstreamWebClient(WebClient.Builder builder, BurstgateProperties props) {
    ConnectionProvider pool = ConnectionProvider.builder("burstgate-upstream")
        .maxConnections(500)
        .pendingAcquireMaxCount(-1)
        .maxIdleTime(java.time.Duration.ofSeconds(30))
        .build();
    HttpClient client = HttpClient.create(pool)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) props.resilience().connectTimeout().toMillis())
        .compress(false);
    return builder.clone()
        .clientConnector(new ReactorClientHttpConnector(client))
        .codecs(c -> c.defaultCodecs().maxInMemorySize(16 * 1024 * 1024))
        .build();
  }

  @Bean
  LoadBalancerStop loadBalancerStop(LoadBalancerClientFactory loadBalancers) {
    return new LoadBalancerStop(loadBalancers);
  }

  @Bean
  CloudPool cloudPool(BurstgateProperties props, ObjectProvider<SimulatedNodes> simulated,
      ReactiveLoadBalancer.Factory<ServiceInstance> loadBalancers, CircuitBreakerRegistry breakers) {
    List<URI> endpoints = props.tiers().cloud().endpoints();
    if (endpoints.isEmpty() && props.simulateMissingTiers()) {
      endpoints = simulated.getObject().cloudNodes();
      log.info("cloud tier: SIMULATED pool of {} local-engine nodes {} (set burstgate.tiers.cloud.endpoints for real ones)",
          endpoints.size(), endpoints);
    } else if (endpoints.isEmpty()) {
      log.info("cloud tier: disabled (no burstgate.tiers.cloud.endpoints and simulate-missing-tiers=false)");
    } else {
      log.info("cloud tier: pool of {} endpoints {}", endpoints.size(), endpoints);
    }
    return new CloudPool(endpoints, loadBalancers, breakers);
  }

  @Bean
  TierBackend cloudTier(CloudPool pool, BurstgateProperties props, WebClient upstreamWebClient, JsonMapper json,
      CircuitBreakerRegistry breakers, BulkheadRegistry bulkheads) {
    BurstgateProperties.Cloud cloud = props.tiers().cloud();
    boolean simulated = cloud.endpoints().isEmpty();
    if (pool.endpoints().isEmpty()) {
      return new DisabledTier(Tier.CLOUD, cloud.model());
    }
    return new RemoteBackend(Tier.CLOUD, cloud.model(), cloud.apiKey(), simulated, pool, upstreamWebClient, json,
        props.resilience(), breakers, bulkheads);
  }

  @Bean
  TierBackend legacyTier(BurstgateProperties props, ObjectProvider<SimulatedNodes> simulated, WebClient upstreamWebClient,
      JsonMapper json, CircuitBreakerRegistry breakers, BulkheadRegistry bulkheads) {
    BurstgateProperties.Legacy legacy = props.tiers().legacy();
    URI url = legacy.url();
    boolean isSimulated = false;
    if (url == null && props.simulateMissingTiers()) {
      url = simulated.getObject().legacyNode();
      isSimulated = true;
      log.info("legacy tier: SIMULATED by a local-engine node at {} (set burstgate.tiers.legacy.url for the real API)", url);
    } else if (url == null) {
      log.info("legacy tier: disabled (no burstgate.tiers.legacy.url and simulate-missing-tiers=false)");
      return new DisabledTier(Tier.LEGACY, legacy.model());
    } else {
      log.info("legacy tier: {}", url);
    }
    return new RemoteBackend(Tier.LEGACY, legacy.model(), legacy.apiKey(), isSimulated, new FixedEndpoint(url),
        upstreamWebClient, json, props.resilience(), breakers, bulkheads);
  }
}
