package dev.burstgate.gateway.tier;

import dev.burstgate.policies.Tier;
import dev.burstgate.policies.cost.PriceTable;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.bulkhead.BulkheadRegistry;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.micrometer.tagged.TaggedBulkheadMetrics;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.ChannelOption;
import java.net.URI;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.reactive.ReactiveLoadBalancer;
import org.springframework.cloud.loadbalancer.annotation.LoadBalancerClient;
import org.springframework.cloud.loadbalancer.support.LoadBalancerClientFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import tools.jackson.databind.json.JsonMapper;

/**
 * The remote tiers, their prices and their resilience. A configured tier uses its real backend; an unconfigured one
 * is off, or, in demo mode ({@link DemoMode}), runs a simulated stand-in ({@link SimulatedNodes}). The start-up log
 * says which.
 */
@Configuration(proxyBeanMethods = false)
@LoadBalancerClient(name = CloudPool.SERVICE_ID, configuration = CloudPoolLoadBalancerConfiguration.class)
@EnableConfigurationProperties({TiersProperties.class, ResilienceProperties.class})
class TierConfiguration {

    private static final Logger log = LoggerFactory.getLogger(TierConfiguration.class);

    /** The tiers' prices, as configured. */
    @Bean
    PriceTable priceTable(TiersProperties tiers) {
        return PriceTable.defaults()
                .with(Tier.LOCAL, tiers.local().price())
                .with(Tier.CLOUD, tiers.cloud().price())
                .with(Tier.LEGACY, tiers.legacy().price());
    }

    @Bean
    CircuitBreakerRegistry circuitBreakerRegistry(ResilienceProperties r, MeterRegistry meters) {
        CircuitBreakerConfig config = CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(r.slidingWindow())
                .minimumNumberOfCalls(Math.min(r.minimumCalls(), r.slidingWindow()))
                .failureRateThreshold(r.failureRateThreshold())
                .waitDurationInOpenState(r.openWait())
                .permittedNumberOfCallsInHalfOpenState(2)
                .automaticTransitionFromOpenToHalfOpenEnabled(false)
                .ignoreException(RemoteBackend::breakerIgnores)
                .build();
        CircuitBreakerRegistry registry = CircuitBreakerRegistry.of(config);
        TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(registry).bindTo(meters);
        return registry;
    }

    @Bean
    BulkheadRegistry bulkheadRegistry(ResilienceProperties r, MeterRegistry meters) {
        BulkheadRegistry registry = BulkheadRegistry.of(BulkheadConfig.custom()
                .maxConcurrentCalls(r.maxConcurrent())
                .maxWaitDuration(Duration.ZERO)
                .build());
        TaggedBulkheadMetrics.ofBulkheadRegistry(registry).bindTo(meters);
        return registry;
    }

    /** The remote endpoints benched after a 429 (or a {@code Retry-After}), and the retry and bench meters. */
    @Bean
    NodeBench nodeBench(ResilienceProperties r, InstantSource clock, MeterRegistry meters) {
        return new NodeBench(clock, r.throttleBench(), r.maxThrottleBench(), meters);
    }

    /** The HTTP client of the remote tiers: pooled Reactor Netty connections with the configured connect timeout. */
    @Bean
    WebClient upstreamWebClient(WebClient.Builder builder, ResilienceProperties resilience) {
        ConnectionProvider pool = ConnectionProvider.builder("burstgate-upstream")
                .maxConnections(500)
                .pendingAcquireMaxCount(-1)
                .maxIdleTime(Duration.ofSeconds(30))
                .build();
        HttpClient client = HttpClient.create(pool)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int)
                        resilience.connectTimeout().toMillis())
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
    CloudPool cloudPool(
            TiersProperties tiers,
            Environment env,
            ObjectProvider<SimulatedNodes> simulated,
            ReactiveLoadBalancer.Factory<ServiceInstance> loadBalancers,
            CircuitBreakerRegistry breakers) {
        List<URI> endpoints = tiers.cloud().endpoints();
        if (endpoints.isEmpty() && DemoMode.on(env)) {
            endpoints = simulated.getObject().cloudNodes();
            log.info(
                    "cloud tier: SIMULATED pool of {} local-engine nodes {} ({}; set burstgate.tiers.cloud.endpoints for "
                            + "real ones)",
                    endpoints.size(),
                    endpoints,
                    DemoMode.why(env));
        } else if (endpoints.isEmpty()) {
            log.info(
                    "cloud tier: OFF (not configured: set burstgate.tiers.cloud.endpoints, or burstgate.demo=true for a "
                            + "simulated pool)");
        } else {
            log.info("cloud tier: pool of {} endpoints {}", endpoints.size(), endpoints);
        }
        return new CloudPool(endpoints, loadBalancers, breakers);
    }

    @Bean
    TierBackend cloudTier(
            CloudPool pool,
            TiersProperties tiers,
            ResilienceProperties resilience,
            WebClient upstreamWebClient,
            JsonMapper json,
            CircuitBreakerRegistry breakers,
            BulkheadRegistry bulkheads,
            NodeBench bench) {
        TiersProperties.Cloud cloud = tiers.cloud();
        if (pool.endpoints().isEmpty()) {
            return new DisabledTier(Tier.CLOUD, cloud.model());
        }
        return new RemoteBackend(
                Tier.CLOUD,
                cloud.model(),
                cloud.apiKey(),
                cloud.endpoints().isEmpty(),
                pool,
                upstreamWebClient,
                json,
                resilience,
                breakers,
                bulkheads,
                bench);
    }

    @Bean
    TierBackend legacyTier(
            TiersProperties tiers,
            ResilienceProperties resilience,
            Environment env,
            ObjectProvider<SimulatedNodes> simulated,
            WebClient upstreamWebClient,
            JsonMapper json,
            CircuitBreakerRegistry breakers,
            BulkheadRegistry bulkheads,
            NodeBench bench) {
        TiersProperties.Legacy legacy = tiers.legacy();
        URI url = legacy.url();
        boolean isSimulated = false;
        if (url == null && DemoMode.on(env)) {
            url = simulated.getObject().legacyNode();
            isSimulated = true;
            log.info(
                    "legacy tier: SIMULATED by a local-engine node at {} ({}; set burstgate.tiers.legacy.url for the real "
                            + "API)",
                    url,
                    DemoMode.why(env));
        } else if (url == null) {
            log.info("legacy tier: OFF (not configured: set burstgate.tiers.legacy.url, or burstgate.demo=true for a "
                    + "simulated stand-in)");
            return new DisabledTier(Tier.LEGACY, legacy.model());
        } else {
            log.info("legacy tier: {}", url);
        }
        return new RemoteBackend(
                Tier.LEGACY,
                legacy.model(),
                legacy.apiKey(),
                isSimulated,
                new FixedEndpoint(url),
                upstreamWebClient,
                json,
                resilience,
                breakers,
                bulkheads,
                bench);
    }
}
