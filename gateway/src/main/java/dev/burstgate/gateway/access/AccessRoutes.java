package dev.burstgate.gateway.access;

import org.springframework.http.HttpMethod;
import org.springframework.web.reactive.function.server.HandlerFunction;
import org.springframework.web.reactive.function.server.RequestPredicates;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * Builds router functions whose every route declares who may call it: each route carries its {@link AccessRule} as
 * a route attribute, which {@link AccessRules} reads at start-up. A router function bean with a route that carries no
 * rule stops the gateway from starting, so no endpoint can be exposed by forgetting to guard it.
 *
 * <pre>{@code
 * AccessRoutes.route()
 *     .GET("/admin/budgets/{tenant}", Access.ADMIN, endpoint::get)
 *     .PUT("/admin/budgets/{tenant}", Access.ADMIN, endpoint::put)
 *     .build();
 * }</pre>
 */
public final class AccessRoutes {

    private final RouterFunctions.Builder routes = RouterFunctions.route();

    private AccessRoutes() {}

    public static AccessRoutes route() {
        return new AccessRoutes();
    }

    /** {@code GET} (and {@code HEAD}) on {@code pattern}. */
    public AccessRoutes GET(String pattern, Access access, HandlerFunction<ServerResponse> handler) {
        routes.route(
                        RequestPredicates.methods(HttpMethod.GET, HttpMethod.HEAD)
                                .and(RequestPredicates.path(pattern)),
                        handler)
                .withAttribute(AccessRule.ATTRIBUTE, AccessRule.of(HttpMethod.GET, pattern, access));
        return this;
    }

    public AccessRoutes PUT(String pattern, Access access, HandlerFunction<ServerResponse> handler) {
        return add(HttpMethod.PUT, pattern, access, handler);
    }

    public AccessRoutes POST(String pattern, Access access, HandlerFunction<ServerResponse> handler) {
        return add(HttpMethod.POST, pattern, access, handler);
    }

    private AccessRoutes add(
            HttpMethod method, String pattern, Access access, HandlerFunction<ServerResponse> handler) {
        routes.route(RequestPredicates.method(method).and(RequestPredicates.path(pattern)), handler)
                .withAttribute(AccessRule.ATTRIBUTE, AccessRule.of(method, pattern, access));
        return this;
    }

    public RouterFunction<ServerResponse> build() {
        return routes.build();
    }
}
