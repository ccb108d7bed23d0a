package dev.burstgate.gateway.tier;

import org.springframework.cloud.loadbalancer.support.LoadBalancerClientFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Ends the cloud pool's health checks when the gateway stops, after the web server has finished its requests and
 * before the Netty event loops shut down (Spring's {@code ReactorResourceFactory}, phase 0). The checks run every
 * {@code spring.cloud.loadbalancer.health-check.interval} in the load balancer's own contexts, which Spring would
 * close only when it destroys the beans, after the loops; until then every check hands the loops new work, so their
 * graceful shutdown never sees its quiet period and waits out its whole time-out (15 s) — a gateway with a cloud
 * pool took 17 s more to stop. Closing the load balancer's contexts here stops the checks; they start again,
 * lazily, with the first request after a restart.
 */
final class LoadBalancerStop implements SmartLifecycle {

    /** Below the web server's phases, above the event loops' (0). */
    static final int PHASE = 1024;

    private final LoadBalancerClientFactory loadBalancers;
    private volatile boolean running;

    LoadBalancerStop(LoadBalancerClientFactory loadBalancers) {
        this.loadBalancers = loadBalancers;
    }

    @Override
    public void start() {
        running = true;
    }

    @Override
    public void stop() {
        running = false;
        loadBalancers.destroy();
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }
}
