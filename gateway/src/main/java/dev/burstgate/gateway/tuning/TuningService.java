package dev.burstgate.gateway.tuning;

import dev.burstgate.gateway.api.ApiException;
import dev.burstgate.gateway.api.JsonErrors;
import dev.burstgate.gateway.shadow.ShadowRunner;
import dev.burstgate.policies.Tier;
import dev.burstgate.policies.cost.PriceTable;
import dev.burstgate.policies.policy.Policy;
import dev.burstgate.policies.policy.PolicyEntry;
import dev.burstgate.policies.policy.PolicyRegistry;
import dev.burstgate.policies.policy.PolicyTuning;
import dev.burstgate.policies.tuning.QualityEstimate;
import java.time.InstantSource;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.http.HttpStatus;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Proposes, applies and rolls back tuned thresholds, and with a cascade its {@code escalate-below}.
 *
 * <p><b>Apply</b> writes the proposal as the policy's overlay ({@link TuningStore}), reloads the registry (the same
 * path a file edit takes, so the policy's version goes up) and appends {@code apply} to the audit trail. Nothing is
 * applied while the proposal rests on fewer than the policy's {@code min-samples} verdicts. <b>Rollback</b> steps the
 * overlay back to the one before (or removes it), reloads, and appends {@code rollback}.
 *
 * <p><b>Auto-apply</b>: one scheduler thread looks, every second, for policies with {@code auto-apply: true} whose
 * {@code interval} has passed since their last evaluation, and applies their proposal when it differs from the
 * thresholds in force, once the shadow statistics have been read back from the ledger. A proposal that was rolled
 * back (the audit trail's {@code from} of a rollback) is not applied again automatically: an admin may still apply
 * it by hand. Started and stopped with the application.
 */
public final class TuningService implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(TuningService.class);

    private final PolicyRegistry registry;
    private final ShadowRunner runner;
    private final TuningStore store;
    private final Map<Tier, Double> usdPerRequest;
    private final InstantSource clock;
    private final JsonMapper json;
    private final Object lock = new Object();
    /** Per policy, the values last rolled back away from: auto-apply does not bring them back. */
    private final Map<String, Setting> rolledBack = new ConcurrentHashMap<>();
    /** Per policy, when auto-apply last evaluated it ({@link System#nanoTime()}). */
    private final Map<String, Long> evaluated = new ConcurrentHashMap<>();

    private volatile @Nullable ScheduledExecutorService scheduler;

    TuningService(
            PolicyRegistry registry,
            ShadowRunner runner,
            TuningStore store,
            PriceTable prices,
            InstantSource clock,
            JsonMapper json) {
        this.registry = registry;
        this.runner = runner;
        this.store = store;
        Map<Tier, Double> usd = new EnumMap<>(Tier.class);
        for (Tier t : Tier.values()) {
            usd.put(t, prices.price(t).perQuery().amount().doubleValue());
        }
        this.usdPerRequest = Map.copyOf(usd);
        this.clock = clock;
        this.json = json;
        for (JsonNode e : store.audit()) {
            if ("rollback".equals(e.path("action").asString(""))) {
                Setting from = setting(e.path("from"));
                if (from != null) {
                    rolledBack.put(e.path("policy").asString(""), from);
                }
            }
        }
    }

    /** The policy's entry, or 404 in the OpenAI error shape. */
    PolicyEntry entry(String name) {
        return registry.entries().stream()
                .filter(e -> e.name().equals(name))
                .findFirst()
                .orElseThrow(() -> new ApiException(
                        HttpStatus.NOT_FOUND,
                        "invalid_request_error",
                        "policy_not_found",
                        "name",
                        "No policy named " + JsonErrors.quote(name) + "."));
    }

    /**
     * What tuning sets: the thresholds, and the cascade's {@code escalate-below} (null without a cascade).
     *
     * @param thresholds the score thresholds
     * @param escalateBelow the cascade's {@code escalate-below}, or null
     */
    record Setting(Policy.Thresholds thresholds, @Nullable Double escalateBelow) {

        /** What is in force in {@code policy}. */
        static Setting of(Policy policy) {
            Policy.Cascade cascade = policy.cascade();
            return new Setting(policy.thresholds(), cascade == null ? null : cascade.escalateBelow());
        }

        @Override
        public String toString() {
            return escalateBelow == null ? thresholds.toString() : thresholds + ", escalate-below " + escalateBelow;
        }
    }

    /** The proposal for the policy now, or null when it states no quality target. */
    PolicyTuning.@Nullable Report report(Policy policy) {
        if (policy.tuning() == null) {
            return null;
        }
        return PolicyTuning.propose(policy, runner.samples(policy.name()), usdPerRequest);
    }

    /** The latest audit entry of a policy with this action, or null. */
    @Nullable
    JsonNode last(String policy, String action) {
        JsonNode found = null;
        for (JsonNode e : store.audit()) {
            if (policy.equals(e.path("policy").asString(""))
                    && action.equals(e.path("action").asString(""))) {
                found = e;
            }
        }
        return found;
    }

    List<JsonNode> audit(String policy) {
        return store.audit().stream()
                .filter(e -> policy.equals(e.path("policy").asString("")))
                .toList();
    }

    /**
     * Applies the current proposal of a policy.
     *
     * @param by {@code admin} or {@code auto}
     * @return the audit entry
     * @throws ApiException 409 without a quality target, below the minimum sample size, or when the proposal is
     *     already in force
     */
    ObjectNode apply(String name, String by) {
        synchronized (lock) {
            Policy policy = entry(name).policy();
            PolicyTuning.Report report = report(policy);
            if (report == null) {
                throw conflict(
                        "no_quality_target", "Policy " + JsonErrors.quote(name) + " states no tuning.quality-target.");
            }
            Policy.Thresholds proposed = report.proposed();
            if (proposed == null) {
                throw conflict(
                        "too_few_samples",
                        "Nothing to apply to policy " + JsonErrors.quote(name) + ": " + report.none() + ".");
            }
            if (!report.differs()) {
                throw conflict(
                        "already_applied",
                        "The proposed values of policy " + JsonErrors.quote(name) + " are in force.");
            }
            String reason = String.join(
                    "; ",
                    report.changes().stream()
                            .map(c -> c.field() + ": " + c.reason())
                            .toList());
            ObjectNode overlay = json.createObjectNode();
            overlay.put("policy", name);
            overlay.set("thresholds", store.thresholds(proposed));
            Double escalateBelow = report.proposedEscalateBelow();
            if (escalateBelow != null) {
                overlay.putObject("cascade").put("escalate-below", escalateBelow);
            }
            overlay.put("applied_at", clock.instant().toString());
            overlay.put("by", by);
            overlay.put("reason", reason);
            store.push(name, overlay);
            registry.reload();
            Setting from = new Setting(report.current(), report.currentEscalateBelow());
            Setting to = new Setting(proposed, escalateBelow);
            ObjectNode audit = auditEntry(name, "apply", by, from, to);
            ObjectNode estimate = audit.putObject("estimate");
            for (PolicyTuning.Change c : report.changes()) {
                QualityEstimate q = c.proposedQuality();
                if (q != null) {
                    quality(estimate.putObject(c.field()), q);
                }
            }
            audit.put("samples", report.samples());
            audit.put("reason", reason);
            store.audit(audit);
            log.info("Policy {}: tuned values applied ({}): {} -> {}", name, by, from, to);
            return audit;
        }
    }

    /**
     * Steps the policy's tuned thresholds back to the ones before the last apply.
     *
     * @throws ApiException 409 when its thresholds are its own
     */
    ObjectNode rollback(String name, String by) {
        synchronized (lock) {
            PolicyEntry before = entry(name);
            if (!store.pop(name)) {
                throw conflict(
                        "nothing_to_roll_back",
                        "Policy " + JsonErrors.quote(name) + " has no tuned thresholds to roll back.");
            }
            registry.reload();
            Setting from = Setting.of(before.policy());
            Setting to = Setting.of(entry(name).policy());
            rolledBack.put(name, from);
            ObjectNode audit = auditEntry(name, "rollback", by, from, to);
            store.audit(audit);
            log.info("Policy {}: tuned values rolled back ({}): {} -> {}", name, by, from, to);
            return audit;
        }
    }

    private ObjectNode auditEntry(String name, String action, String by, Setting from, Setting to) {
        ObjectNode a = json.createObjectNode();
        a.put("time", clock.instant().toString());
        a.put("policy", name);
        a.put("action", action);
        a.put("by", by);
        a.set("from", store.setting(from.thresholds(), from.escalateBelow()));
        a.set("to", store.setting(to.thresholds(), to.escalateBelow()));
        a.put("version", entry(name).version());
        return a;
    }

    static void quality(ObjectNode o, QualityEstimate q) {
        o.put("value", q.value());
        o.put("lower", q.lower());
        o.put("upper", q.upper());
        o.put("confidence", q.confidence());
    }

    /** The values an audit entry's {@code from} or {@code to} names (entries written before the cascade had none). */
    private static @Nullable Setting setting(JsonNode o) {
        if (!o.path("cloud-at").isNumber()) {
            return null;
        }
        JsonNode l = o.path("legacy-at");
        JsonNode e = o.path("escalate-below");
        try {
            return new Setting(
                    new Policy.Thresholds(o.path("cloud-at").asDouble(), l.isNumber() ? l.asDouble() : null),
                    e.isNumber() ? e.asDouble() : null);
        } catch (IllegalArgumentException ex) {
            return null;
        }
    }

    private static ApiException conflict(String code, String message) {
        return new ApiException(HttpStatus.CONFLICT, "invalid_request_error", code, null, message);
    }

    // ---- auto-apply ------------------------------------------------------------------------------------------------

    void autoApply() {
        if (!runner.ready()) {
            return;
        }
        long now = System.nanoTime();
        for (PolicyEntry e : registry.entries()) {
            Policy.Tuning rules = e.policy().tuning();
            if (rules == null || !rules.autoApply()) {
                continue;
            }
            Long last = evaluated.get(e.name());
            if (last != null && now - last < rules.interval().toNanos()) {
                continue;
            }
            evaluated.put(e.name(), now);
            try {
                PolicyTuning.Report report = report(e.policy());
                Policy.Thresholds proposed = report == null ? null : report.proposed();
                if (report != null
                        && proposed != null
                        && report.differs()
                        && !new Setting(proposed, report.proposedEscalateBelow()).equals(rolledBack.get(e.name()))) {
                    apply(e.name(), "auto");
                }
            } catch (ApiException ex) {
                log.debug("Policy {}: auto-apply skipped: {}", e.name(), ex.getMessage());
            } catch (RuntimeException ex) {
                log.warn("Policy {}: auto-apply failed: {}", e.name(), ex.toString());
            }
        }
    }

    @Override
    public synchronized void start() {
        if (scheduler != null) {
            return;
        }
        ScheduledExecutorService s = Executors.newSingleThreadScheduledExecutor(
                r -> Thread.ofPlatform().daemon(true).name("burstgate-tuning").unstarted(r));
        s.scheduleWithFixedDelay(this::autoApply, 1, 1, TimeUnit.SECONDS);
        scheduler = s;
    }

    @Override
    public synchronized void stop() {
        ScheduledExecutorService s = scheduler;
        scheduler = null;
        if (s != null) {
            s.shutdownNow();
        }
    }

    @Override
    public boolean isRunning() {
        return scheduler != null;
    }
}
