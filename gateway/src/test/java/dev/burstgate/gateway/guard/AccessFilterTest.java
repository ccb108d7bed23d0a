package dev.burstgate.gateway.guard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.burstgate.gateway.access.Access;
import dev.burstgate.gateway.access.AccessRoutes;
import dev.burstgate.gateway.access.AccessRule;
import dev.burstgate.gateway.api.ApiException;
import dev.burstgate.gateway.tenant.ApiKeys;
import dev.burstgate.gateway.tenant.Tenant;
import dev.burstgate.gateway.tenant.TenantRegistry;
import dev.burstgate.gateway.tenant.TenantsProperties;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

class AccessFilterTest {

    static final String TENANT_KEY = "sk-tenant";
    static final String ADMIN_KEY = "sk-admin";

    private final AtomicBoolean rateLimited = new AtomicBoolean();
    private final TenantRegistry tenants = new TenantRegistry(
            new TenantsProperties(
                    List.of(new TenantsProperties.TenantProperties(
                            "acme",
                            ApiKeys.sha256(TENANT_KEY),
                            null,
                            List.of(),
                            5,
                            new TenantsProperties.Budget(null, null))),
                    ApiKeys.sha256(ADMIN_KEY)),
            "balanced");
    private final AccessFilter filter = new AccessFilter(
            AccessRules.of(
                    List.of(AccessRoutes.route()
                            .GET(
                                    "/admin/budgets/{tenant}",
                                    Access.ADMIN,
                                    r -> ServerResponse.ok().build())
                            .PUT(
                                    "/admin/budgets/{tenant}",
                                    Access.ADMIN,
                                    r -> ServerResponse.ok().build())
                            .GET(
                                    "/dashboard/",
                                    Access.PUBLIC,
                                    r -> ServerResponse.ok().build())
                            .build()),
                    List.of(
                            AccessRule.of(HttpMethod.POST, "/v1/chat/completions", Access.TENANT),
                            AccessRule.anyMethod("/admin/**", Access.ADMIN),
                            AccessRule.anyMethod("/v1/**", Access.TENANT))),
            tenants,
            tenant -> Mono.just(!rateLimited.get()));

    /** The exchanges that got past the filter. */
    private final List<ServerWebExchange> passed = new ArrayList<>();

    private final WebFilterChain chain = exchange -> {
        passed.add(exchange);
        return Mono.empty();
    };

    private Mono<Void> call(MockServerHttpRequest.BaseBuilder<?> request, String key) {
        if (key != null) {
            request.header("Authorization", "Bearer " + key);
        }
        return filter.filter(MockServerWebExchange.from(request), chain);
    }

    private static void failsWith(Mono<Void> call, HttpStatus status, String code) {
        StepVerifier.create(call)
                .expectErrorSatisfies(e -> {
                    assertThat(e).isInstanceOf(ApiException.class);
                    assertThat(((ApiException) e).status()).isEqualTo(status);
                    assertThat(((ApiException) e).code()).isEqualTo(code);
                })
                .verify();
    }

    @Test
    void aTenantKeyOpensTheApiAndPutsTheTenantInTheExchange() {
        StepVerifier.create(call(MockServerHttpRequest.post("/v1/chat/completions"), TENANT_KEY))
                .verifyComplete();
        assertThat(passed)
                .singleElement()
                .satisfies(
                        e -> assertThat(e.<Tenant>getAttribute(Tenant.ATTRIBUTE).name())
                                .isEqualTo("acme"));
    }

