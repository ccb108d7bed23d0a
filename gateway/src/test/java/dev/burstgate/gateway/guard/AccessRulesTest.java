package dev.burstgate.gateway.guard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.burstgate.gateway.access.Access;
import dev.burstgate.gateway.access.AccessRoutes;
import dev.burstgate.gateway.access.AccessRule;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpMethod;
import org.springframework.http.server.PathContainer;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

class AccessRulesTest {

    private static final RouterFunction<ServerResponse> BUDGETS = AccessRoutes.route()
            .GET("/admin/budgets", Access.ADMIN, r -> ServerResponse.ok().build())
            .GET(
                    "/admin/budgets/{tenant}",
                    Access.ADMIN,
                    r -> ServerResponse.ok().build())
            .PUT(
                    "/admin/budgets/{tenant}",
                    Access.ADMIN,
                    r -> ServerResponse.ok().build())
            .build();
    private static final RouterFunction<ServerResponse> MODELS = AccessRoutes.route()
            .GET("/v1/models", Access.TENANT, r -> ServerResponse.ok().build())
            .build();

    private final AccessRules rules = AccessRules.of(
            List.of(BUDGETS, MODELS),
            List.of(
                    AccessRule.of(HttpMethod.POST, "/v1/chat/completions", Access.TENANT),
                    AccessRule.of(HttpMethod.GET, "/dashboard/**", Access.PUBLIC),
                    AccessRule.anyMethod("/admin/**", Access.ADMIN),
                    AccessRule.anyMethod("/v1/**", Access.TENANT)));

    private AccessRules.Match match(HttpMethod method, String path) {
        return rules.match(PathContainer.parsePath(path), method);
    }

    @Test
    void everyRouteBuiltWithAccessRoutesBringsItsRule() {
        assertThat(rules.rules())
                .extracting(AccessRule::toString)
                .contains(
                        "[GET] /admin/budgets -> ADMIN",
                        "[GET] /admin/budgets/{tenant} -> ADMIN",
                        "[PUT] /admin/budgets/{tenant} -> ADMIN",
                        "[GET] /v1/models -> TENANT");
    }

    @Test
    void aRouteMatchesItsMethodsAndGetAlsoAllowsHead() {
        assertThat(match(HttpMethod.PUT, "/admin/budgets/acme")).isEqualTo(new AccessRules.Match.Allowed(Access.ADMIN));
        assertThat(match(HttpMethod.HEAD, "/v1/models")).isEqualTo(new AccessRules.Match.Allowed(Access.TENANT));
        assertThat(match(HttpMethod.GET, "/dashboard/dashboard.js"))
                .isEqualTo(new AccessRules.Match.Allowed(Access.PUBLIC));
    }

    @Test
    void anotherMethodOnADeclaredPathIsAWrongMethodUnderThatPathsRule() {
        assertThat(match(HttpMethod.DELETE, "/admin/budgets/acme"))
                .isEqualTo(new AccessRules.Match.WrongMethod(
                        Access.ADMIN, Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.PUT)));
        assertThat(match(HttpMethod.GET, "/v1/chat/completions"))
                .isEqualTo(new AccessRules.Match.WrongMethod(Access.TENANT, Set.of(HttpMethod.POST)));
        assertThat(match(HttpMethod.POST, "/dashboard/"))
                .isEqualTo(new AccessRules.Match.WrongMethod(Access.PUBLIC, Set.of(HttpMethod.GET, HttpMethod.HEAD)));
    }

    @Test
    void anUnknownPathUnderAGuardedPrefixNeedsThePrefixesKey() {
        assertThat(match(HttpMethod.GET, "/admin/secrets")).isEqualTo(new AccessRules.Match.Allowed(Access.ADMIN));
        assertThat(match(HttpMethod.GET, "/admin/budgets/")).isEqualTo(new AccessRules.Match.Allowed(Access.ADMIN));
        assertThat(match(HttpMethod.GET, "/v1/embeddings")).isEqualTo(new AccessRules.Match.Allowed(Access.TENANT));
    }

    @Test
    void aPathNoRuleDeclaresIsNotFoundWhateverItsCase() {
        assertThat(match(HttpMethod.GET, "/ADMIN/budgets")).isEqualTo(new AccessRules.Match.NotFound());
        assertThat(match(HttpMethod.GET, "/V1/models")).isEqualTo(new AccessRules.Match.NotFound());
        assertThat(match(HttpMethod.GET, "/actuator/prometheus")).isEqualTo(new AccessRules.Match.NotFound());
        assertThat(match(HttpMethod.GET, "/")).isEqualTo(new AccessRules.Match.NotFound());
    }

    @Test
    void aRouterFunctionWithARouteThatDeclaresNoAccessStopsStartUp() {
        RouterFunction<ServerResponse> unguarded = RouterFunctions.route()
                .GET("/admin/forgotten", r -> ServerResponse.ok().build())
                .build();
        assertThatThrownBy(() -> AccessRules.of(List.of(MODELS, unguarded), List.of()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("/admin/forgotten")
                .hasMessageContaining("declares no access");
    }
}
