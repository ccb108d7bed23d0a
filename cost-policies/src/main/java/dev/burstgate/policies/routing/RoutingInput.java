package dev.burstgate.policies.routing;

import dev.burstgate.policies.budget.BudgetState;
import dev.burstgate.policies.capability.RequestNeeds;
import dev.burstgate.policies.classifier.Complexity;
import dev.burstgate.policies.privacy.PrivacySignal;
import java.util.Objects;

/**
 * Everything the router looks at for one request.
 *
 * @param complexity the classifier's verdict
 * @param privacy personal data found in the prompt
 * @param budget the tenant's budget state
 * @param local the local engine's queue
 * @param health which tiers are up
 * @param overrides what the client forced
 * @param needs what the request needs from the tier that answers it (tools, images, context, ...)
 * @param stream whether the answer is streamed (a cascade covers a streamed request only with a stream buffer)
 */
public record RoutingInput(
        Complexity complexity,
        PrivacySignal privacy,
        BudgetState budget,
        LocalEngineState local,
        TierHealth health,
        RequestOverrides overrides,
        RequestNeeds needs,
        boolean stream) {

    /** A non-streamed input. */
    public RoutingInput(
            Complexity complexity,
            PrivacySignal privacy,
            BudgetState budget,
            LocalEngineState local,
            TierHealth health,
            RequestOverrides overrides,
            RequestNeeds needs) {
        this(complexity, privacy, budget, local, health, overrides, needs, false);
    }

    /** A non-streamed input needing nothing beyond a text chat. */
    public RoutingInput(
            Complexity complexity,
            PrivacySignal privacy,
            BudgetState budget,
            LocalEngineState local,
            TierHealth health,
            RequestOverrides overrides) {
        this(complexity, privacy, budget, local, health, overrides, RequestNeeds.NONE, false);
    }

    public RoutingInput {
        Objects.requireNonNull(complexity, "complexity");
        Objects.requireNonNull(privacy, "privacy");
        Objects.requireNonNull(budget, "budget");
        Objects.requireNonNull(local, "local");
        Objects.requireNonNull(health, "health");
        Objects.requireNonNull(overrides, "overrides");
        Objects.requireNonNull(needs, "needs");
    }

    /** An input with no PII, no budget limit, an idle engine, every tier up and no overrides. */
    public static RoutingInput of(Complexity complexity) {
        return new RoutingInput(
                complexity,
                PrivacySignal.NONE,
                BudgetState.UNLIMITED,
                LocalEngineState.IDLE,
                TierHealth.ALL_UP,
                RequestOverrides.NONE);
    }

    public RoutingInput withPrivacy(PrivacySignal p) {
        return new RoutingInput(complexity, p, budget, local, health, overrides, needs, stream);
    }

    public RoutingInput withBudget(BudgetState b) {
        return new RoutingInput(complexity, privacy, b, local, health, overrides, needs, stream);
    }

    public RoutingInput withLocal(LocalEngineState l) {
        return new RoutingInput(complexity, privacy, budget, l, health, overrides, needs, stream);
    }

    public RoutingInput withHealth(TierHealth h) {
        return new RoutingInput(complexity, privacy, budget, local, h, overrides, needs, stream);
    }

    public RoutingInput withNeeds(RequestNeeds n) {
        return new RoutingInput(complexity, privacy, budget, local, health, overrides, n, stream);
    }

    public RoutingInput withOverrides(RequestOverrides o) {
        return new RoutingInput(complexity, privacy, budget, local, health, o, needs, stream);
    }

    public RoutingInput withStream(boolean s) {
        return new RoutingInput(complexity, privacy, budget, local, health, overrides, needs, s);
    }
}
