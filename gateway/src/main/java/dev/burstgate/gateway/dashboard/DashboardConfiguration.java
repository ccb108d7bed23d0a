package dev.burstgate.gateway.dashboard;

import dev.burstgate.gateway.access.Access;
import dev.burstgate.gateway.access.AccessRoutes;
import dev.burstgate.gateway.access.AccessRule;
import dev.burstgate.gateway.guard.AccessFilter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.io.ClassPathResource;
import org.springframework.core.io.Resource;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Serves the dashboard at {@code /dashboard/} ({@code /dashboard} redirects there, so the page's relative links to
 * {@code dashboard.js}, {@code ../admin/**} and {@code ../webjars/**} resolve also behind a path prefix). The page
 * itself needs no key: it holds no data, and asks for the admin key to read {@code /admin/**} from the browser. Its
 * scripts, stylesheet and Chart.js come from the classpath ({@code static/dashboard/} and the Chart.js webjar)
 * through Boot's static resource handling. Every answer under {@code /dashboard} and {@code /webjars} carries a
 * Content-Security-Policy that allows only this origin (nothing is loaded from elsewhere, no inline script runs, no
 * framing) and the other headers of {@link #SECURITY_HEADERS}, whichever path spells the page.
 */
@Configuration(proxyBeanMethods = false)
class DashboardConfiguration {

    /** Where the page lives. */
    static final String PATH = "/dashboard/";

    static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
            + "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    /** Set on every dashboard and webjar answer. */
    static final String[][] SECURITY_HEADERS = {
        {"Content-Security-Policy", CONTENT_SECURITY_POLICY},
        {"X-Content-Type-Options", "nosniff"},
        {"Referrer-Policy", "no-referrer"},
        {"X-Frame-Options", "DENY"}
    };

    @Bean
    RouterFunction<ServerResponse> dashboardRoute() {
        Resource page = new ClassPathResource("static/dashboard/index.html");
        return AccessRoutes.route()
                // Relative, so a proxy's path prefix survives the redirect.
                .GET(
                        "/dashboard",
                        Access.PUBLIC,
                        request -> ServerResponse.permanentRedirect(URI.create("dashboard/"))
                                .build())
                .GET(
                        PATH,
                        Access.PUBLIC,
                        request -> ServerResponse.ok()
                                .contentType(new MediaType(MediaType.TEXT_HTML, StandardCharsets.UTF_8))
                                .cacheControl(CacheControl.noCache())
                                .bodyValue(page))
                .build();
    }

    /** The page's assets ({@code static/dashboard/}), served by Boot's static resource handling. */
    @Bean
    AccessRule dashboardAssetsAccess() {
        return AccessRule.of(HttpMethod.GET, "/dashboard/**", Access.PUBLIC);
    }

    /** Chart.js, from its webjar. */
    @Bean
    AccessRule webjarsAccess() {
        return AccessRule.of(HttpMethod.GET, "/webjars/**", Access.PUBLIC);
    }

    /**
     * The security headers on every answer under {@code /dashboard} and {@code /webjars}; runs right after the access
     * filter, so it sees the canonical path whatever spelling the request used.
     */
    @Bean
    SecurityHeadersFilter dashboardSecurityHeaders() {
        return new SecurityHeadersFilter();
    }

    static final class SecurityHeadersFilter implements WebFilter, Ordered {

        @Override
        public int getOrder() {
            return AccessFilter.ORDER + 1;
        }

        @Override
        public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
            String path =
                    exchange.getRequest().getPath().pathWithinApplication().value();
            if (path.equals("/dashboard") || path.startsWith("/dashboard/") || path.startsWith("/webjars/")) {
                HttpHeaders h = exchange.getResponse().getHeaders();
                for (String[] header : SECURITY_HEADERS) {
                    h.set(header[0], header[1]);
                }
            }
            return chain.filter(exchange);
        }
    }
}
