package dev.burstgate.policies.shadow;

import dev.burstgate.policies.Tier;
import dev.burstgate.policies.cost.Usd;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A policy's {@code shadow} block: which answered requests are also sent to a more expensive tier, how the two answers
 * are compared, and how much that may cost a day. Immutable.
 *
 * @param rate the largest fraction of the eligible requests that are shadowed, in [0, 1]
 * @param nearThreshold when set, only requests scored within this distance of the threshold the decision hinged on
 *     are eligible (the threshold just above the served tier: {@code cloud-at} for local, {@code legacy-at} for
 *     cloud), in (0, 1]; null: every answered request of a listed pair is
 * @param dailyBudget what shadow calls (and judge calls) may cost per UTC day, at least 0
 * @param pairs which served tier is compared with which stronger tier, the first pair that matches the served tier
 *     wins
 * @param judge how the two answers are compared
 */
public record ShadowRules(double rate, @Nullable Double nearThreshold, Usd dailyBudget, List<Pair> pairs, Judge judge) {

    public ShadowRules {
        if (!(rate >= 0 && rate <= 1)) {
            throw new IllegalArgumentException("rate must be in [0, 1] but was " + rate);
        }
        if (nearThreshold != null && !(nearThreshold > 0 && nearThreshold <= 1)) {
            throw new IllegalArgumentException("nearThreshold must be in (0, 1] but was " + nearThreshold);
        }
        Objects.requireNonNull(dailyBudget, "dailyBudget");
        if (dailyBudget.isNegative()) {
            throw new IllegalArgumentException("dailyBudget must be >= 0 but was " + dailyBudget);
        }
        pairs = List.copyOf(pairs);
        if (pairs.isEmpty()) {
            throw new IllegalArgumentException("pairs must not be empty");
        }
        Objects.requireNonNull(judge, "judge");
    }

    /** The tier a request served by {@code served} is compared with, or null when no pair covers it. */
    public @Nullable Tier against(Tier served) {
        for (Pair p : pairs) {
            Tier t = p.against(served);
            if (t != null) {
                return t;
            }
        }
        return null;
    }

    /** Which answers are compared: the served (cheaper) tier against a stronger one. */
    public enum Pair {
        /** Local answers against cloud. */
        LOCAL_VS_CLOUD(Tier.LOCAL, Tier.CLOUD),
        /** Local answers against legacy. */
        LOCAL_VS_LEGACY(Tier.LOCAL, Tier.LEGACY),
        /** Cloud answers against legacy. */
        CLOUD_VS_LEGACY(Tier.CLOUD, Tier.LEGACY),
        /** Local or cloud answers against legacy. */
        ANY_VS_LEGACY(null, Tier.LEGACY);

        private final @Nullable Tier served;
        private final Tier stronger;

        Pair(@Nullable Tier served, Tier stronger) {
            this.served = served;
            this.stronger = stronger;
        }

        /** The stronger tier when this pair covers an answer of {@code tier}, else null. */
        public @Nullable Tier against(Tier tier) {
            if (served == null) {
                return tier.compareTo(stronger) < 0 ? stronger : null;
            }
            return served == tier ? stronger : null;
        }

        /** As the YAML spells it: {@code local-vs-cloud}. */
        public String key() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        /** The pair a key names, or null. */
        public static @Nullable Pair fromKey(String key) {
            for (Pair p : values()) {
                if (p.key().equals(key)) {
                    return p;
                }
            }
            return null;
        }
    }

    /** How two answers are compared. */
    public sealed interface Judge {
        /** As the ledger and the admin API spell it: {@code exact}, {@code structural}, {@code tier:legacy}. */
        String key();

        /** Equal after normalising whitespace and Unicode ({@link Judges#exact}). */
        record Exact() implements Judge {
            @Override
            public String key() {
                return "exact";
            }
        }

        /** JSON equal after parsing; tool calls equal by name and parsed arguments ({@link Judges#structural}). */
        record Structural() implements Judge {
            @Override
            public String key() {
                return "structural";
            }
        }

        /** A model on {@code tier} asked with the fixed rubric ({@link JudgeRubric}); one more priced call. */
        record ByTier(Tier tier) implements Judge {
            public ByTier {
                Objects.requireNonNull(tier, "tier");
                if (tier == Tier.LOCAL) {
                    throw new IllegalArgumentException("a judge tier is cloud or legacy, not local");
                }
            }

            @Override
            public String key() {
                return "tier:" + tier.label();
            }
        }
    }
}
