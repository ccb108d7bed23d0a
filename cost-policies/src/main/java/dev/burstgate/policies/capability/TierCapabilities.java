package dev.burstgate.policies.capability;

import dev.burstgate.policies.Tier;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * What each tier can serve: its capabilities and the longest prompt its context holds.
 *
 * <p>Defaults: a remote tier serves everything its upstream accepts (every capability, context unknown); the local
 * tier serves tools and JSON output (constrained decoding), with the context its engine is configured with.
 */
public final class TierCapabilities {

    /** One tier's capabilities; {@code contextTokens} null when unknown (then any prompt may go there). */
    public record Of(Set<Capability> features, @Nullable Long contextTokens) {
        public Of {
            features = features.isEmpty() ? Set.of() : Collections.unmodifiableSet(EnumSet.copyOf(features));
            if (contextTokens != null && contextTokens < 1) {
                throw new IllegalArgumentException("contextTokens must be >= 1, got " + contextTokens);
            }
        }

        /** Every capability, any context. */
        public static final Of EVERYTHING = new Of(EnumSet.allOf(Capability.class), null);

        /** The local tier's default: tools and JSON output within {@code contextTokens}. */
        public static Of localDefault(@Nullable Long contextTokens) {
            return new Of(EnumSet.of(Capability.TOOLS, Capability.JSON_SCHEMA), contextTokens);
        }

        public boolean has(Capability c) {
            return features.contains(c);
        }
    }

    /** Every tier serves everything: what the router assumes when it is not told otherwise. */
    public static final TierCapabilities UNRESTRICTED = new TierCapabilities(Map.of());

    /** The defaults: local as {@link Of#localDefault}, remote tiers everything. */
    public static TierCapabilities defaults(@Nullable Long localContextTokens) {
        return new TierCapabilities(Map.of(Tier.LOCAL, Of.localDefault(localContextTokens)));
    }

    private final Map<Tier, Of> tiers;

    /** @param tiers each tier's capabilities; a tier absent serves everything */
    public TierCapabilities(Map<Tier, Of> tiers) {
        Objects.requireNonNull(tiers, "tiers");
        EnumMap<Tier, Of> copy = new EnumMap<>(Tier.class);
        for (Tier t : Tier.values()) {
            copy.put(t, tiers.getOrDefault(t, Of.EVERYTHING));
        }
        this.tiers = Collections.unmodifiableMap(copy);
    }

    public Of of(Tier tier) {
        return Objects.requireNonNull(tiers.get(tier));
    }

    /** A copy with {@code tier} set to {@code capabilities}. */
    public TierCapabilities with(Tier tier, Of capabilities) {
        EnumMap<Tier, Of> copy = new EnumMap<>(tiers);
        copy.put(tier, capabilities);
        return new TierCapabilities(copy);
    }

    /**
     * Why {@code tier} cannot serve {@code needs} — the first missing capability, then the context — or null when it
     * can.
     */
    public @Nullable Lack lack(Tier tier, RequestNeeds needs) {
        Of of = of(tier);
        for (Map.Entry<Capability, String> need : needs.features().entrySet()) {
            if (!of.has(need.getKey())) {
                return new Lack(
                        tier,
                        need.getKey(),
                        need.getValue(),
                        "needs " + need.getKey().description());
            }
        }
        Long context = of.contextTokens();
        if (context != null && needs.promptTokens() > context) {
            return new Lack(
                    tier,
                    null,
                    "messages",
                    "prompt ~" + needs.promptTokens() + " tokens > " + tier.label() + " context " + context);
        }
        return null;
    }

    /**
     * What a tier lacks for a request.
     *
     * @param tier the tier
     * @param capability the missing capability, or null when the prompt is longer than the tier's context
     * @param parameter the request parameter concerned ({@code tools}, {@code messages[0].content[1]}, ...)
     * @param note a short note for the routing reason: {@code needs image content}
     */
    public record Lack(Tier tier, @Nullable Capability capability, String parameter, String note) {}

    @Override
    public boolean equals(Object o) {
        return o instanceof TierCapabilities other && tiers.equals(other.tiers);
    }

    @Override
    public int hashCode() {
        return tiers.hashCode();
    }

    @Override
    public String toString() {
        return "TierCapabilities" + tiers;
    }
}
