package dev.burstgate.policies.routing;

import dev.burstgate.policies.Tier;
import dev.burstgate.policies.policy.Policy;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/** The outcome of routing one request: a tier with its fallback chain, or a rejection. */
public sealed interface RoutingDecision {

    /** A short human reason, e.g. {@code burst: local wait 850ms > 500ms}. */
    String reason();

    /**
     * Send the request to {@code tier}; on failure before the first byte, try {@code fallbackChain} in order.
     *
     * @param tier the first tier to try
     * @param fallbackChain the tiers to try next, never containing {@code tier}
     * @param reason why
     * @param cascade set when the local answer is to be checked before it is kept, and escalated down
     *     {@code fallbackChain} when it looks unsure (only with {@code tier} local and a non-empty chain); else null
     */
    record Route(Tier tier, List<Tier> fallbackChain, String reason, Policy.@Nullable Cascade cascade)
            implements RoutingDecision {
        public Route {
            Objects.requireNonNull(tier, "tier");
            fallbackChain = List.copyOf(fallbackChain);
            Objects.requireNonNull(reason, "reason");
            if (fallbackChain.contains(tier)) {
                throw new IllegalArgumentException("fallbackChain " + fallbackChain + " must not contain " + tier);
            }
            if (cascade != null && (tier != Tier.LOCAL || fallbackChain.isEmpty())) {
                throw new IllegalArgumentException(
                        "a cascade starts on the local tier and needs a tier to escalate to, got " + tier + " → "
                                + fallbackChain);
            }
        }

        /** A route that does not cascade. */
        public Route(Tier tier, List<Tier> fallbackChain, String reason) {
            this(tier, fallbackChain, reason, null);
        }
    }

    /**
     * Refuse the request.
     *
     * @param code machine-readable code
     * @param reason why, for the error message
     * @param parameter the request parameter the refusal is about, or null
     */
    record Reject(RejectCode code, String reason, @Nullable String parameter) implements RoutingDecision {
        public Reject {
            Objects.requireNonNull(code, "code");
            Objects.requireNonNull(reason, "reason");
        }

        public Reject(RejectCode code, String reason) {
            this(code, reason, null);
        }
    }
}
