package dev.burstgate.policies.policy;

import dev.burstgate.policies.Tier;
import dev.burstgate.policies.budget.BudgetRules;
import dev.burstgate.policies.budget.ExhaustedAction;
import dev.burstgate.policies.cost.Usd;
import dev.burstgate.policies.privacy.PiiKind;
import dev.burstgate.policies.shadow.ShadowRules;
import java.io.IOException;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CoderResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.TokenStreamContext;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;
import tools.jackson.dataformat.yaml.YAMLParser;

/**
 * Reads one policy YAML document, collecting every problem with its field path and value. A document longer than
 * {@value #MAX_CHARS} characters is refused unread; aliases ({@code *name}) and keys given twice in one mapping are
 * refused, naming their field.
 */
final class PolicyParser {

    /** Policies are a page of YAML; a longer document is refused before it is parsed. */
    static final int MAX_CHARS = 256 * 1024;

    /** How much of a bad value or key a problem quotes. */
    private static final int SHOWN = 100;

    private static final YAMLMapper YAML = YAMLMapper.builder().build();
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,63}");

    private static final Set<String> TOP = Set.of(
            "name",
            "description",
            "thresholds",
            "allowed-tiers",
            "fallback",
            "burst",
            "latency",
            "budget",
            "privacy",
            "overrides",
            "cascade",
            "shadow",
            "tuning");

    private final String source;
    private final List<Problem> problems = new ArrayList<>();

    private PolicyParser(String source) {
        this.source = source;
    }

    static Policy parse(String yaml, String source) {
        return new PolicyParser(source).read(yaml);
    }

    /**
     * What a tuning overlay file sets: its {@code thresholds} and, when present, {@code cascade.escalate-below}; its
     * other fields (who, when, why, history) are for people and the gateway, and not read here. A file written before
     * overlays carried the cascade has no {@code cascade} field and sets the thresholds only.
     *
     * @throws PolicyException naming the field when they do not validate
     */
    static Overlay overlay(String yaml, String source) {
        PolicyParser p = new PolicyParser(source);
        JsonNode root;
        try {
            root = YAML.readTree(new WholeCharacters(yaml));
        } catch (JacksonException e) {
            throw new PolicyException(List.of(p.notYaml(e, "(document)")));
        }
        if (root == null || !root.isObject()) {
            throw new PolicyException(List.of(new Problem(source, "(document)", "", "expected a mapping")));
        }
        Policy.Thresholds t = p.thresholds(root.get("thresholds"));
        Double escalateBelow = null;
        JsonNode cascade = root.get("cascade");
        if (cascade != null && !cascade.isNull()) {
            if (!cascade.isObject()) {
                p.problem("cascade", text(cascade), "expected a mapping with escalate-below");
            } else {
                escalateBelow = p.fraction(cascade.get("escalate-below"), "cascade.escalate-below", true, true);
            }
        }
        if (!p.problems.isEmpty() || t == null) {
            throw new PolicyException(
                    p.problems.isEmpty() ? List.of(new Problem(source, "thresholds", "", "is required")) : p.problems);
        }
        return new Overlay(t, escalateBelow);
    }

    /**
     * What a tuning overlay sets.
     *
     * @param thresholds the thresholds in force instead of the policy file's
     * @param escalateBelow the cascade's {@code escalate-below} in force instead of the file's, or null to keep it
     */
    record Overlay(Policy.Thresholds thresholds, @Nullable Double escalateBelow) {}

    /**
     * The text of a policy file, which must be UTF-8.
     *
     * @throws PolicyException naming the file and the first byte that is not UTF-8
     */
    static String text(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult result = StandardCharsets.UTF_8.newDecoder().decode(in, out, true);
        if (result.isError()) {
            throw new PolicyException(List.of(new Problem(
                    file.toString(),
                    "(file)",
                    "",
                    "not UTF-8: byte " + (in.position() + 1) + " starts an invalid sequence")));
        }
        return out.flip().toString();
    }

    private Policy read(String yaml) {
        if (yaml.length() > MAX_CHARS) {
            throw new PolicyException(List.of(new Problem(
                    source, "(document)", "", yaml.length() + " characters; a policy file is at most " + MAX_CHARS)));
        }
        scan(yaml);
        JsonNode root;
        try {
            root = YAML.readTree(new WholeCharacters(yaml));
        } catch (JacksonException e) {
            throw new PolicyException(List.of(notYaml(e, "(document)")));
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            throw new PolicyException(List.of(new Problem(source, "(document)", "", "empty document")));
        }
        if (!root.isObject()) {
            throw new PolicyException(List.of(new Problem(source, "(document)", text(root), "expected a mapping")));
        }
        unknownFields(root, "", TOP);

        String name = "";
        JsonNode n = root.get("name");
        if (n == null || n.isNull()) {
            problem("name", "", "is required");
        } else if (!n.isString() || !NAME.matcher(n.asString()).matches()) {
            problem("name", text(n), "must match [a-z0-9][a-z0-9-]* (at most 64 characters)");
        } else {
            name = n.asString();
        }
        String description = "";
        JsonNode d = root.get("description");
        if (d != null && !d.isNull()) {
            if (d.isContainer()) {
                problem("description", text(d), "expected a string");
            } else {
                description = d.asString();
            }
        }

        Policy.Thresholds thresholds = thresholds(root.get("thresholds"));
        Set<Tier> allowed = tiers(root.get("allowed-tiers"), "allowed-tiers", EnumSet.allOf(Tier.class));
        if (allowed.isEmpty()) {
            problem("allowed-tiers", "[]", "must name at least one tier");
        }
        Map<Tier, List<Tier>> fallback = fallback(root.get("fallback"));
        Policy.Burst burst = burst(root.get("burst"));
        Policy.Latency latency = latency(root.get("latency"));
        BudgetRules budget = budget(root.get("budget"));
        Policy.Privacy privacy = privacy(root.get("privacy"));
        Set<Tier> forced = EnumSet.allOf(Tier.class);
        JsonNode overrides = root.get("overrides");
        if (overrides != null && !overrides.isNull()) {
            if (!overrides.isObject()) {
                problem("overrides", text(overrides), "expected a mapping");
            } else {
                unknownFields(overrides, "overrides.", Set.of("allowed-forced-tiers"));
                forced = tiers(
                        overrides.get("allowed-forced-tiers"),
                        "overrides.allowed-forced-tiers",
                        EnumSet.allOf(Tier.class));
            }
        }
        Policy.Cascade cascade = cascade(root.get("cascade"), allowed, fallback);
        ShadowRules shadow = shadow(root.get("shadow"));
        Policy.Tuning tuning = tuning(root.get("tuning"), shadow);
        if (!problems.isEmpty() || thresholds == null) {
            throw new PolicyException(problems);
        }
        return new Policy(
                name,
                description,
                thresholds,
                allowed,
                fallback,
                burst,
                latency,
                budget,
                privacy,
                forced,
                source,
                cascade,
                shadow,
                tuning);
    }

    private static final java.util.regex.Pattern DURATION = java.util.regex.Pattern.compile("([0-9]{1,9})(ms|s|m|h|d)");

    private Policy.@Nullable Tuning tuning(@Nullable JsonNode t, @Nullable ShadowRules shadow) {
        if (t == null || t.isNull()) {
            return null;
        }
        if (!t.isObject()) {
            problem("tuning", text(t), "expected a mapping");
            return null;
        }
        int before = problems.size();
        unknownFields(t, "tuning.", Set.of("quality-target", "auto-apply", "min-samples", "interval", "max-step"));
        Double target = null;
        JsonNode q = t.get("quality-target");
        if (q == null || q.isNull()) {
            problem("tuning.quality-target", "", "is required (e.g. 0.95 of the stronger tier's quality)");
        } else if (!q.isNumber()) {
            problem("tuning.quality-target", text(q), "expected a number");
        } else if (!(toDouble(q) >= 0.5 && toDouble(q) <= 1.0)) {
            problem("tuning.quality-target", text(q), "must be between 0.5 and 1");
        } else {
            target = toDouble(q);
        }
        boolean autoApply = false;
        JsonNode a = t.get("auto-apply");
        if (a != null && !a.isNull()) {
            if (!a.isBoolean()) {
                problem("tuning.auto-apply", text(a), "expected true or false");
            } else {
                autoApply = a.asBoolean();
            }
        }
        Long min = longValue(t.get("min-samples"), "tuning.min-samples", 1);
        if (min != null && min > Integer.MAX_VALUE) {
            problem("tuning.min-samples", text(t.get("min-samples")), "must be <= " + Integer.MAX_VALUE);
            min = null;
        }
        java.time.Duration interval = Policy.Tuning.DEFAULT_INTERVAL;
        JsonNode i = t.get("interval");
        if (i != null && !i.isNull()) {
            java.util.regex.Matcher m = i.isString() ? DURATION.matcher(i.asString()) : null;
            if (m == null || !m.matches()) {
                problem("tuning.interval", text(i), "expected a duration such as 30s, 15m, 1h or 1d");
            } else {
                long v = Long.parseLong(m.group(1));
                interval = switch (m.group(2)) {
                    case "ms" -> java.time.Duration.ofMillis(v);
                    case "s" -> java.time.Duration.ofSeconds(v);
                    case "m" -> java.time.Duration.ofMinutes(v);
                    case "h" -> java.time.Duration.ofHours(v);
                    default -> java.time.Duration.ofDays(v);
                };
                if (interval.compareTo(java.time.Duration.ofSeconds(1)) < 0) {
                    problem("tuning.interval", text(i), "must be at least 1s");
                }
            }
        }
        Double maxStep = null;
        JsonNode ms = t.get("max-step");
        if (ms != null && !ms.isNull()) {
            if (!ms.isNumber()) {
                problem("tuning.max-step", text(ms), "expected a number");
            } else if (!(toDouble(ms) > 0 && toDouble(ms) <= 1)) {
                problem("tuning.max-step", text(ms), "must be > 0 and <= 1");
            } else {
                maxStep = toDouble(ms);
            }
        }
        if (autoApply && shadow == null) {
            problem("tuning.auto-apply", "true", "needs a shadow block: the proposals come from shadow comparisons");
        }
        if (problems.size() > before || target == null) {
            return null;
        }
        return new Policy.Tuning(
                target, autoApply, min == null ? Policy.Tuning.DEFAULT_MIN_SAMPLES : min.intValue(), interval, maxStep);
    }

    /**
     * Walks the document's tokens once before it is read as a tree, for what the tree hides: an alias, which the YAML
     * reader turns into the anchor's name rather than its value, and a key given twice in one mapping, of which the tree
     * keeps the last. A syntax error, or a number the reader cannot decode (such as {@code .nan}), names the field
     * the reader had reached.
     */
    private void scan(String yaml) {
        Deque<Set<String>> keys = new ArrayDeque<>();
        JsonParser p = YAML.createParser(new WholeCharacters(yaml));
        try (p) {
            for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
                if (((YAMLParser) p).isCurrentAlias()) {
                    problem(
                            field(p.streamReadContext()),
                            "*" + shown(p.getString()),
                            "aliases are not supported; write the value out");
                }
                if (t == JsonToken.START_OBJECT) {
                    keys.push(new HashSet<>());
                } else if (t == JsonToken.END_OBJECT) {
                    keys.pop();
                } else if (t == JsonToken.PROPERTY_NAME && !keys.element().add(p.currentName())) {
                    problem(field(p.streamReadContext()), "", "given twice in one mapping");
                } else if (t.isNumeric()) {
                    p.getNumberValue();
                }
            }
        } catch (JacksonException e) {
            problems.add(notYaml(e, field(p.streamReadContext())));
        }
        if (!problems.isEmpty()) {
            throw new PolicyException(problems);
        }
    }

    /**
     * A document for the YAML reader in chunks that never end with the first half of a surrogate pair, unless that half
     * is all that is left. SnakeYAML Engine 3.0.1 fills its whole buffer and, when the last character is a high
     * surrogate, reads one more into it, past its end: an {@link IndexOutOfBoundsException} for a valid file with an
     * emoji at an unlucky offset. A high surrogate that ends the document is still its own (YAML) error.
     */
    private static final class WholeCharacters extends Reader {

        private final String text;
        private int next;

        WholeCharacters(String text) {
            this.text = text;
        }

        @Override
        public int read(char[] buffer, int offset, int length) {
            Objects.checkFromIndexSize(offset, length, buffer.length);
            if (length == 0) {
                return 0;
            }
            if (next == text.length()) {
                return -1;
            }
            int n = Math.min(length, text.length() - next);
            if (n > 1 && Character.isHighSurrogate(text.charAt(next + n - 1))) {
                n--;
            }
            text.getChars(next, next + n, buffer, offset);
            next += n;
            return n;
        }

        @Override
        public void close() {}
    }

    private Problem notYaml(JacksonException e, String field) {
        TokenStreamLocation loc = e.getLocation();
        String where = loc == null ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
        return new Problem(source, field, "", "not valid YAML" + where + ": " + e.getOriginalMessage());
    }

    /** The dotted path of where a parser is, e.g. {@code budget.degrade[0].at}; {@code (document)} at the top. */
    private static String field(TokenStreamContext context) {
        StringBuilder path = new StringBuilder();
        for (TokenStreamContext c = context; c != null && !c.inRoot(); c = c.getParent()) {
            if (c.inArray()) {
                path.insert(0, "[" + Math.max(0, c.getCurrentIndex()) + "]");
            } else if (c.currentName() != null) {
                path.insert(0, "." + key(c.currentName()));
            }
        }
        if (path.isEmpty()) {
            return "(document)";
        }
        return shown(path.charAt(0) == '.' ? path.substring(1) : path.toString());
    }

    private Policy.@Nullable Thresholds thresholds(@Nullable JsonNode t) {
        if (t == null || t.isNull()) {
            problem("thresholds", "", "is required (thresholds.cloud-at at least)");
            return null;
        }
        if (!t.isObject()) {
            problem("thresholds", text(t), "expected a mapping");
            return null;
        }
        unknownFields(t, "thresholds.", Set.of("cloud-at", "legacy-at"));
        Double cloud = fraction(t.get("cloud-at"), "thresholds.cloud-at", true, true);
        Double legacy = fraction(t.get("legacy-at"), "thresholds.legacy-at", false, true);
        if (cloud == null) {
            return null;
        }
        if (legacy != null && legacy < cloud) {
            problem(
                    "thresholds.legacy-at",
                    Policy.Thresholds.fmt(legacy),
                    "must be >= thresholds.cloud-at (" + Policy.Thresholds.fmt(cloud) + ")");
            return null;
        }
        return new Policy.Thresholds(cloud, legacy);
    }

    private Map<Tier, List<Tier>> fallback(@Nullable JsonNode f) {
        Map<Tier, List<Tier>> m = new EnumMap<>(Tier.class);
        m.put(Tier.LOCAL, List.of(Tier.CLOUD, Tier.LEGACY));
        m.put(Tier.CLOUD, List.of(Tier.LEGACY));
        m.put(Tier.LEGACY, List.of(Tier.CLOUD));
        if (f == null || f.isNull()) {
            return m;
        }
        if (!f.isObject()) {
            problem("fallback", text(f), "expected a mapping from tier to a list of tiers");
            return m;
        }
        for (var e : f.properties()) {
            String field = "fallback." + key(e.getKey());
            Tier from = tier(e.getKey(), field);
            if (from == null) {
                continue;
            }
            List<Tier> chain = new ArrayList<>();
            JsonNode list = e.getValue();
            if (!list.isArray()) {
                problem(field, text(list), "expected a list of tiers");
                continue;
            }
            for (JsonNode item : list) {
                Tier t = item.isString() ? tier(item.asString(), field) : null;
                if (!item.isString()) {
                    problem(field, text(item), "expected a tier name: local, cloud or legacy");
                } else if (t == from) {
                    problem(field, item.asString(), "a tier cannot fall back to itself");
                } else if (t != null && chain.contains(t)) {
                    problem(field, item.asString(), "listed twice");
                } else if (t != null) {
                    chain.add(t);
                }
            }
            m.put(from, chain);
        }
        return m;
    }

    private Policy.Burst burst(@Nullable JsonNode b) {
        if (b == null || b.isNull()) {
            return new Policy.Burst(1000L, null);
        }
        if (!b.isObject()) {
            problem("burst", text(b), "expected a mapping");
            return new Policy.Burst(1000L, null);
        }
        unknownFields(b, "burst.", Set.of("max-local-queue-wait-ms", "max-local-queue-length"));
        Long wait = longValue(b.get("max-local-queue-wait-ms"), "burst.max-local-queue-wait-ms", 0);
        Long len = longValue(b.get("max-local-queue-length"), "burst.max-local-queue-length", 0);
        return new Policy.Burst(wait, len == null ? null : (int) Math.min(Integer.MAX_VALUE, len));
    }

    private Policy.Latency latency(@Nullable JsonNode l) {
        if (l == null || l.isNull()) {
            return new Policy.Latency(null);
        }
        if (!l.isObject()) {
            problem("latency", text(l), "expected a mapping");
            return new Policy.Latency(null);
        }
        unknownFields(l, "latency.", Set.of("max-ms"));
        return new Policy.Latency(longValue(l.get("max-ms"), "latency.max-ms", 1));
    }

    /**
     * The {@code cascade} block; absent or null means no cascade. A cascade needs the local tier and a next tier in
     * {@code fallback.local} among the allowed tiers: without them it could never escalate, which is a mistake worth
     * naming.
     */
    private Policy.@Nullable Cascade cascade(@Nullable JsonNode c, Set<Tier> allowed, Map<Tier, List<Tier>> fallback) {
        if (c == null || c.isNull()) {
            return null;
        }
        if (!c.isObject()) {
            problem("cascade", text(c), "expected a mapping with escalate-below");
            return null;
        }
        unknownFields(c, "cascade.", Set.of("escalate-below", "signal", "structural", "stream-buffer"));
        Double below = fraction(c.get("escalate-below"), "cascade.escalate-below", true, true);
        Policy.Signal signal = Policy.Signal.MEAN_PROB;
        JsonNode s = c.get("signal");
        if (s != null && !s.isNull()) {
            String v = s.isString() ? s.asString() : "";
            signal = null;
            for (Policy.Signal candidate : Policy.Signal.values()) {
                if (candidate.key().equals(v)) {
                    signal = candidate;
                }
            }
            if (signal == null) {
                problem("cascade.signal", text(s), "expected mean-prob or min-prob");
                signal = Policy.Signal.MEAN_PROB;
            }
        }
        boolean structural = true;
        JsonNode st = c.get("structural");
        if (st != null && !st.isNull()) {
            if (!st.isBoolean()) {
                problem("cascade.structural", text(st), "expected true or false");
            } else {
                structural = st.booleanValue();
            }
        }
        Policy.StreamBuffer buffer = null;
        JsonNode sb = c.get("stream-buffer");
        if (sb != null && !sb.isNull()) {
            if (!sb.isObject()) {
                problem("cascade.stream-buffer", text(sb), "expected a mapping with max-tokens and max-ms");
            } else {
                unknownFields(sb, "cascade.stream-buffer.", Set.of("max-tokens", "max-ms"));
                Long tokens = longValue(sb.get("max-tokens"), "cascade.stream-buffer.max-tokens", 1);
                Long ms = longValue(sb.get("max-ms"), "cascade.stream-buffer.max-ms", 1);
                if (sb.get("max-tokens") == null || sb.get("max-tokens").isNull()) {
                    problem("cascade.stream-buffer.max-tokens", "", "is required");
                }
                if (sb.get("max-ms") == null || sb.get("max-ms").isNull()) {
                    problem("cascade.stream-buffer.max-ms", "", "is required");
                }
                if (tokens != null && ms != null) {
                    buffer = new Policy.StreamBuffer((int) Math.min(Integer.MAX_VALUE, tokens), ms);
                }
            }
        }
        if (!allowed.contains(Tier.LOCAL)) {
            problem("cascade", "", "needs the local tier among allowed-tiers: only a local answer is checked");
            return null;
        }
        boolean next = false;
        for (Tier t : fallback.getOrDefault(Tier.LOCAL, List.of())) {
            next |= allowed.contains(t);
        }
        if (!next) {
            problem(
                    "cascade",
                    "",
                    "needs an allowed tier in fallback.local to escalate to "
                            + "(fallback.local = "
                            + fallback.getOrDefault(Tier.LOCAL, List.of()).stream()
                                    .map(Tier::label)
                                    .toList() + ")");
            return null;
        }
        return below == null ? null : new Policy.Cascade(below, signal, structural, buffer);
    }

    private BudgetRules budget(@Nullable JsonNode b) {
        if (b == null || b.isNull()) {
            return BudgetRules.DEFAULT;
        }
        if (!b.isObject()) {
            problem("budget", text(b), "expected a mapping");
            return BudgetRules.DEFAULT;
        }
        unknownFields(b, "budget.", Set.of("degrade", "on-exhausted"));
        List<BudgetRules.Step> steps = new ArrayList<>();
        JsonNode d = b.get("degrade");
        if (d != null && !d.isNull()) {
            if (!d.isArray()) {
                problem("budget.degrade", text(d), "expected a list of {at, max-tier}");
            } else {
                int i = 0;
                for (JsonNode step : d) {
                    String field = "budget.degrade[" + i + "]";
                    if (!step.isObject()) {
                        problem(field, text(step), "expected a mapping with at and max-tier");
                    } else {
                        unknownFields(step, field + ".", Set.of("at", "max-tier"));
                        Double at = fraction(step.get("at"), field + ".at", true, false);
                        JsonNode mt = step.get("max-tier");
                        Tier max = null;
                        if (mt == null || !mt.isString()) {
                            problem(
                                    field + ".max-tier",
                                    mt == null ? "" : text(mt),
                                    "is required: local, cloud or legacy");
                        } else {
                            max = tier(mt.asString(), field + ".max-tier");
                        }
                        if (at != null && max != null) {
                            steps.add(new BudgetRules.Step(at, max));
                        }
                    }
                    i++;
                }
            }
        }
        ExhaustedAction action = ExhaustedAction.REJECT;
        JsonNode oe = b.get("on-exhausted");
        if (oe != null && !oe.isNull()) {
            try {
                action = ExhaustedAction.fromKey(oe.asString(""));
            } catch (IllegalArgumentException e) {
                problem("budget.on-exhausted", text(oe), "expected reject or local-only");
            }
        }
        return new BudgetRules(steps, action);
    }

    private Policy.Privacy privacy(@Nullable JsonNode p) {
        if (p == null || p.isNull()) {
            return Policy.Privacy.ALLOW;
        }
        if (!p.isObject()) {
            problem("privacy", text(p), "expected a mapping");
            return Policy.Privacy.ALLOW;
        }
        unknownFields(p, "privacy.", Set.of("on-pii", "kinds"));
        Policy.PiiAction action = Policy.PiiAction.ALLOW;
        JsonNode a = p.get("on-pii");
        if (a != null && !a.isNull()) {
            String v = a.asString("");
            action = switch (v) {
                case "allow" -> Policy.PiiAction.ALLOW;
                case "local-only" -> Policy.PiiAction.LOCAL_ONLY;
                case "reject" -> Policy.PiiAction.REJECT;
                default -> {
                    problem("privacy.on-pii", text(a), "expected allow, local-only or reject");
                    yield Policy.PiiAction.ALLOW;
                }
            };
        }
        Set<PiiKind> kinds = EnumSet.allOf(PiiKind.class);
        JsonNode k = p.get("kinds");
        if (k != null && !k.isNull()) {
            kinds = EnumSet.noneOf(PiiKind.class);
            if (!k.isArray()) {
                problem("privacy.kinds", text(k), "expected a list of email, phone, card, iban, national-id");
            } else {
                for (JsonNode item : k) {
                    try {
                        kinds.add(PiiKind.fromKey(item.asString("")));
                    } catch (IllegalArgumentException e) {
                        problem("privacy.kinds", text(item), "expected one of email, phone, card, iban, national-id");
                    }
                }
            }
        }
        return new Policy.Privacy(action, kinds);
    }

    private @Nullable ShadowRules shadow(@Nullable JsonNode s) {
        if (s == null || s.isNull()) {
            return null;
        }
        if (!s.isObject()) {
            problem("shadow", text(s), "expected a mapping");
            return null;
        }
        int before = problems.size();
        unknownFields(s, "shadow.", Set.of("rate", "near-threshold", "daily-budget-usd", "pairs", "judge"));
        Double rate = fraction(s.get("rate"), "shadow.rate", true, true);
        Double band = null;
        JsonNode nt = s.get("near-threshold");
        if (nt != null && !nt.isNull()) {
            if (!nt.isNumber()) {
                problem("shadow.near-threshold", text(nt), "expected a number");
            } else {
                double d = toDouble(nt);
                if (!(d > 0 && d <= 1)) {
                    problem("shadow.near-threshold", text(nt), "must be > 0 and <= 1 (a distance from the threshold)");
                } else {
                    band = d;
                }
            }
        }
        Usd budget = null;
        JsonNode b = s.get("daily-budget-usd");
        if (b == null || b.isNull()) {
            problem("shadow.daily-budget-usd", "", "is required (USD a day that shadow calls may cost)");
        } else if (!b.isNumber() && !b.isString()) {
            problem("shadow.daily-budget-usd", text(b), "expected a decimal number of USD");
        } else {
            try {
                budget = Usd.of(b.isNumber() ? b.decimalValue().toPlainString() : b.asString());
                if (budget.isNegative()) {
                    problem("shadow.daily-budget-usd", text(b), "must be >= 0");
                    budget = null;
                }
            } catch (IllegalArgumentException e) {
                problem("shadow.daily-budget-usd", text(b), "expected a decimal number of USD");
            }
        }
        List<ShadowRules.Pair> pairs = new ArrayList<>();
        JsonNode p = s.get("pairs");
        String pairKeys = "local-vs-cloud, local-vs-legacy, cloud-vs-legacy or any-vs-legacy";
        if (p == null || p.isNull()) {
            problem("shadow.pairs", "", "is required: a list of " + pairKeys);
        } else if (!p.isArray()) {
            problem("shadow.pairs", text(p), "expected a list of " + pairKeys);
        } else {
            for (JsonNode item : p) {
                ShadowRules.Pair pair = item.isString() ? ShadowRules.Pair.fromKey(item.asString()) : null;
                if (pair == null) {
                    problem("shadow.pairs", text(item), "unknown pair; expected " + pairKeys);
                } else if (pairs.contains(pair)) {
                    problem("shadow.pairs", item.asString(), "listed twice");
                } else {
                    pairs.add(pair);
                }
            }
            if (pairs.isEmpty() && problems.size() == before) {
                problem("shadow.pairs", "[]", "must name at least one pair");
            }
        }
        ShadowRules.Judge judge = judge(s.get("judge"));
        if (problems.size() > before || rate == null || budget == null || judge == null) {
            return null;
        }
        return new ShadowRules(rate, band, budget, pairs, judge);
    }

    private ShadowRules.@Nullable Judge judge(@Nullable JsonNode j) {
        String expected = "expected exact, structural, or a mapping {tier: cloud|legacy}";
        if (j == null || j.isNull()) {
            return new ShadowRules.Judge.Exact();
        }
        if (j.isString()) {
            return switch (j.asString()) {
                case "exact" -> new ShadowRules.Judge.Exact();
                case "structural" -> new ShadowRules.Judge.Structural();
                default -> {
                    problem("shadow.judge", text(j), expected);
                    yield null;
                }
            };
        }
        if (!j.isObject()) {
            problem("shadow.judge", text(j), expected);
            return null;
        }
        unknownFields(j, "shadow.judge.", Set.of("tier"));
        JsonNode t = j.get("tier");
        if (t == null || !t.isString()) {
            problem("shadow.judge.tier", t == null ? "" : text(t), "is required: cloud or legacy");
            return null;
        }
        Tier tier = tier(t.asString(), "shadow.judge.tier");
        if (tier == null) {
            return null;
        }
        if (tier == Tier.LOCAL) {
            problem("shadow.judge.tier", t.asString(), "a judge tier is cloud or legacy");
            return null;
        }
        return new ShadowRules.Judge.ByTier(tier);
    }

    private Set<Tier> tiers(@Nullable JsonNode list, String field, Set<Tier> dflt) {
        if (list == null || list.isNull()) {
            return dflt;
        }
        Set<Tier> out = EnumSet.noneOf(Tier.class);
        if (!list.isArray()) {
            problem(field, text(list), "expected a list of tiers: local, cloud, legacy");
            return dflt;
        }
        for (JsonNode item : list) {
            Tier t = item.isString() ? tier(item.asString(), field) : null;
            if (!item.isString()) {
                problem(field, text(item), "expected a tier name: local, cloud or legacy");
            }
            if (t != null) {
                out.add(t);
            }
        }
        return out;
    }

    private @Nullable Tier tier(String value, String field) {
        Tier tier = Tier.fromLabel(value).orElse(null);
        if (tier == null) {
            problem(field, shown(value), "unknown tier; expected local, cloud or legacy");
        }
        return tier;
    }

    private @Nullable Double fraction(@Nullable JsonNode v, String field, boolean required, boolean inclusive) {
        if (v == null || v.isNull()) {
            if (required) {
                problem(field, "", "is required");
            }
            return null;
        }
        if (!v.isNumber()) {
            problem(field, text(v), "expected a number");
            return null;
        }
        double d = toDouble(v);
        boolean ok = inclusive ? d >= 0.0 && d <= 1.0 : d > 0.0 && d < 1.0;
        if (!ok) {
            problem(field, text(v), inclusive ? "must be between 0 and 1" : "must be strictly between 0 and 1");
            return null;
        }
        return d;
    }

    private @Nullable Long longValue(@Nullable JsonNode v, String field, long min) {
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            problem(field, text(v), "expected a whole number");
            return null;
        }
        long l = v.asLong();
        if (l < min) {
            problem(field, text(v), "must be >= " + min);
            return null;
        }
        return l;
    }

    private void unknownFields(JsonNode node, String prefix, Set<String> known) {
        for (String key : node.propertyNames()) {
            if (!known.contains(key)) {
                problem(
                        prefix + key(key),
                        "",
                        "unknown field; expected one of "
                                + known.stream().sorted().toList());
            }
        }
    }

    private void problem(String field, String value, String message) {
        problems.add(new Problem(source, field, value, message));
    }

    /** A number as a double: an integer beyond a double's range is infinite, as a float literal would be. */
    private static double toDouble(JsonNode number) {
        if (number.isBigInteger()) {
            return number.bigIntegerValue().doubleValue();
        }
        if (number.isBigDecimal()) {
            return number.decimalValue().doubleValue();
        }
        return number.asDouble();
    }

    private static String text(JsonNode n) {
        return shown(n.isValueNode() ? n.asString() : n.toString());
    }

    /** A key as a segment of a field path: cut like a value, and in quotes when blank so that it shows. */
    private static String key(String key) {
        return key.isBlank() ? "\"" + shown(key) + "\"" : shown(key);
    }

    /** At most {@link #SHOWN} characters of {@code s}, never ending in half a surrogate pair. */
    private static String shown(String s) {
        if (s.length() <= SHOWN) {
            return s;
        }
        int end = Character.isHighSurrogate(s.charAt(SHOWN - 1)) ? SHOWN - 1 : SHOWN;
        return s.substring(0, end) + "… (" + s.length() + " characters)";
    }
}
