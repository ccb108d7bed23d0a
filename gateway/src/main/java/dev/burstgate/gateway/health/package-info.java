/**
 * The health check on the API port: {@code GET /actuator/health} with the overall status only, for load balancers;
 * the detailed health, Prometheus and the other actuator endpoints are on the management port.
 */
@NullMarked
package dev.burstgate.gateway.health;

import org.jspecify.annotations.NullMarked;
