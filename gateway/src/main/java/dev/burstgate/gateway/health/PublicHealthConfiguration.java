package dev.burstgate.gateway.health;

import dev.burstgate.gateway.access.Access;
import dev.burstgate.gateway.access.AccessRoutes;
import dev.burstgate.gateway.access.AccessRule;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.endpoint.ApiVersion;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.actuate.endpoint.web.WebServerNamespace;
import org.springframework.boot.health.actuate.endpoint.ReactiveHealthEndpointWebExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code GET /actuator/health} on the API port: whether this instance takes traffic (Spring Boot's readiness group),
 * as {@code {"status":"UP"}} (200) or the failing status (503) — what a load balancer or a container health check
 * needs, and nothing about the components, which the management port's {@code /actuator/health} shows to operators.
 * A ledger database that is down does not make the instance unready: the gateway serves and journals the records.
 * {@code /livez} and {@code /readyz} (Spring Boot's probe paths,
 * {@code management.endpoint.health.probes.add-additional-paths}) are public too.
 */
@Configuration(proxyBeanMethods = false)
class PublicHealthConfiguration {

    static final String PATH = "/actuator/health";
    /** Spring Boot's readiness group: whether this instance takes traffic. */
    static final String READINESS = "readiness";

    @Bean
    RouterFunction<ServerResponse> publicHealthRoute(
            ObjectProvider<ReactiveHealthEndpointWebExtension> health, JsonMapper json) {
        return AccessRoutes.route()
                .GET(PATH, Access.PUBLIC, request -> {
                    ReactiveHealthEndpointWebExtension endpoint = health.getIfAvailable();
                    if (endpoint == null) {
                        return ServerResponse.ok()
                                .contentType(MediaType.APPLICATION_JSON)
                                .bodyValue("{\"status\":\"UP\"}");
                    }
                    return endpoint.health(
                                    ApiVersion.LATEST, WebServerNamespace.SERVER, SecurityContext.NONE, READINESS)
                            .flatMap(r -> {
                                String status = r.getBody() != null
                                        ? r.getBody().getStatus().getCode()
                                        : "UNKNOWN";
                                return ServerResponse.status(r.getStatus())
                                        .contentType(MediaType.APPLICATION_JSON)
                                        .bodyValue(json.writeValueAsString(
                                                json.createObjectNode().put("status", status)));
                            });
                })
                .build();
    }

    @Bean
    AccessRule livenessProbeAccess() {
        return AccessRule.of(HttpMethod.GET, "/livez", Access.PUBLIC);
    }

    @Bean
    AccessRule readinessProbeAccess() {
        return AccessRule.of(HttpMethod.GET, "/readyz", Access.PUBLIC);
    }
}
