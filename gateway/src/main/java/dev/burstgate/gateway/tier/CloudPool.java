package dev.burstgate.gateway.tier;

import dev.burstgate.policies.Tier;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.cloud.client.DefaultServiceInstance;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.reactive.ReactiveLoadBalancer;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The cloud pool's nodes as a Spring Cloud LoadBalancer service ({@value #SERVICE_ID}). The load balancer's health
 * checks drop nodes that stop answering their health path; each node also has its own circuit breaker, and a node
 * whose breaker is open is skipped (the retry picks the next node).
 */
public final class CloudPool implements RemoteBackend.EndpointChooser {

  /** The load-balanced service id of the pool. */
  public static final String SERVICE_ID = "cloud-pool";

  private final List<URI> endpoints;
  private final ReactiveLoadBalancer.Factory<ServiceInstance> loadBalancers;

  public CloudPool(List<URI> endpoints, ReactiveLoadBalancer.Factory<ServiceInstance> loadBalancers) {
    this.endpoints = List.copyOf(endpoints);
    this.loadBalancers = loadBalancers;
  }

  public List<URI> endpoints() {
    return endpoints;
  }

  @Override
  public Mono<URI> choose() {
    return Mono.from(loadBalancers.getInstance(SERVICE_ID).choose())
        .flatMap(response -> response.hasServer()
            ? Mono.just(baseUri(response.getServer()))
            : Mono.error(new AttemptFailure(SERVICE_ID, "no healthy node in the cloud pool",
                new IllegalStateException("no healthy node"), false)));
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
    String base = instance.getMetadata().get("base");
    return base != null ? URI.create(base) : instance.getUri();
  }

  /** The pool's configured nodes, as the load balancer's base instance list (health checks are layered on top). */
  public ServiceInstanceListSupplier instances() {
    List<ServiceInstance> list = new ArrayList<>();
    for (int i = 0; i < endpoints.size(); i++) {
      URI ep = endpoints.get(i);
      boolean secure = "https".equalsIgnoreCase(ep.getScheme());
      int port = ep.getPort() > 0 ? ep.getPort() : secure ? 443 : 80;
      list.add(new DefaultServiceInstance(SERVICE_ID + "-" + i, SERVICE_ID, ep.getHost(), port, secure,
          Map.of("base", ep.toString())));
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
