package dev.burstgate.policies.routing;

import dev.burstgate.policies.Tier;
import dev.burstgate.policies.budget.BudgetState;
import dev.burstgate.policies.capability.Capability;
import dev.burstgate.policies.capability.RequestNeeds;
import dev.burstgate.policies.classifier.Complexity;
import dev.burstgate.policies.cost.Usd;
import dev.burstgate.policies.privacy.PiiKind;
import dev.burstgate.policies.privacy.PrivacySignal;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What the router saw for one request, and how long each tier it tried took: the ledger's {@code routing_inputs}
 * column, written by the gateway and read back by the policy lab with this one class, so a replay sees exactly what
 * the live router saw. Never any prompt text: the complexity score, the kinds and counts of personal data, what the
 * request needs (capabilities with the parameter that needs them, prompt tokens), the client's overrides, the local
 * engine's queue, the tenant's budget state and which tiers were up.
 *
 * <p>The JSON form, version {@value #VERSION} (absent members take the values of an idle, unlimited, all-up world):
 *
 * <pre>{@code
 * {"v":1,"score":0.42,"pii":{"email":1},"needs":{"tools":"tools"},"prompt_tokens":120,
 *  "forced":"local","max_latency_ms":800,
 *  "local":{"wait_ms":40,"queued":2,"admitting":true},
 *  "budget":{"daily_limit":"10","spent_today":"1.2","monthly_limit":null,"spent_month":"3.4"},
 *  "up":["local","cloud","legacy"],
 *  "attempts":[{"tier":"local","ms":850,"ok":true}]}
 * }</pre>
 *
 * A reader accepts every version up to its own and ignores members it does not know.
 *
 * @param input what the router was given
 * @param attempts the tiers tried, in order, with their service times; at most {@link #MAX_ATTEMPTS}
 */
public record RoutingRecord(RoutingInput input, List<ServiceTime> attempts) {

    /** The version of the JSON form this class writes. */
    public static final int VERSION = 1;

    /** Attempts kept per request: the first ones (a request rarely tries more than its three tiers). */
    public static final int MAX_ATTEMPTS = 16;

    private static final JsonMapper JSON = JsonMapper.builder().build();

    public RoutingRecord {
        Objects.requireNonNull(input, "input");
        attempts = List.copyOf(attempts.size() > MAX_ATTEMPTS ? attempts.subList(0, MAX_ATTEMPTS) : attempts);
    }

    /**
     * One try of one tier.
     *
     * @param tier the tier tried
     * @param ms from the start of the try to its answer's end, or to its failure
     * @param ok whether it answered (rather than failed before its first byte)
     */
    public record ServiceTime(Tier tier, long ms, boolean ok) {
        public ServiceTime {
            Objects.requireNonNull(tier, "tier");
            if (ms < 0) {
                throw new IllegalArgumentException("ms must be >= 0 but was " + ms);
            }
        }
    }

    /** The JSON form: one line, a few hundred bytes. */
    public String toJson() {
        StringWriter out = new StringWriter(256);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeNumberProperty("v", VERSION);
            g.writeNumberProperty("score", input.complexity().score());
            PrivacySignal privacy = input.privacy();
            if (privacy.found()) {
                g.writeName("pii");
                g.writeStartObject();
                for (Map.Entry<PiiKind, Integer> e : privacy.counts().entrySet()) {
                    g.writeNumberProperty(e.getKey().key(), e.getValue());
                }
                g.writeEndObject();
            }
            RequestNeeds needs = input.needs();
            if (!needs.features().isEmpty()) {
                g.writeName("needs");
                g.writeStartObject();
                for (Map.Entry<Capability, String> e : needs.features().entrySet()) {
                    g.writeStringProperty(e.getKey().key(), clip(e.getValue()));
                }
                g.writeEndObject();
            }
            g.writeNumberProperty("prompt_tokens", needs.promptTokens());
            Tier forced = input.overrides().forcedTier();
            if (forced != null) {
                g.writeStringProperty("forced", forced.label());
            }
            Long maxLatency = input.overrides().maxLatencyMs();
            if (maxLatency != null) {
                g.writeNumberProperty("max_latency_ms", maxLatency.longValue());
            }
            LocalEngineState local = input.local();
            g.writeName("local");
            g.writeStartObject();
            g.writeNumberProperty("wait_ms", local.queueWaitMs());
            g.writeNumberProperty("queued", local.queueLength());
            g.writeBooleanProperty("admitting", local.admitting());
            g.writeEndObject();
            BudgetState budget = input.budget();
            if (!budget.equals(BudgetState.UNLIMITED)) {
                g.writeName("budget");
                g.writeStartObject();
                money(g, "daily_limit", budget.dailyLimit());
                money(g, "spent_today", budget.spentToday());
                money(g, "monthly_limit", budget.monthlyLimit());
                money(g, "spent_month", budget.spentThisMonth());
                g.writeEndObject();
            }
            g.writeName("up");
            g.writeStartArray();
            for (Tier t : Tier.values()) {
                if (input.health().isUp(t)) {
                    g.writeString(t.label());
                }
            }
            g.writeEndArray();
            if (!attempts.isEmpty()) {
                g.writeName("attempts");
                g.writeStartArray();
                for (ServiceTime a : attempts) {
                    g.writeStartObject();
                    g.writeStringProperty("tier", a.tier().label());
                    g.writeNumberProperty("ms", a.ms());
                    g.writeBooleanProperty("ok", a.ok());
                    g.writeEndObject();
                }
                g.writeEndArray();
            }
            g.writeEndObject();
        }
        return out.toString();
    }

    /** Longest request parameter kept in {@code needs} (they are short paths such as {@code messages[0].content[1]}). */
    static final int MAX_PARAMETER = 100;

    private static String clip(String parameter) {
        return parameter.length() <= MAX_PARAMETER ? parameter : parameter.substring(0, MAX_PARAMETER);
    }

    private static void money(JsonGenerator g, String name, @Nullable Usd amount) {
        if (amount == null) {
            g.writeNullProperty(name);
        } else {
            g.writeName(name);
            g.writeString(amount.amount().toPlainString());
        }
    }

    /**
     * Reads the JSON form.
     *
     * @throws IllegalArgumentException naming the member and the value when the text is not a routing record of a
     *     version this reader knows
     */
    public static RoutingRecord fromJson(String json) {
        JsonNode n;
        try {
            n = JSON.readTree(json);
        } catch (JacksonException e) {
            throw new IllegalArgumentException("routing inputs are not valid JSON: " + e.getOriginalMessage());
        }
        try {
            return read(n);
        } catch (JacksonException e) {
            throw new IllegalArgumentException("routing inputs: " + e.getOriginalMessage());
        }
    }

    private static RoutingRecord read(@Nullable JsonNode n) {
        if (n == null || !n.isObject()) {
            throw new IllegalArgumentException("routing inputs must be a JSON object");
        }
        JsonNode v = n.get("v");
        if (v == null || !v.canConvertToInt() || v.asInt() < 1) {
            throw new IllegalArgumentException("routing inputs: 'v' must be a version >= 1 but was " + v);
        }
        if (v.asInt() > VERSION) {
            throw new IllegalArgumentException("routing inputs of version " + v.asInt()
                    + " were written by a newer Burstgate; this one reads up to version " + VERSION);
        }
        double score = number(n, "score", 0.0);
        if (!(score >= 0.0 && score <= 1.0)) {
            throw new IllegalArgumentException("routing inputs: 'score' must be in [0, 1] but was " + score);
        }
        Map<PiiKind, Integer> pii = new EnumMap<>(PiiKind.class);
        for (Map.Entry<String, JsonNode> e : n.path("pii").properties()) {
            pii.put(kind(e.getKey()), (int) Math.max(0, e.getValue().asLong(0)));
        }
        Map<Capability, String> features = new EnumMap<>(Capability.class);
        for (Map.Entry<String, JsonNode> e : n.path("needs").properties()) {
            Capability c = Capability.fromKey(e.getKey())
                    .orElseThrow(() -> new IllegalArgumentException(
                            "routing inputs: 'needs' names an unknown capability '" + e.getKey() + "'"));
            features.put(c, e.getValue().asString(c.key()));
        }
        long promptTokens = Math.max(0, n.path("prompt_tokens").asLong(0));
        Tier forced = null;
        JsonNode f = n.get("forced");
        if (f != null && !f.isNull()) {
            forced = tier("forced", f.asString(""));
        }
        Long maxLatency = null;
        JsonNode ml = n.get("max_latency_ms");
        if (ml != null && !ml.isNull()) {
            maxLatency = ml.asLong(0);
        }
        JsonNode l = n.path("local");
        LocalEngineState local = new LocalEngineState(
                Math.max(0, l.path("wait_ms").asLong(0)),
                Math.max(0, l.path("queued").asInt(0)),
                l.path("admitting").asBoolean(true));
        BudgetState budget = BudgetState.UNLIMITED;
        JsonNode b = n.get("budget");
        if (b != null && b.isObject()) {
            budget = new BudgetState(
                    usd(b, "daily_limit"),
                    orZero(usd(b, "spent_today")),
                    usd(b, "monthly_limit"),
                    orZero(usd(b, "spent_month")));
        }
        TierHealth health = TierHealth.ALL_UP;
        JsonNode up = n.get("up");
        if (up != null && up.isArray()) {
            Set<Tier> tiers = EnumSet.noneOf(Tier.class);
            for (JsonNode t : up) {
                tiers.add(tier("up", t.asString("")));
            }
            health = new TierHealth(tiers);
        }
        List<ServiceTime> attempts = new ArrayList<>();
        for (JsonNode a : n.path("attempts")) {
            attempts.add(new ServiceTime(
                    tier("attempts[].tier", a.path("tier").asString("")),
                    Math.max(0, a.path("ms").asLong(0)),
                    a.path("ok").asBoolean(false)));
        }
        RoutingInput input = new RoutingInput(
                new Complexity(score, List.of()),
                new PrivacySignal(pii, false),
                budget,
                local,
                health,
                new RequestOverrides(forced, maxLatency),
                new RequestNeeds(features, promptTokens));
        return new RoutingRecord(input, attempts);
    }

    private static double number(JsonNode n, String field, double absent) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return absent;
        }
        if (!v.isNumber()) {
            throw new IllegalArgumentException("routing inputs: '" + field + "' must be a number but was " + v);
        }
        return v.asDouble();
    }

    private static PiiKind kind(String key) {
        try {
            return PiiKind.fromKey(key);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("routing inputs: 'pii' names an unknown kind '" + key + "'");
        }
    }

    private static Tier tier(String field, String label) {
        return Tier.fromLabel(label)
                .orElseThrow(() -> new IllegalArgumentException(
                        "routing inputs: '" + field + "' must be local, cloud or legacy but was '" + label + "'"));
    }

    private static @Nullable Usd usd(JsonNode budget, String field) {
        JsonNode v = budget.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        try {
            return new Usd(new BigDecimal(v.asString()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "routing inputs: 'budget." + field + "' must be a decimal amount but was " + v);
        }
    }

    private static Usd orZero(@Nullable Usd amount) {
        return amount == null ? Usd.ZERO : amount;
    }
}
