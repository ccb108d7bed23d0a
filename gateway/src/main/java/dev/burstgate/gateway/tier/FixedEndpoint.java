package dev.burstgate.gateway.tier;

import dev.burstgate.policies.Tier;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import java.net.URI;
import java.util.Set;
import reactor.core.publisher.Mono;

/** A tier behind one URL (the legacy API). */
public record FixedEndpoint(URI url) implements RemoteBackend.EndpointChooser {

    @Override
    public Mono<URI> choose(Set<URI> tried) {
        return tried.contains(url) ? Mono.empty() : Mono.just(url);
    }

    @Override
    public boolean anyUp(CircuitBreakerRegistry breakers, Tier tier) {
        return breakers.circuitBreaker(RemoteBackend.breakerName(tier, url)).getState() != CircuitBreaker.State.OPEN;
    }
}
