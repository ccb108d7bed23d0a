package dev.burstgate.gateway.tier;

import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;

/**
 * The load balancer's configuration for the cloud pool (a child context, so deliberately not component-scanned):
 * the pool's nodes with Spring Cloud LoadBalancer's health checks on top.
 */
class CloudPoolLoadBalancerConfiguration {

    @Bean
    ServiceInstanceListSupplier cloudPoolInstances(ConfigurableApplicationContext context, CloudPool pool) {
        return ServiceInstanceListSupplier.builder()
                .withBase(pool.instances())
                .withHealthChecks()
                .build(context);
    }
}
