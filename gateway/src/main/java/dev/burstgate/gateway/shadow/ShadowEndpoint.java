package dev.burstgate.gateway.shadow;

import dev.burstgate.gateway.api.ApiException;
import dev.burstgate.gateway.api.JsonErrors;
import dev.burstgate.policies.policy.PolicyRegistry;
import dev.burstgate.policies.shadow.ShadowRules;
import dev.burstgate.policies.shadow.ShadowStatistics;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code GET /admin/policies/{name}/shadow}: the policy's shadow rules, today's shadow spend against its daily shadow
 * budget, the comparisons skipped since start, the verdicts, and P(cheaper answer acceptable) overall, by
 * complexity-score bucket and by local-confidence bucket, each with its 95 % Wilson interval.
 */
final class ShadowEndpoint {

    private final PolicyRegistry policies;
    private final ShadowRunner runner;
    private final JsonMapper json;

    ShadowEndpoint(PolicyRegistry policies, ShadowRunner runner, JsonMapper json) {
        this.policies = policies;
        this.runner = runner;
        this.json = json;
    }

    Mono<ServerResponse> get(ServerRequest request) {
        String name = request.pathVariable("name");
        if (policies.find(name).isEmpty()) {
            throw new ApiException(
                    HttpStatus.NOT_FOUND,
                    "invalid_request_error",
                    "policy_not_found",
                    "name",
                    "No policy named " + JsonErrors.quote(name) + ".");
        }
        ShadowRunner.View v = runner.view(name);
        ObjectNode root = json.createObjectNode();
        root.put("policy", name);
        ShadowRules rules = v.rules();
        root.put("enabled", rules != null);
        if (rules == null) {
            root.putNull("rules");
        } else {
            ObjectNode r = root.putObject("rules");
            r.put("rate", rules.rate());
            put(r, "near_threshold", rules.nearThreshold());
            r.put("daily_budget_usd", rules.dailyBudget().amount());
            ArrayNode pairs = r.putArray("pairs");
            rules.pairs().forEach(p -> pairs.add(p.key()));
            r.put("judge", rules.judge().key());
        }
        ObjectNode today = root.putObject("today");
        today.put("date", v.day().toString());
        today.put("spent_usd", v.spentToday().amount());
        today.put("reserved_usd", v.reserved().amount());
        if (rules == null) {
            today.putNull("budget_usd");
            today.putNull("remaining_usd");
        } else {
            today.put("budget_usd", rules.dailyBudget().amount());
            var left = rules.dailyBudget().minus(v.spentToday()).minus(v.reserved());
            today.put("remaining_usd", left.isNegative() ? java.math.BigDecimal.ZERO : left.amount());
        }
        ObjectNode skipped = root.putObject("skipped_since_start");
        skipped.put("budget", v.skippedBudget());
        skipped.put("queue_full", v.skippedQueueFull());
        skipped.put("tier_unavailable", v.skippedTierUnavailable());
        ShadowStatistics.Snapshot s = v.statistics();
        ObjectNode verdicts = root.putObject("verdicts");
        verdicts.put("acceptable", s.all().acceptable());
        verdicts.put("not_acceptable", s.all().notAcceptable());
        verdicts.put("error", s.all().errors());
        root.put("confidence_level", ShadowStatistics.CONFIDENCE);
        root.set("p_acceptable", probability(json.createObjectNode(), s.all()));
        ArrayNode byScore = root.putArray("by_score");
        s.byScore().forEach(b -> byScore.add(bucket(b)));
        ArrayNode byConfidence = root.putArray("by_confidence");
        s.byConfidence().forEach(b -> byConfidence.add(bucket(b)));
        root.put("statistics_from", v.fromLedger() ? "ledger" : "memory");
        return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(json.writeValueAsBytes(root));
    }

    private ObjectNode bucket(ShadowStatistics.Bucket b) {
        ObjectNode o = json.createObjectNode();
        o.put("from", b.from());
        o.put("to", b.to());
        o.put("acceptable", b.acceptable());
        o.put("not_acceptable", b.notAcceptable());
        o.put("error", b.errors());
        return probability(o, b);
    }

    private static ObjectNode probability(ObjectNode o, ShadowStatistics.Bucket b) {
        o.put("n", b.acceptable() + b.notAcceptable());
        put(o, "value", b.pAcceptable());
        put(o, "lower", b.lower());
        put(o, "upper", b.upper());
        return o;
    }

    private static void put(ObjectNode o, String field, @Nullable Double v) {
        if (v == null) {
            o.putNull(field);
        } else {
            o.put(field, v);
        }
    }
}
