package dev.burstgate.policies.budget;

import dev.burstgate.policies.Tier;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * A policy's budget rules: degrade steps ("at 80 % of the budget use at most cloud") and what happens at 100 %.
 *
 * <p>The local tier and an exhausted budget: with {@link ExhaustedAction#LOCAL_ONLY} local keeps serving (its cost
 * is still recorded, so spend can pass the limit by the local price times the requests); with
 * {@link ExhaustedAction#REJECT} every request is rejected — except when the local tier's price is zero: a free tier
 * spends nothing, so it is never blocked by a budget.
 *
 * @param degrade steps, each capping the most expensive tier once the fraction used reaches {@code at}
 * @param onExhausted what to do at 100 %
 */
public record BudgetRules(List<Step> degrade, ExhaustedAction onExhausted) {

    /** No degrade steps; reject at 100 %. */
    public static final BudgetRules DEFAULT = new BudgetRules(List.of(), ExhaustedAction.REJECT);

    public BudgetRules {
        Objects.requireNonNull(onExhausted, "onExhausted");
        List<Step> sorted = new ArrayList<>(degrade);
        sorted.sort(Comparator.comparingDouble(Step::at));
        degrade = List.copyOf(sorted);
    }

    /**
     * One degrade step.
     *
     * @param at fraction of the budget used, in (0, 1)
     * @param maxTier the most expensive tier allowed from then on
     */
    public record Step(double at, Tier maxTier) {
        public Step {
            Objects.requireNonNull(maxTier, "maxTier");
            if (!(at > 0.0 && at < 1.0)) {
                throw new IllegalArgumentException("at must be in (0, 1) but was " + at);
            }
        }
    }

    /** What the rules allow for a budget state. */
    public sealed interface Verdict {
        /** Every tier allowed. */
        record Unrestricted() implements Verdict {}

        /** Tiers above {@code maxTier} not allowed. */
        record Capped(Tier maxTier, double fractionUsed, double at) implements Verdict {}

        /** The budget is used up. */
        record Exhausted(ExhaustedAction action, double fractionUsed) implements Verdict {}
    }

    /** Applies the rules to a state. */
    public Verdict verdict(BudgetState state) {
        double used = state.fractionUsed();
        if (used >= 1.0) {
            return new Verdict.Exhausted(onExhausted, used);
        }
        Step applied = null;
        for (Step s : degrade) {
            if (used >= s.at()
                    && (applied == null
                            || s.maxTier().ordinal() <= applied.maxTier().ordinal())) {
                applied = s;
            }
        }
        return applied == null ? new Verdict.Unrestricted() : new Verdict.Capped(applied.maxTier(), used, applied.at());
    }
}
