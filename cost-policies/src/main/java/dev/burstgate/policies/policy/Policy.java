package dev.burstgate.policies.policy;

import dev.burstgate.policies.Tier;
import dev.burstgate.policies.budget.BudgetRules;
import dev.burstgate.policies.budget.ExhaustedAction;
import dev.burstgate.policies.privacy.PiiKind;
import dev.burstgate.policies.shadow.ShadowRules;
import java.io.IOException;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A cost policy: how complexity, congestion, budget, privacy and client overrides choose a tier. Immutable; read
 * from YAML with {@link #parse(String, String)} or through a {@link PolicyRegistry}. See the module README for every
 * field.
 *
 * @param name unique name, {@code [a-z0-9-]+}
 * @param description one line for humans
 * @param thresholds score thresholds choosing the tier
 * @param allowedTiers tiers this policy may ever use (pinning a tenant to tiers)
 * @param fallback per chosen tier, the tiers to try next when it fails before the first byte
 * @param burst when the local engine is too busy and local requests move to the next tier
 * @param latency the default latency ceiling
 * @param budget budget rules
 * @param privacy what personal data does to routing
 * @param allowedForcedTiers tiers a client may force with {@code model: local|cloud|legacy}
 * @param source where it was read from (a file path or {@code preset:NAME})
 * @param cascade when the local tier answers first and its answer is checked before it is kept; null: never
 * @param shadow the shadow comparisons, or null for none
 * @param tuning the quality target its thresholds are tuned to hold, or null for fixed thresholds
 */
public record Policy(
        String name,
        String description,
        Thresholds thresholds,
        Set<Tier> allowedTiers,
        Map<Tier, List<Tier>> fallback,
        Burst burst,
        Latency latency,
        BudgetRules budget,
        Privacy privacy,
        Set<Tier> allowedForcedTiers,
        String source,
        @Nullable Cascade cascade,
        @Nullable ShadowRules shadow,
        @Nullable Tuning tuning) {

    public Policy {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(thresholds, "thresholds");
        allowedTiers = Set.copyOf(allowedTiers);
        EnumMap<Tier, List<Tier>> fb = new EnumMap<>(Tier.class);
        fallback.forEach((k, v) -> fb.put(k, List.copyOf(v)));
        fallback = java.util.Collections.unmodifiableMap(fb);
        Objects.requireNonNull(burst, "burst");
        Objects.requireNonNull(latency, "latency");
        Objects.requireNonNull(budget, "budget");
        Objects.requireNonNull(privacy, "privacy");
        allowedForcedTiers = Set.copyOf(allowedForcedTiers);
        Objects.requireNonNull(source, "source");
        if (allowedTiers.isEmpty()) {
            throw new IllegalArgumentException("allowedTiers must not be empty");
        }
    }

    /** A policy without a cascade or shadow comparisons. */
    public Policy(
            String name,
            String description,
            Thresholds thresholds,
            Set<Tier> allowedTiers,
            Map<Tier, List<Tier>> fallback,
            Burst burst,
            Latency latency,
            BudgetRules budget,
            Privacy privacy,
            Set<Tier> allowedForcedTiers,
            String source) {
        this(
                name,
                description,
                thresholds,
                allowedTiers,
                fallback,
                burst,
                latency,
                budget,
                privacy,
                allowedForcedTiers,
                source,
                null,
                null,
                null);
    }

    /**
     * Parses and validates one YAML document.
     *
     * @param source the file name used in error messages and {@link #source()}
     * @throws PolicyException listing every problem with its file, field and value
     */
    public static Policy parse(String yaml, String source) {
        return PolicyParser.parse(yaml, source);
    }

    /**
     * Reads, parses and validates a policy file (UTF-8), named by its path in messages and {@link #source()}.
     *
     * @throws PolicyException listing every problem, or naming the first byte that is not UTF-8
     * @throws IOException when the file cannot be read
     */
    public static Policy read(Path file) throws IOException {
        return PolicyParser.parse(PolicyParser.text(file), file.toString());
    }

    /** The fallback chain configured for {@code tier} (may be empty). */
    public List<Tier> fallbackFor(Tier tier) {
        return fallback.getOrDefault(tier, List.of());
    }

    /** A copy with other score thresholds, e.g. for a cost/quality sweep in the simulator. */
    public Policy withThresholds(Thresholds other) {
        return new Policy(
                name,
                description,
                other,
                allowedTiers,
                fallback,
                burst,
                latency,
                budget,
                privacy,
                allowedForcedTiers,
                source,
                cascade,
                shadow,
                tuning);
    }

    /** A copy with another cascade (null: none), e.g. to compare escalation thresholds. */
    public Policy withCascade(@Nullable Cascade other) {
        return new Policy(
                name,
                description,
                thresholds,
                allowedTiers,
                fallback,
                burst,
                latency,
                budget,
                privacy,
                allowedForcedTiers,
                source,
                other,
                shadow,
                tuning);
    }

    /**
     * Score thresholds. A score below {@code cloudAt} picks local; at or above {@code cloudAt} cloud; at or above
     * {@code legacyAt} (when set) legacy.
     */
    public record Thresholds(double cloudAt, @Nullable Double legacyAt) {
        public Thresholds {
            if (!(cloudAt >= 0.0 && cloudAt <= 1.0)) {
                throw new IllegalArgumentException("cloudAt must be in [0, 1] but was " + cloudAt);
            }
            if (legacyAt != null && !(legacyAt >= cloudAt && legacyAt <= 1.0)) {
                throw new IllegalArgumentException("legacyAt must be in [cloudAt, 1] but was " + legacyAt);
            }
        }

        /** The tier the score alone asks for. */
        public Tier tierFor(double score) {
            if (legacyAt != null && score >= legacyAt) {
                return Tier.LEGACY;
            }
            return score >= cloudAt ? Tier.CLOUD : Tier.LOCAL;
        }

        /** A short human reason for {@link #tierFor}, e.g. {@code score 0.71 >= 0.60 → cloud}. */
        public String reason(double score) {
            Tier t = tierFor(score);
            return switch (t) {
                case LEGACY -> "score " + fmt(score) + " >= " + fmt(legacyAt == null ? 1.0 : legacyAt) + " → legacy";
                case CLOUD -> "score " + fmt(score) + " >= " + fmt(cloudAt) + " → cloud";
                case LOCAL -> "score " + fmt(score) + " < " + fmt(cloudAt) + " → local";
            };
        }

        /** Two decimals, rounded half up like {@code %.2f}, without a {@code Formatter} per call (routing is hot). */
        static String fmt(double v) {
            return new java.math.BigDecimal(v)
                    .setScale(2, java.math.RoundingMode.HALF_UP)
                    .toPlainString();
        }
    }

    /**
     * The {@code tuning} block: the quality the thresholds are tuned to hold, from the shadow comparisons.
     *
     * @param qualityTarget the share of requests answered as well as the stronger tier would have, in [0.5, 1]
     * @param autoApply whether the gateway applies a proposal itself (else an admin applies it by hand)
     * @param minSamples the fewest verdicts before anything is proposed or applied, at least 1
     * @param interval how often auto-apply evaluates the proposal again, at least one second
     * @param maxStep the largest change of one threshold in one apply, in (0, 1]; null: no limit
     */
    public record Tuning(
            double qualityTarget,
            boolean autoApply,
            int minSamples,
            java.time.Duration interval,
            @Nullable Double maxStep) {

        /** Verdicts needed by default before a proposal. */
        public static final int DEFAULT_MIN_SAMPLES = 200;
        /** How often auto-apply evaluates by default. */
        public static final java.time.Duration DEFAULT_INTERVAL = java.time.Duration.ofHours(1);

        public Tuning {
            if (!(qualityTarget >= 0.5 && qualityTarget <= 1.0)) {
                throw new IllegalArgumentException("qualityTarget must be in [0.5, 1] but was " + qualityTarget);
            }
            if (minSamples < 1) {
                throw new IllegalArgumentException("minSamples must be >= 1 but was " + minSamples);
            }
            Objects.requireNonNull(interval, "interval");
            if (interval.compareTo(java.time.Duration.ofSeconds(1)) < 0) {
                throw new IllegalArgumentException("interval must be >= 1s but was " + interval);
            }
            if (maxStep != null && !(maxStep > 0 && maxStep <= 1)) {
                throw new IllegalArgumentException("maxStep must be in (0, 1] but was " + maxStep);
            }
        }
    }

    /**
     * Cloud-burst rule: a local request moves to the next tier of local's fallback chain when the local queue wait
     * estimate exceeds {@code maxLocalQueueWaitMs}, when {@code maxLocalQueueLength} requests are already queued, or
     * when the engine admits no more work. Null means no limit of that kind.
     */
    public record Burst(
            @Nullable Long maxLocalQueueWaitMs, @Nullable Integer maxLocalQueueLength) {
        public Burst {
            if (maxLocalQueueWaitMs != null && maxLocalQueueWaitMs < 0) {
                throw new IllegalArgumentException("maxLocalQueueWaitMs must be >= 0 but was " + maxLocalQueueWaitMs);
            }
            if (maxLocalQueueLength != null && maxLocalQueueLength < 0) {
                throw new IllegalArgumentException("maxLocalQueueLength must be >= 0 but was " + maxLocalQueueLength);
            }
        }
    }

    /**
     * Latency ceiling: when set (here or by the {@code X-Burstgate-Max-Latency-Ms} header, whichever is lower), a local
     * queue wait above it also bursts.
     */
    public record Latency(@Nullable Long maxMs) {
        public Latency {
            if (maxMs != null && maxMs <= 0) {
                throw new IllegalArgumentException("maxMs must be > 0 but was " + maxMs);
            }
        }
    }

    /** What personal data does: {@code allow}, route {@code local-only}, or {@code reject}. */
    public enum PiiAction {
        ALLOW,
        LOCAL_ONLY,
        REJECT;

        public String key() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /**
     * Privacy rule.
     *
     * @param onPii the action when any of {@code kinds} is found
     * @param kinds the kinds that trigger it
     */
    public record Privacy(PiiAction onPii, Set<PiiKind> kinds) {
        public static final Privacy ALLOW = new Privacy(PiiAction.ALLOW, EnumSet.allOf(PiiKind.class));

        public Privacy {
            Objects.requireNonNull(onPii, "onPii");
            kinds = Set.copyOf(kinds);
        }
    }

    /**
     * What a refused budget reservation leads to, as the gateway and the simulator apply it: the budget rules' action,
     * except that local-only falls back to reject when this policy does not allow the local tier.
     */
    public ExhaustedAction onExhausted() {
        ExhaustedAction action = budget.onExhausted();
        return action == ExhaustedAction.LOCAL_ONLY && !allowedTiers.contains(Tier.LOCAL)
                ? ExhaustedAction.REJECT
                : action;
    }

    /**
     * The answer-aware cascade: a request the policy sends to the local tier, and that has a next tier in
     * {@code fallback.local}, is answered by the local tier to completion first; when the answer looks unsure (its
     * {@link #signal()} below {@link #escalateBelow()}) or, with {@link #structural()}, misses the shape the request
     * asked for, the answer is discarded (and billed) and the request goes on down local's fallback chain.
     *
     * @param escalateBelow an answer whose signal is below this is escalated; in [0, 1] (0 never escalates on
     *     confidence)
     * @param signal which of the engine's confidence figures is compared
     * @param structural whether an answer that misses the requested shape escalates too: JSON asked for but not
     *     parsing, a tool call required but none made, an answer cut by {@code max_tokens}
     * @param streamBuffer how much of a streamed local answer may be held back to check it; null: streamed requests
     *     do not cascade
     */
    public record Cascade(
            double escalateBelow,
            Signal signal,
            boolean structural,
            @Nullable StreamBuffer streamBuffer) {

        public Cascade {
            if (!(escalateBelow >= 0.0 && escalateBelow <= 1.0)) {
                throw new IllegalArgumentException("escalateBelow must be in [0, 1] but was " + escalateBelow);
            }
            Objects.requireNonNull(signal, "signal");
        }

        /**
         * Whether an answer whose {@link #signal()} is {@code confidence} is escalated for it: {@code confidence <
         * escalateBelow}. The one comparison the gateway's dispatcher and the policy lab's ledger replay both make.
         */
        public boolean escalates(double confidence) {
            return confidence < escalateBelow;
        }

        /** Whether a request with this streaming mode may cascade. */
        public boolean covers(boolean stream) {
            return !stream || streamBuffer != null;
        }
    }

    /** Which confidence figure a cascade compares with {@code escalate-below}. */
    public enum Signal {
        /**
         * The geometric mean of the sampled tokens' probabilities, {@code exp(mean log-probability)}: how sure the model
         * was of its answer on average (the default).
         */
        MEAN_PROB,
        /** The probability of the least likely sampled token: how sure the model was at its weakest point. */
        MIN_PROB;

        /** The YAML spelling: {@code mean-prob}, {@code min-prob}. */
        public String key() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        /**
         * Its name in an escalation's reason, {@code local <name> 0.41 < 0.55}: {@code confidence} for the mean,
         * {@code min-prob} for the minimum. The ledger keeps the reason, and the policy lab reads it back.
         */
        public String reasonName() {
            return switch (this) {
                case MEAN_PROB -> "confidence";
                case MIN_PROB -> "min-prob";
            };
        }
    }

    /**
     * The bounds on holding back a streamed local answer: beyond either, the answer streams as it is.
     *
     * @param maxTokens pieces of the answer held back at most
     * @param maxMs milliseconds the answer is held back at most
     */
    public record StreamBuffer(int maxTokens, long maxMs) {
        public StreamBuffer {
            if (maxTokens < 1) {
                throw new IllegalArgumentException("maxTokens must be >= 1 but was " + maxTokens);
            }
            if (maxMs < 1) {
                throw new IllegalArgumentException("maxMs must be >= 1 but was " + maxMs);
            }
        }
    }
}
