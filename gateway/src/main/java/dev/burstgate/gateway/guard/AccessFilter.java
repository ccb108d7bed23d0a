package dev.burstgate.gateway.guard;

import dev.burstgate.gateway.access.Access;
import dev.burstgate.gateway.access.AccessRule;
import dev.burstgate.gateway.api.ApiException;
import dev.burstgate.gateway.tenant.ApiKeys;
import dev.burstgate.gateway.tenant.RateLimits;
import dev.burstgate.gateway.tenant.Tenant;
import dev.burstgate.gateway.tenant.TenantRegistry;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * The first filter of every request: brings the path to its canonical spelling ({@link CanonicalPath}; refused
 * spellings get 400), finds the request's {@link AccessRule} ({@link AccessRules}: 404 when no route is declared for
 * the path, 405 with {@code Allow} for another method), and checks the key the rule asks for: a tenant's key (then
 * the tenant's rate limit; the {@link Tenant} goes into the exchange under {@link Tenant#ATTRIBUTE}), the admin key,
 * or none. Failures are 400 / 401 / 403 / 404 / 405 / 429 in the OpenAI shape. Routes and rules see the same path,
 * so no spelling reaches a handler past its rule.
 */
public final class AccessFilter implements WebFilter, Ordered {

    /** Runs first: before anything reads the path or the body. */
    public static final int ORDER = Ordered.HIGHEST_PRECEDENCE + 100;

    /** The server namespace of Spring Boot's management context. */
    private static final String MANAGEMENT = "management";

    private final AccessRules rules;
    private final TenantRegistry tenants;
    private final RateLimits rateLimits;

    public AccessFilter(AccessRules rules, TenantRegistry tenants, RateLimits rateLimits) {
        this.rules = rules;
        this.tenants = tenants;
        this.rateLimits = rateLimits;
    }

    @Override
    public int getOrder() {
        return ORDER;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        if (WebServerApplicationContext.hasServerNamespace(exchange.getApplicationContext(), MANAGEMENT)) {
            // The management port (actuator) is reached by operators and Prometheus only: placed, not keyed.
            return chain.filter(exchange);
        }
        return Mono.defer(() -> {
            String raw = exchange.getRequest().getURI().getRawPath();
            ServerWebExchange ex = switch (CanonicalPath.of(raw == null ? "" : raw)) {
                case CanonicalPath.Invalid invalid ->
                    throw ApiException.badRequest(
                            "invalid_path", null, "Invalid request path: " + invalid.reason() + ".");
                case CanonicalPath.Canonical c when c.path().equals(raw) -> exchange;
                case CanonicalPath.Canonical c ->
                    exchange.mutate().request(r -> r.path(c.path())).build();
            };
            return switch (rules.match(
                    ex.getRequest().getPath().pathWithinApplication(),
                    ex.getRequest().getMethod())) {
                case AccessRules.Match.NotFound n ->
                    Mono.error(ApiException.notFound(
                            "Unknown path. Burstgate serves POST /v1/chat/completions and GET /v1/models."));
                case AccessRules.Match.WrongMethod w ->
                    check(ex, w.access())
                            .then(Mono.error(() -> ApiException.methodNotAllowed("Method "
                                            + ex.getRequest().getMethod().name() + " is not allowed here; use "
                                            + w.allowed().stream()
                                                    .map(m -> m.name())
                                                    .collect(Collectors.joining(", ")) + ".")
                                    .withHeader(
                                            HttpHeaders.ALLOW,
                                            w.allowed().stream()
                                                    .map(m -> m.name())
                                                    .collect(Collectors.joining(", ")))));
                case AccessRules.Match.Allowed a -> check(ex, a.access()).then(Mono.defer(() -> chain.filter(ex)));
            };
        });
    }

    /** Completes when the caller may use a route with {@code access}; fails with the typed refusal otherwise. */
    private Mono<Void> check(ServerWebExchange exchange, Access access) {
        HttpHeaders headers = exchange.getRequest().getHeaders();
        return switch (access) {
            case PUBLIC -> Mono.empty();
            case ADMIN -> {
                String key = ApiKeys.bearer(headers);
                if (key == null) {
                    throw ApiException.invalidKey("Missing admin key: send 'Authorization: Bearer <admin key>'.");
                }
                if (!tenants.adminEnabled()) {
                    throw ApiException.forbidden("The admin API is disabled: configure burstgate.admin-key-sha256.");
                }
                if (!tenants.isAdminKey(key)) {
                    throw ApiException.forbidden("This key may not use the admin API.");
                }
                yield Mono.empty();
            }
            case TENANT -> {
                Tenant tenant = tenant(ApiKeys.bearer(headers));
                yield rateLimits.tryAcquire(tenant).flatMap(allowed -> {
                    if (!allowed) {
                        return Mono.error(ApiException.rateLimited("Rate limit of " + tenant.requestsPerSecond()
                                        + " requests per second reached for tenant '" + tenant.name() + "'.")
                                .withHeader(HttpHeaders.RETRY_AFTER, "1"));
                    }
                    exchange.getAttributes().put(Tenant.ATTRIBUTE, tenant);
                    return Mono.empty();
                });
            }
        };
    }

    private Tenant tenant(@Nullable String key) {
        if (key == null) {
            throw ApiException.invalidKey("Missing API key: send 'Authorization: Bearer <your Burstgate key>'.");
        }
        return tenants.byKey(key).orElseThrow(() -> ApiException.invalidKey("Incorrect API key provided."));
    }
}
