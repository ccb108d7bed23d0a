package dev.burstgate.gateway.tenant;

import dev.burstgate.gateway.api.ApiException;
import org.jspecify.annotations.Nullable;
import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Resolves the tenant of every {@code /v1/**} request from its bearer key, applies the tenant's rate limit, and
 * guards {@code /admin/**} with the admin key. Failures are 401 / 403 / 429 in the OpenAI shape.
 */
public final class AuthFilter implements WebFilter, Ordered {

  /** Exchange attribute holding the resolved {@link Tenant}. */
  public static final String TENANT_ATTR = AuthFilter.class.getName() + ".tenant";
  /** Runs early: before body reading, classification and routing. */
  public static final int ORDER = Ordered.HIGHEST_PRECEDENCE + 100;

  private final TenantRegistry tenants;
  private final RateLimits rateLimits;

  public AuthFilter(TenantRegistry tenants, RateLimits rateLimits) {
    this.tenants = tenants;
    this.rateLimits = rateLimits;
  }

  @Override
  public int getOrder() {
    return ORDER;
  }

  @Override
  public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
    String path = exchange.getRequest().getPath().pathWithinApplication().value();
    if (path.startsWith("/v1/")) {
      return Mono.defer(() -> {
        Tenant tenant = tenant(ApiKeys.bearer(exchange.getRequest().getHeaders()));
        return rateLimits.tryAcquire(tenant).flatMap(allowed -> {
          if (!allowed) {
            return Mono.error(ApiException.rateLimited("Rate limit of " + tenant.requestsPerSecond()
                + " requests per second reached for tenant '" + tenant.name() + "'."));
          }
          exchange.getAttributes().put(TENANT_ATTR, tenant);
          return chain.filter(exchange);
        });
      });
    }
    if (path.startsWith("/admin/") || path.equals("/admin")) {
      return Mono.defer(() -> {
        String key = ApiKeys.bearer(exchange.getRequest().getHeaders());
        if (key == null) {
          throw ApiException.invalidKey("Missing admin key: send 'Authorization: Bearer <admin key>'.");
        }
        if (!tenants.adminEnabled()) {
          throw ApiException.forbidden("The admin API is disabled: configure burstgate.admin-key-sha256.");
        }
        if (!tenants.isAdminKey(key)) {
          throw ApiException.forbidden("This key may not use the admin API.");
        }
        return chain.filter(exchange);
      });
    }
    return chain.filter(exchange);
  }

  private Tenant tenant(@Nullable String key) {
    if (key == null) {
      throw ApiException.invalidKey("Missing API key: send 'Authorization: Bearer <your Burstgate key>'.");
    }
    return tenants.byKey(key).orElseThrow(() -> ApiException.invalidKey("Incorrect API key provided."));
  }
}
