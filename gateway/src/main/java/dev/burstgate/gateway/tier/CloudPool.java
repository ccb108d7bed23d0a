package dev.burstgate.gateway.tier;

import dev.burstgate.policies.Tier;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.springframework.cloud.client.DefaultServiceInstance;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.reactive.ReactiveLoadBalancer;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The cloud pool's nodes as a Spring Cloud LoadBalancer service ({@value #SERVICE_ID}). The load balancer's health
 * checks drop nodes that stop answering their health path; each node also has its own circuit breaker. A try goes to
 * the next healthy node in turn (round robin) whose breaker is not open and which the request has not tried yet, so
 * a request that a node fails is answered by another one.
 */
public final class CloudPool implements RemoteBackend.EndpointChooser {

    /** The load-balanced service id of the pool. */
    public static final String SERVICE_ID = "cloud-pool";

    private final List<URI> endpoints;
    private final AtomicInteger next = new AtomicInteger();
    private final ReactiveLoadBalancer.Factory<ServiceInstance> loadBalancers;
    private final CircuitBreakerRegistry breakers;
    /** The load balancer's health-checked node list, looked up on first use (it lives in a child context). */
    private volatile @Nullable ServiceInstanceListSupplier healthy;

    public CloudPool(
            List<URI> endpoints,
            ReactiveLoadBalancer.Factory<ServiceInstance> loadBalancers,
            CircuitBreakerRegistry breakers) {
        this.endpoints = List.copyOf(endpoints);
        this.loadBalancers = loadBalancers;
        this.breakers = breakers;
    }

    public List<URI> endpoints() {
        return endpoints;
    }

    @Override
    public Mono<URI> choose(Set<URI> tried) {
        ServiceInstanceListSupplier healthy = this.healthy;
        if (healthy == null) {
            healthy = loadBalancers.getInstance(SERVICE_ID, ServiceInstanceListSupplier.class);
            this.healthy = healthy;
        }
        if (healthy == null) {
            return Mono.error(new AttemptFailure(
                    SERVICE_ID,
                    AttemptFailure.Kind.UNAVAILABLE,
                    "the cloud pool's load balancer is not running",
                    null));
        }
        return healthy.get().next().flatMap(instances -> {
            List<URI> candidates = new ArrayList<>(instances.size());
            for (ServiceInstance instance : instances) {
                URI uri = baseUri(instance);
                if (!tried.contains(uri) && !open(uri)) {
                    candidates.add(uri);
                }
            }
            if (candidates.isEmpty()) {
                return Mono.empty();
            }
            return Mono.just(candidates.get(Math.floorMod(next.getAndIncrement(), candidates.size())));
        });
    }

    private boolean open(URI endpoint) {
        return breakers.circuitBreaker(RemoteBackend.breakerName(Tier.CLOUD, endpoint))
                        .getState()
                == CircuitBreaker.State.OPEN;
    }

    @Override
    public boolean anyUp(CircuitBreakerRegistry breakers, Tier tier) {
        for (URI ep : endpoints) {
            if (breakers.circuitBreaker(RemoteBackend.breakerName(tier, ep)).getState() != CircuitBreaker.State.OPEN) {
                return true;
            }
        }
        return false;
    }

    private static URI baseUri(ServiceInstance instance) {
        Map<String, String> metadata = instance.getMetadata();
        String base = metadata != null ? metadata.get("base") : null;
        return base != null ? URI.create(base) : instance.getUri();
    }

    /** The pool's configured nodes, as the load balancer's base instance list (health checks are layered on top). */
    public ServiceInstanceListSupplier instances() {
        List<ServiceInstance> list = new ArrayList<>();
        for (int i = 0; i < endpoints.size(); i++) {
            URI ep = endpoints.get(i);
            boolean secure = "https".equalsIgnoreCase(ep.getScheme());
            int port = ep.getPort() > 0 ? ep.getPort() : secure ? 443 : 80;
            list.add(new DefaultServiceInstance(
                    SERVICE_ID + "-" + i, SERVICE_ID, ep.getHost(), port, secure, Map.of("base", ep.toString())));
        }
        List<ServiceInstance> instances = List.copyOf(list);
        return new ServiceInstanceListSupplier() {
            @Override
            public String getServiceId() {
                return SERVICE_ID;
            }

            @Override
            public Flux<List<ServiceInstance>> get() {
                return Flux.just(instances);
            }
        };
    }
}
