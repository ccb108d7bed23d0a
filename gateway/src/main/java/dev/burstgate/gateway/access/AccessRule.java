package dev.burstgate.gateway.access;

import java.util.Objects;
import java.util.Set;
import org.springframework.http.HttpMethod;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;

/**
 * Who may call {@code methods} on the paths matching {@code pattern} (a Spring {@link PathPattern}, matched on the
 * canonical path). An empty set of methods means any method; {@code GET} also allows {@code HEAD}.
 *
 * <p>Routes built with {@link AccessRoutes} carry their rule; endpoints that are not router functions (the chat
 * completions route, static resources, the health check) declare theirs as {@code AccessRule} beans.
 */
public record AccessRule(Set<HttpMethod> methods, String pattern, Access access) {

    /** The route attribute under which {@link AccessRoutes} stores a route's rule. */
    public static final String ATTRIBUTE = AccessRule.class.getName();

    public AccessRule {
        methods = Set.copyOf(methods);
        Objects.requireNonNull(pattern, "pattern");
        Objects.requireNonNull(access, "access");
    }

    public static AccessRule of(HttpMethod method, String pattern, Access access) {
        return new AccessRule(Set.of(method), pattern, access);
    }

    /** Any method on {@code pattern}: a prefix rule such as {@code /admin/**}, so unknown paths under it need its key. */
    public static AccessRule anyMethod(String pattern, Access access) {
        return new AccessRule(Set.of(), pattern, access);
    }

    /** The pattern, parsed. */
    public PathPattern parsed() {
        return PathPatternParser.defaultInstance.parse(pattern);
    }

    /** Whether the rule allows {@code method} ({@code GET} also allows {@code HEAD}). */
    public boolean allows(HttpMethod method) {
        return methods.isEmpty()
                || methods.contains(method)
                || (HttpMethod.HEAD.equals(method) && methods.contains(HttpMethod.GET));
    }

    @Override
    public String toString() {
        return (methods.isEmpty()
                        ? "*"
                        : methods.stream().map(HttpMethod::name).sorted().toList()) + " " + pattern + " -> " + access;
    }
}
