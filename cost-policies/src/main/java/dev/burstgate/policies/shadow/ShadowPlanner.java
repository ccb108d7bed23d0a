package dev.burstgate.policies.shadow;

import dev.burstgate.policies.Tier;
import dev.burstgate.policies.tuning.ThresholdTuner;
import dev.burstgate.policies.tuning.TunerSettings;
import java.util.Objects;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * Decides which answered requests of one policy are shadowed, and against which tier. Rules, in order:
 *
 * <ol>
 *   <li>the first of the rules' {@link ShadowRules#pairs() pairs} that covers the served tier names the tier to compare
 *       with; none covers it (a legacy answer, say): not shadowed;
 *   <li>with {@link ShadowRules#nearThreshold()} set, only a request scored within that distance of the threshold its
 *       decision hinged on ({@link #hinge}) is eligible; a served tier with no threshold above it is not;
 *   <li>of the eligible requests, at most {@link ShadowRules#rate()} of those seen so far are shadowed, drawn uniformly:
 *       the sampling of the offline threshold tuner ({@link ThresholdTuner#shouldShadow}, untargeted), so the online
 *       shadow rate means what {@code policy-lab tune --shadow-rate} means.
 * </ol>
 *
 * <p>Thread-safe. One planner per policy version: a reloaded policy gets a new one.
 */
public final class ShadowPlanner {

    private final ShadowRules rules;
    private final double cloudAt;
    private final @Nullable Double legacyAt;
    private final ThresholdTuner sampler;

    /**
     * @param cloudAt the policy's {@code thresholds.cloud-at}
     * @param legacyAt the policy's {@code thresholds.legacy-at}, or null
     * @param random the source of the draws (seed it in tests)
     */
    public ShadowPlanner(ShadowRules rules, double cloudAt, @Nullable Double legacyAt, RandomGenerator random) {
        this.rules = Objects.requireNonNull(rules, "rules");
        this.cloudAt = cloudAt;
        this.legacyAt = legacyAt;
        // The quality target is unused here: the tuner only samples.
        this.sampler = new ThresholdTuner(TunerSettings.of(0.95, rules.rate()).withTargeted(false), random);
    }

    public ShadowRules rules() {
        return rules;
    }

    /**
     * The tier to shadow a request served by {@code served} and scored {@code score} on, or null to leave it. Counts
     * the request when it is eligible (rules 1 and 2), whatever the draw.
     */
    public @Nullable Tier pick(Tier served, double score) {
        Tier against = eligible(rules, served, score, cloudAt, legacyAt);
        if (against == null) {
            return null;
        }
        return sampler.shouldShadow(score) ? against : null;
    }

    /** Eligible requests seen so far. */
    public long eligibleSeen() {
        return sampler.requests();
    }

    /** Requests chosen so far. */
    public long chosen() {
        return sampler.shadowCalls();
    }

    /**
     * Rules 1 and 2 alone, with no draw: the tier a request would be compared with, or null when it is not eligible.
     */
    public static @Nullable Tier eligible(
            ShadowRules rules, Tier served, double score, double cloudAt, @Nullable Double legacyAt) {
        Tier against = rules.against(served);
        if (against == null) {
            return null;
        }
        Double band = rules.nearThreshold();
        if (band == null) {
            return against;
        }
        Double hinge = hinge(served, cloudAt, legacyAt);
        if (hinge == null || Double.isNaN(score)) {
            return null;
        }
        return Math.abs(score - hinge) <= band + 1e-12 ? against : null;
    }

    /**
     * The threshold a decision for {@code served} hinged on: the one just above it ({@code cloud-at} for local,
     * {@code legacy-at} for cloud), or null when there is none (legacy, or cloud without {@code legacy-at}).
     */
    public static @Nullable Double hinge(Tier served, double cloudAt, @Nullable Double legacyAt) {
        return switch (served) {
            case LOCAL -> cloudAt;
            case CLOUD -> legacyAt;
            case LEGACY -> null;
        };
    }
}
