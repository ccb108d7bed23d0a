package dev.burstgate.gateway.budget;

import dev.burstgate.gateway.api.ApiException;
import dev.burstgate.gateway.api.JsonContent;
import dev.burstgate.gateway.api.JsonErrors;
import dev.burstgate.gateway.tenant.Tenant;
import dev.burstgate.gateway.tenant.TenantRegistry;
import dev.burstgate.policies.budget.BudgetRules;
import dev.burstgate.policies.cost.Usd;
import dev.burstgate.policies.policy.Policy;
import dev.burstgate.policies.policy.PolicyRegistry;
import java.math.BigDecimal;
import java.util.Comparator;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code /admin/budgets}: every tenant's budget ({@code GET /admin/budgets}), one tenant's
 * ({@code GET /admin/budgets/{tenant}}), and run-time limits ({@code PUT /admin/budgets/{tenant}} with
 * {@code {"daily_usd": 10.5, "monthly_usd": null}}; null or absent means no limit). A tenant's budget:
 *
 * <pre>{@code
 * {"tenant":"acme","policy":"balanced",
 *  "daily":{"limit_usd":10.5,"spent_usd":1.28,"reserved_usd":0.18,"fraction_used":0.139048,"period":"2026-11-29"},
 *  "monthly":{"limit_usd":null,"spent_usd":14.2,"reserved_usd":0.18,"fraction_used":null,"period":"2026-11"},
 *  "status":"ok"}
 * }</pre>
 *
 * Amounts are exact decimals; {@code fraction_used} is (spent + reserved) / limit (six decimals, null without a
 * limit); {@code status} is what the tenant's policy makes of it: {@code ok}, {@code degraded} (a degrade step
 * applies) or {@code exhausted}. The admin key is checked by the auth filter.
 */
final class BudgetsEndpoint {

    static final String DAILY = "daily_usd";
    static final String MONTHLY = "monthly_usd";

    private final BudgetStore store;
    private final TenantRegistry tenants;
    private final PolicyRegistry policies;
    private final JsonMapper json;

    BudgetsEndpoint(BudgetStore store, TenantRegistry tenants, PolicyRegistry policies, JsonMapper json) {
        this.store = store;
        this.tenants = tenants;
        this.policies = policies;
        this.json = json;
    }

    Mono<ServerResponse> list(ServerRequest request) {
        return Flux.fromIterable(tenants.all().stream()
                        .sorted(Comparator.comparing(Tenant::name))
                        .toList())
                .concatMap(t -> store.view(t.name()).map(v -> render(t, v)))
                .collectList()
                .flatMap(views -> {
                    ObjectNode root = json.createObjectNode();
                    ArrayNode budgets = root.putArray("budgets");
                    views.forEach(budgets::add);
                    return ok(root);
                });
    }

    Mono<ServerResponse> get(ServerRequest request) {
        return Mono.defer(() -> {
            Tenant tenant = tenant(request);
            return store.view(tenant.name()).flatMap(v -> ok(render(tenant, v)));
        });
    }

    Mono<ServerResponse> put(ServerRequest request) {
        return Mono.defer(() -> {
            JsonContent.require(request.headers().asHttpHeaders());
            Tenant tenant = tenant(request);
            return request.bodyToMono(byte[].class)
                    .defaultIfEmpty(new byte[0])
                    .map(this::parse)
                    .flatMap(limits -> store.setLimits(tenant.name(), limits))
                    .then(Mono.defer(() -> store.view(tenant.name())))
                    .flatMap(v -> ok(render(tenant, v)));
        });
    }

    private Tenant tenant(ServerRequest request) {
        String name = request.pathVariable("tenant");
        return tenants.byName(name)
                .orElseThrow(() -> new ApiException(
                        HttpStatus.NOT_FOUND,
                        "invalid_request_error",
                        "tenant_not_found",
                        "tenant",
                        "No tenant named " + JsonErrors.quote(name) + "."));
    }

    /** The limits of a PUT body; every mistake is a 400 naming the field. */
    BudgetLimits parse(byte[] body) {
        if (body.length == 0) {
            throw ApiException.badRequest(
                    "invalid_json",
                    null,
                    "Request body is empty; expected {\"" + DAILY + "\": <USD or null>, \"" + MONTHLY
                            + "\": <USD or null>}.");
        }
        JsonNode root;
        try {
            root = json.reader()
                    .with(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                    .with(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    .readTree(body);
        } catch (JacksonException e) {
            throw ApiException.badRequest("invalid_json", null, JsonErrors.describe(e));
        }
        if (root == null || !root.isObject()) {
            throw ApiException.badRequest(
                    "invalid_json",
                    null,
                    "Request body must be a JSON object like {\"" + DAILY + "\": 10.5, \"" + MONTHLY + "\": null}.");
        }
        Set<String> known = Set.of(DAILY, MONTHLY);
        for (Map.Entry<String, JsonNode> property : root.properties()) {
            String name = property.getKey();
            if (!known.contains(name)) {
                throw ApiException.badRequest(
                        "unknown_field",
                        name,
                        "Unknown field " + JsonErrors.quote(name) + "; expected '" + DAILY + "' and '" + MONTHLY
                                + "'.");
            }
        }
        return new BudgetLimits(limit(root, DAILY), limit(root, MONTHLY));
    }

    private static @Nullable Usd limit(JsonNode root, String field) {
        JsonNode v = root.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isNumber()) {
            throw ApiException.badRequest(
                    "invalid_value",
                    field,
                    "'" + field + "' must be a number of USD or null but was " + JsonErrors.quote(v.toString()) + ".");
        }
        BigDecimal amount = v.decimalValue();
        String problem = BudgetLimits.problem(amount);
        if (problem != null) {
            throw ApiException.badRequest("invalid_value", field, "'" + field + "' " + problem + ".");
        }
        return new Usd(amount);
    }

    private ObjectNode render(Tenant tenant, BudgetView view) {
        ObjectNode n = json.createObjectNode();
        n.put("tenant", tenant.name());
        n.put("policy", tenant.policy());
        period(n.putObject("daily"), view.daily());
        period(n.putObject("monthly"), view.monthly());
        n.put("status", status(tenant, view));
        return n;
    }

    private static void period(ObjectNode n, BudgetView.PeriodView p) {
        decimal(n, "limit_usd", p.limit() == null ? null : p.limit().amount());
        n.put("spent_usd", p.spent().amount());
        n.put("reserved_usd", p.reserved().amount());
        decimal(n, "fraction_used", p.fractionUsed());
        n.put("period", p.period());
    }

    private static void decimal(ObjectNode n, String field, @Nullable BigDecimal value) {
        if (value == null) {
            n.putNull(field);
        } else {
            n.put(field, value);
        }
    }

    private String status(Tenant tenant, BudgetView view) {
        BudgetRules rules = policies.find(tenant.policy()).map(Policy::budget).orElse(BudgetRules.DEFAULT);
        return switch (rules.verdict(view.state())) {
            case BudgetRules.Verdict.Unrestricted u -> "ok";
            case BudgetRules.Verdict.Capped c -> "degraded";
            case BudgetRules.Verdict.Exhausted e -> "exhausted";
        };
    }

    private Mono<ServerResponse> ok(ObjectNode body) {
        return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(json.writeValueAsBytes(body));
    }
}
