package dev.burstgate.gateway.dashboard;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.ClassPathResource;
import org.springframework.core.io.Resource;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RequestPredicate;
import org.springframework.web.reactive.function.server.RequestPredicates;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * Serves the dashboard at {@code /dashboard/} ({@code /dashboard} redirects there, so the page's relative links to
 * {@code dashboard.js}, {@code ../admin/**} and {@code ../webjars/**} resolve also behind a path prefix). The page
 * itself needs no key: it holds no data, and asks for the admin key to read {@code /admin/**} from the browser. Its
 * scripts, stylesheet and Chart.js come from the classpath ({@code static/dashboard/} and the Chart.js webjar)
 * through Boot's static resource handling; the page is sent with a Content-Security-Policy that allows only this
 * origin, so nothing is loaded from elsewhere and no inline script runs.
 */
@Configuration(proxyBeanMethods = false)
class DashboardConfiguration {

  /** Where the page lives. */
  static final String PATH = "/dashboard/";

  static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
      + "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

  @Bean
  RouterFunction<ServerResponse> dashboardRoute() {
    Resource page = new ClassPathResource("static/dashboard/index.html");
    return RouterFunctions.route()
        // Relative, so a proxy's path prefix survives the redirect.
        .route(getOrHead("/dashboard"), request -> ServerResponse.permanentRedirect(URI.create("dashboard/")).build())
        .route(getOrHead(PATH), request -> ServerResponse.ok()
            .contentType(new MediaType(MediaType.TEXT_HTML, StandardCharsets.UTF_8))
            .cacheControl(CacheControl.noCache())
            .header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
            .header("X-Content-Type-Options", "nosniff")
            .header("Referrer-Policy", "no-referrer")
            .header("X-Frame-Options", "DENY")
            .bodyValue(page))
        .build();
  }

  private static RequestPredicate getOrHead(String path) {
    return RequestPredicates.path(path)
        .and(RequestPredicates.method(HttpMethod.GET).or(RequestPredicates.method(HttpMethod.HEAD)));
  }
}
