package dev.burstgate.gateway.guard;

import dev.burstgate.gateway.access.Access;
import dev.burstgate.gateway.access.AccessRoutes;
import dev.burstgate.gateway.access.AccessRule;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.springframework.core.io.Resource;
import org.springframework.http.HttpMethod;
import org.springframework.http.server.PathContainer;
import org.springframework.web.reactive.function.server.HandlerFunction;
import org.springframework.web.reactive.function.server.RequestPredicate;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.util.pattern.PathPattern;
import reactor.core.publisher.Mono;

/**
 * Every {@link AccessRule} of the gateway: those carried by the routes of its router functions ({@link AccessRoutes})
 * and those declared as beans. Matching is on the canonical path, most specific pattern first:
 * <ol>
 *   <li>a rule of a route (one with methods) matches the path and allows the method: {@link Match.Allowed};
 *   <li>rules of routes match the path but none allows the method: {@link Match.WrongMethod} (405, after the
 *       caller has shown the key of the most specific one, so the admin API's shape is not told to strangers);
 *   <li>only a rule for any method (a prefix such as {@code /admin/**}) matches: {@link Match.Allowed} with its
 *       access, and routing answers 404 once the key is checked;
 *   <li>nothing matches: {@link Match.NotFound}: deny by default.
 * </ol>
 */
public final class AccessRules {

    /** What a request may do. */
    public sealed interface Match {
        record Allowed(Access access) implements Match {}

        record WrongMethod(Access access, Set<HttpMethod> allowed) implements Match {}

        record NotFound() implements Match {}
    }

    private record Entry(AccessRule rule, PathPattern pattern) {}

    private static final Comparator<Entry> MOST_SPECIFIC_FIRST =
            Comparator.comparing(Entry::pattern, PathPattern.SPECIFICITY_COMPARATOR);

    private final List<Entry> routes;
    private final List<Entry> prefixes;

    private AccessRules(List<AccessRule> rules) {
        List<Entry> r = new ArrayList<>();
        List<Entry> p = new ArrayList<>();
        for (AccessRule rule : rules) {
            (rule.methods().isEmpty() ? p : r).add(new Entry(rule, rule.parsed()));
        }
        r.sort(MOST_SPECIFIC_FIRST);
        p.sort(MOST_SPECIFIC_FIRST);
        this.routes = List.copyOf(r);
        this.prefixes = List.copyOf(p);
    }

    /**
     * The rules of {@code routerFunctions} (each route must carry one) and the {@code declared} ones.
     *
     * @throws IllegalStateException naming the route when a route carries no rule
     */
    public static AccessRules of(List<? extends RouterFunction<?>> routerFunctions, List<AccessRule> declared) {
        List<AccessRule> rules = new ArrayList<>(declared);
        for (RouterFunction<?> f : routerFunctions) {
            rules.addAll(rulesOf(f));
        }
        return new AccessRules(rules);
    }

    /** The rules the routes of {@code function} carry. */
    static List<AccessRule> rulesOf(RouterFunction<?> function) {
        Collector collector = new Collector();
        function.accept(collector);
        return collector.rules;
    }

    public List<AccessRule> rules() {
        List<AccessRule> all = new ArrayList<>();
        routes.forEach(e -> all.add(e.rule()));
        prefixes.forEach(e -> all.add(e.rule()));
        return all;
    }

    public Match match(PathContainer path, HttpMethod method) {
        Entry first = null;
        Set<HttpMethod> allowed = new LinkedHashSet<>();
        for (Entry e : routes) {
            if (!e.pattern().matches(path)) {
                continue;
            }
            if (e.rule().allows(method)) {
                return new Match.Allowed(e.rule().access());
            }
            if (first == null) {
                first = e;
            }
            allowed.addAll(e.rule().methods());
        }
        if (first != null) {
            if (allowed.contains(HttpMethod.GET)) {
                allowed.add(HttpMethod.HEAD);
            }
            return new Match.WrongMethod(first.rule().access(), sorted(allowed));
        }
        for (Entry e : prefixes) {
            if (e.pattern().matches(path)) {
                return new Match.Allowed(e.rule().access());
            }
        }
        return new Match.NotFound();
    }

    private static Set<HttpMethod> sorted(Set<HttpMethod> methods) {
        Set<HttpMethod> out = new LinkedHashSet<>();
        methods.stream().map(HttpMethod::name).sorted().forEach(m -> out.add(HttpMethod.valueOf(m)));
        return out;
    }

    /** Collects the rule of every route; a route without one is an error. */
    private static final class Collector implements RouterFunctions.Visitor {
        final List<AccessRule> rules = new ArrayList<>();
        private @Nullable AccessRule pending;

        @Override
        public void attributes(Map<String, Object> attributes) {
            if (attributes.get(AccessRule.ATTRIBUTE) instanceof AccessRule rule) {
                pending = rule;
            }
        }

        @Override
        public void route(RequestPredicate predicate, HandlerFunction<?> handler) {
            AccessRule rule = pending;
            pending = null;
            if (rule == null) {
                throw new IllegalStateException(
                        "The route " + predicate + " declares no access (public, tenant or admin): "
                                + "build it with AccessRoutes so every route says who may call it");
            }
            rules.add(rule);
        }

        @Override
        public void resources(Function<ServerRequest, Mono<Resource>> lookup) {
            throw new IllegalStateException("Resource routes " + lookup + " declare no access: serve them as static "
                    + "resources with an AccessRule bean");
        }

        @Override
        public void unknown(RouterFunction<?> routerFunction) {
            throw new IllegalStateException("Cannot tell who may call the routes of " + routerFunction);
        }

        @Override
        public void startNested(RequestPredicate predicate) {
            throw new IllegalStateException("Nested routes (" + predicate + ") are not supported by AccessRoutes");
        }

        @Override
        public void endNested(RequestPredicate predicate) {}
    }
}