    @Test
    void theApiWantsAKnownTenantKeyAndItsRateLimit() {
        failsWith(
                call(MockServerHttpRequest.post("/v1/chat/completions"), null),
                HttpStatus.UNAUTHORIZED,
                "invalid_api_key");
        failsWith(
                call(MockServerHttpRequest.post("/v1/chat/completions"), "sk-nobody"),
                HttpStatus.UNAUTHORIZED,
                "invalid_api_key");
        failsWith(
                call(MockServerHttpRequest.post("/v1/chat/completions"), ADMIN_KEY),
                HttpStatus.UNAUTHORIZED,
                "invalid_api_key");
        rateLimited.set(true);
        StepVerifier.create(call(MockServerHttpRequest.post("/v1/chat/completions"), TENANT_KEY))
                .expectErrorSatisfies(e -> {
                    assertThat(((ApiException) e).status()).isEqualTo(HttpStatus.TOO_MANY_REQUESTS);
                    assertThat(((ApiException) e).headers()).containsEntry("Retry-After", "1");
                })
                .verify();
        assertThat(passed).isEmpty();
    }

    @Test
    void theAdminApiWantsTheAdminKey() {
        failsWith(
                call(MockServerHttpRequest.get("/admin/budgets/acme"), null),
                HttpStatus.UNAUTHORIZED,
                "invalid_api_key");
        failsWith(
                call(MockServerHttpRequest.get("/admin/budgets/acme"), TENANT_KEY), HttpStatus.FORBIDDEN, "forbidden");
        StepVerifier.create(call(MockServerHttpRequest.get("/admin/budgets/acme"), ADMIN_KEY))
                .verifyComplete();
        assertThat(passed).hasSize(1);
    }

    @Test
    void aRouteWithAnotherMethodIs405WithAllowOnceItsKeyIsShown() {
        failsWith(
                call(MockServerHttpRequest.delete("/admin/budgets/acme"), null),
                HttpStatus.UNAUTHORIZED,
                "invalid_api_key");
        StepVerifier.create(call(MockServerHttpRequest.delete("/admin/budgets/acme"), ADMIN_KEY))
                .expectErrorSatisfies(e -> {
                    assertThat(((ApiException) e).status()).isEqualTo(HttpStatus.METHOD_NOT_ALLOWED);
                    assertThat(((ApiException) e).headers()).containsEntry("Allow", "GET, HEAD, PUT");
                })
                .verify();
    }

    @Test
    void aPathNoRuleDeclaresIs404WhateverTheKey() {
        failsWith(
                call(MockServerHttpRequest.get("/actuator/prometheus"), ADMIN_KEY), HttpStatus.NOT_FOUND, "not_found");
        failsWith(call(MockServerHttpRequest.get("/ADMIN/budgets/acme"), ADMIN_KEY), HttpStatus.NOT_FOUND, "not_found");
    }

    @Test
    void anEncodedSpellingReachesTheChainAsTheCanonicalPathUnderItsRule() {
        failsWith(
                call(MockServerHttpRequest.method(HttpMethod.GET, URI.create("/%61dmin/budgets/acme")), null),
                HttpStatus.UNAUTHORIZED,
                "invalid_api_key");
        StepVerifier.create(call(
                        MockServerHttpRequest.method(HttpMethod.GET, URI.create("/%61dmin/budgets/acme")), ADMIN_KEY))
                .verifyComplete();
        assertThat(passed)
                .singleElement()
                .satisfies(e -> assertThat(e.getRequest().getPath().value()).isEqualTo("/admin/budgets/acme"));
    }

    @Test
    void aSpellingThatCouldNameAnotherResourceIs400() {
        failsWith(
                call(MockServerHttpRequest.method(HttpMethod.GET, URI.create("/admin;x=1/budgets/acme")), ADMIN_KEY),
                HttpStatus.BAD_REQUEST,
                "invalid_path");
        failsWith(
                call(MockServerHttpRequest.method(HttpMethod.GET, URI.create("/v1/../admin/budgets/acme")), ADMIN_KEY),
                HttpStatus.BAD_REQUEST,
                "invalid_path");
    }

    @Test
    void aPublicRouteNeedsNoKey() {
        StepVerifier.create(call(MockServerHttpRequest.get("/dashboard/"), null))
                .verifyComplete();
        assertThat(passed).hasSize(1);
    }
}
