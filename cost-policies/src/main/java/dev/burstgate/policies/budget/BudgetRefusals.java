package dev.burstgate.policies.budget;

import dev.burstgate.policies.Tier;
import dev.burstgate.policies.cost.Usd;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What one request may still try once a priced tier's budget reservation has been refused: the rule the gateway's
 * dispatcher and the policy lab's simulator both apply, so a simulated policy refuses and degrades as the deployed
 * one does.
 *
 * <p>Before any refusal every tier may be tried. After one, the policy's {@link ExhaustedAction} decides:
 * <ul>
 *   <li>{@link ExhaustedAction#REJECT}: only tiers estimated cheaper than the cheapest refused one, and free tiers;
 *       when none answers, the request is refused (402 {@code budget_exhausted});
 *   <li>{@link ExhaustedAction#LOCAL_ONLY}: only the local tier, reserved past the limit (its spend is still
 *       counted) and added after the planned tiers when the request forced no tier.
 * </ul>
 * Mutable, one per request; not thread-safe (a request's attempts run one after the other).
 */
public final class BudgetRefusals {

    private final ExhaustedAction action;
    private @Nullable Usd cheapestRefused;

    public BudgetRefusals(ExhaustedAction action) {
        this.action = Objects.requireNonNull(action, "action");
    }

    public ExhaustedAction action() {
        return action;
    }

    /** Whether a reservation of this request has been refused. */
    public boolean any() {
        return cheapestRefused != null;
    }

    /**
     * Whether {@code tier} may still be tried.
     *
     * @param free whether the tier costs nothing (it then reserves nothing)
     * @param estimate what an attempt on it may cost at most; ignored for a free tier
     */
    public boolean mayTry(Tier tier, boolean free, Usd estimate) {
        Usd cheapest = cheapestRefused;
        if (cheapest == null) {
            return true;
        }
        return switch (action) {
            case REJECT -> free || estimate.compareTo(cheapest) < 0;
            case LOCAL_ONLY -> tier == Tier.LOCAL;
        };
    }

    /** Whether a reservation on {@code tier} is taken past the limits: the local tier under local-only. */
    public boolean overLimit(Tier tier) {
        return tier == Tier.LOCAL && action == ExhaustedAction.LOCAL_ONLY;
    }

    /**
     * Records a refused reservation of {@code estimate}.
     *
     * @param plan the tiers the request tries, in order; under local-only the local tier is appended when absent and
     *     the request forced no tier
     * @param forced whether the request named its tier
     * @return the plan to go on with
     */
    public List<Tier> refused(Usd estimate, List<Tier> plan, boolean forced) {
        Usd cheapest = cheapestRefused;
        cheapestRefused = cheapest == null || estimate.compareTo(cheapest) < 0 ? estimate : cheapest;
        if (action == ExhaustedAction.LOCAL_ONLY && !forced && !plan.contains(Tier.LOCAL)) {
            return java.util.stream.Stream.concat(plan.stream(), java.util.stream.Stream.of(Tier.LOCAL))
                    .toList();
        }
        return plan;
    }
}
