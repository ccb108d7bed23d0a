package dev.burstgate.policies.routing;

import dev.burstgate.policies.Tier;
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
     */
    record Route(Tier tier, List<Tier> fallbackChain, String reason) implements RoutingDecision {
        public Route {
            Objects.requireNonNull(tier, "tier");
            fallbackChain = List.copyOf(fallbackChain);
            Objects.requireNonNull(reason, "reason");
            if (fallbackChain.contains(tier)) {
                throw new IllegalArgumentException("fallbackChain " + fallbackChain + " must not contain " + tier);
            }
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
