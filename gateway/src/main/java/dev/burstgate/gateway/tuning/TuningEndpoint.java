package dev.burstgate.gateway.tuning;

import dev.burstgate.policies.policy.Policy;
import dev.burstgate.policies.policy.PolicyEntry;
import dev.burstgate.policies.policy.PolicyTuning;
import dev.burstgate.policies.tuning.QualityEstimate;
import org.jspecify.annotations.Nullable;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code GET /admin/policies/{name}/tuning} (the proposal: thresholds, and a cascade's {@code escalate_below}), {@code GET .../tuning/audit} (the audit trail),
 * {@code POST .../tuning/apply} and {@code POST .../tuning/rollback}. File work runs off the event loop.
 */
final class TuningEndpoint {

    private final TuningService service;
    private final JsonMapper json;

    TuningEndpoint(TuningService service, JsonMapper json) {
        this.service = service;
        this.json = json;
    }

    Mono<ServerResponse> get(ServerRequest request) {
        String name = request.pathVariable("name");
        return respond(() -> report(name));
    }

    Mono<ServerResponse> audit(ServerRequest request) {
        String name = request.pathVariable("name");
        return respond(() -> {
            service.entry(name);
            ObjectNode root = json.createObjectNode();
            root.put("policy", name);
            ArrayNode entries = root.putArray("entries");
            service.audit(name).forEach(entries::add);
            return root;
        });
    }

    Mono<ServerResponse> apply(ServerRequest request) {
        String name = request.pathVariable("name");
        return respond(() -> service.apply(name, "admin"));
    }

    Mono<ServerResponse> rollback(ServerRequest request) {
        String name = request.pathVariable("name");
        return respond(() -> service.rollback(name, "admin"));
    }

    private Mono<ServerResponse> respond(java.util.function.Supplier<JsonNode> body) {
        return Mono.fromCallable(() -> json.writeValueAsBytes(body.get()))
                .subscribeOn(Schedulers.boundedElastic())
                .flatMap(bytes -> ServerResponse.ok()
                        .contentType(MediaType.APPLICATION_JSON)
                        .bodyValue(bytes));
    }

    private ObjectNode report(String name) {
        PolicyEntry entry = service.entry(name);
        Policy policy = entry.policy();
        ObjectNode root = json.createObjectNode();
        root.put("policy", name);
        root.put("version", entry.version());
        root.put("tuned", entry.tuned());
        Policy.Tuning rules = policy.tuning();
        if (rules == null) {
            root.putNull("quality_target");
        } else {
            root.put("quality_target", rules.qualityTarget());
        }
        root.put("auto_apply", rules != null && rules.autoApply());
        if (rules != null) {
            root.put("min_samples", rules.minSamples());
            root.put("interval", rules.interval().toString());
            put(root, "max_step", rules.maxStep());
        }
        ObjectNode current = root.putObject("current");
        thresholds(current, policy.thresholds());
        Policy.Cascade cascade = policy.cascade();
        if (cascade != null) {
            current.put("escalate_below", cascade.escalateBelow());
        }
        PolicyTuning.Report report = service.report(policy);
        if (report == null) {
            root.putNull("proposed");
            root.put("why_none", "the policy states no tuning.quality-target");
        } else {
            current.put("usd_per_1000", report.currentUsdPer1000());
            Policy.Thresholds p = report.proposed();
            if (p == null) {
                root.putNull("proposed");
                root.put("why_none", report.none());
            } else {
                ObjectNode proposed = root.putObject("proposed");
                thresholds(proposed, p);
                Double escalateBelow = report.proposedEscalateBelow();
                if (escalateBelow != null) {
                    proposed.put("escalate_below", escalateBelow);
                }
                Double usd = report.proposedUsdPer1000();
                if (usd != null) {
                    proposed.put("usd_per_1000", usd);
                }
                proposed.put("differs", report.differs());
            }
            root.put("samples", report.samples());
            ArrayNode changes = root.putArray("thresholds");
            for (PolicyTuning.Change c : report.changes()) {
                ObjectNode o = changes.addObject();
                o.put("field", c.field());
                o.put("current", c.current());
                put(o, "proposed", c.proposed());
                TuningService.quality(o.putObject("current_quality"), c.currentQuality());
                QualityEstimate q = c.proposedQuality();
                if (q == null) {
                    o.putNull("proposed_quality");
                } else {
                    TuningService.quality(o.putObject("proposed_quality"), q);
                }
                o.put("verdicts", c.verdicts());
                o.put("reason", c.reason());
            }
        }
        JsonNode last = service.last(name, "apply");
        if (last == null) {
            root.putNull("last_applied");
        } else {
            root.set("last_applied", last);
        }
        return root;
    }

    private static void thresholds(ObjectNode o, Policy.Thresholds t) {
        o.put("cloud_at", t.cloudAt());
        put(o, "legacy_at", t.legacyAt());
    }

    private static void put(ObjectNode o, String field, @Nullable Double v) {
        if (v == null) {
            o.putNull(field);
        } else {
            o.put(field, v);
        }
    }
}
