package dev.burstgate.gateway.policy;

import dev.burstgate.policies.policy.PolicyEntry;
import dev.burstgate.policies.policy.PolicyRegistry;
import dev.burstgate.policies.policy.Problem;
import dev.burstgate.policies.policy.ReloadReport;
import java.util.Locale;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code GET /admin/policies}: every policy with its source and load status ({@code loaded}, or {@code stale} when its
 * file became invalid and the last good version is in force), plus the files the last reload rejected.
 */
public final class PoliciesEndpoint {

    private final PolicyRegistry registry;
    private final PolicyWatcher watcher;
    private final JsonMapper json;
    private final String defaultPolicy;

    public PoliciesEndpoint(PolicyRegistry registry, PolicyWatcher watcher, JsonMapper json, String defaultPolicy) {
        this.registry = registry;
        this.watcher = watcher;
        this.json = json;
        this.defaultPolicy = defaultPolicy;
    }

    public Mono<ServerResponse> list(ServerRequest request) {
        ObjectNode root = json.createObjectNode();
        root.put("default", defaultPolicy);
        ArrayNode policies = root.putArray("policies");
        for (PolicyEntry e : registry.entries()) {
            ObjectNode p = policies.addObject();
            p.put("name", e.name());
            p.put("description", e.policy().description());
            p.put("source", e.source());
            p.put("status", e.status().name().toLowerCase(Locale.ROOT));
            p.put("loaded_at", e.loadedAt().toString());
            p.put("version", e.version());
            p.put("thresholds_tuned", e.tuned());
            if (e.error() != null) {
                p.put("error", e.error());
            }
        }
        ArrayNode rejected = root.putArray("rejected_files");
        ReloadReport report = watcher.lastReport();
        if (report != null) {
            for (ReloadReport.FileResult f : report.failed()) {
                ObjectNode r = rejected.addObject();
                r.put("source", f.source());
                if (f.policyName() != null) {
                    r.put("policy", f.policyName());
                }
                ArrayNode problems = r.putArray("problems");
                for (Problem pr : f.problems()) {
                    problems.addObject()
                            .put("field", pr.field())
                            .put("value", pr.value())
                            .put("message", pr.message());
                }
            }
        }
        return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(json.writeValueAsBytes(root));
    }
}
