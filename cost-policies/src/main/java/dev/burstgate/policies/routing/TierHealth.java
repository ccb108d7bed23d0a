package dev.burstgate.policies.routing;

import dev.burstgate.policies.Tier;
import java.util.EnumSet;
import java.util.Set;

/**
 * Which tiers are up (e.g. their circuit breakers are closed and at least one endpoint is healthy).
 *
 * @param up the tiers that can take a request now
 */
public record TierHealth(Set<Tier> up) {

    /** Every tier up. */
    public static final TierHealth ALL_UP = new TierHealth(EnumSet.allOf(Tier.class));

    public TierHealth {
        up = Set.copyOf(up);
    }

    /** Every tier up except {@code down}. */
    public static TierHealth allBut(Tier... down) {
        Set<Tier> s = EnumSet.allOf(Tier.class);
        for (Tier t : down) {
            s.remove(t);
        }
        return new TierHealth(s);
    }

    public boolean isUp(Tier tier) {
        return up.contains(tier);
    }
}
