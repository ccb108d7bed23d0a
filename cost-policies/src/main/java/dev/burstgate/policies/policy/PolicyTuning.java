package dev.burstgate.policies.policy;

import dev.burstgate.policies.Tier;
import dev.burstgate.policies.tuning.QualityEstimate;
import dev.burstgate.policies.tuning.ThresholdProposal;
import dev.burstgate.policies.tuning.ThresholdTuner;
import dev.burstgate.policies.tuning.TunerSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import org.jspecify.annotations.Nullable;

/**
 * The thresholds a policy's {@code tuning} block asks for, from the shadow comparisons taken so far: a pure function
 * over the verdicts, estimated by the same {@link ThresholdTuner} that {@code policy-lab tune} uses (isotonic rates
 * by score, one-sided Wilson bound at {@value #CONFIDENCE}).
 *
 * <p>Which verdicts tune which threshold: a comparison of a local answer (against cloud or legacy) tunes
 * {@code cloud-at}, the threshold above local; a comparison of a cloud answer against legacy tunes {@code legacy-at}
 * (only when the policy has one). A threshold is proposed only from at least {@code min-samples} verdicts of its own;
 * it is the cheapest on a 0.01 grid whose lower quality bound meets {@code quality-target}, but never above the top
 * of the highest score bin that has a verdict (the comparisons say nothing about scores they never saw), and never
 * more than {@code max-step} away from the threshold in force. {@code cloud-at} is kept at or below {@code legacy-at}.
 *
 * <p>Cost per 1,000 requests is the mean, over the compared requests' scores, of the per-request price of the tier
 * each set of thresholds would choose: a comparison between the two, not a forecast of the whole traffic.
 */
public final class PolicyTuning {

    /** One-sided confidence of the lower quality bound. */
    public static final double CONFIDENCE = 0.95;

    private static final int BINS = 100;

    private PolicyTuning() {}

    /**
     * One judged shadow comparison.
     *
     * @param score the request's complexity score
     * @param served the tier that answered the client (the cheaper one)
     * @param against the stronger tier it was compared with
     * @param acceptable whether the served answer was as good as the stronger tier's
     */
    public record Sample(double score, Tier served, Tier against, boolean acceptable) {
        public Sample {
            Objects.requireNonNull(served, "served");
            Objects.requireNonNull(against, "against");
        }
    }

    /**
     * What is proposed for one threshold.
     *
     * @param field {@code cloud-at} or {@code legacy-at}
     * @param current the value in force
     * @param proposed the proposed value, or null when its verdicts are fewer than the minimum
     * @param currentQuality the estimated quality of {@code current}
     * @param proposedQuality the estimated quality of {@code proposed}, or null with it
     * @param verdicts the verdicts behind the estimate
     * @param reason one line for people
     */
    public record Change(
            String field,
            double current,
            @Nullable Double proposed,
            QualityEstimate currentQuality,
            @Nullable QualityEstimate proposedQuality,
            long verdicts,
            String reason) {}

    /**
     * The proposal for a policy.
     *
     * @param current the thresholds in force
     * @param proposed the thresholds proposed, or null when nothing can be proposed (see {@code none})
     * @param none why nothing is proposed, or null
     * @param changes per threshold, the estimate behind it
     * @param samples verdicts used in all
     * @param minSamples the fewest verdicts a threshold needs
     * @param currentUsdPer1000 cost per 1,000 of the compared requests with {@code current}
     * @param proposedUsdPer1000 the same with {@code proposed}, or null with it
     */
    public record Report(
            Policy.Thresholds current,
            Policy.@Nullable Thresholds proposed,
            @Nullable String none,
            List<Change> changes,
            long samples,
            int minSamples,
            double currentUsdPer1000,
            @Nullable Double proposedUsdPer1000) {

        public Report {
            changes = List.copyOf(changes);
        }

        /** Whether a proposal exists and differs from the thresholds in force. */
        public boolean differs() {
            return proposed != null && !proposed.equals(current);
        }
    }

    /**
     * Proposes thresholds for {@code current} under {@code rules} from {@code samples}.
     *
     * @param usdPerRequest the price of one request per tier, for the cost comparison (a missing tier costs 0)
     */
    public static Report propose(
            Policy.Thresholds current, Policy.Tuning rules, List<Sample> samples, Map<Tier, Double> usdPerRequest) {
        List<Sample> local = new ArrayList<>();
        List<Sample> cloud = new ArrayList<>();
        for (Sample s : samples) {
            switch (s.served()) {
                case LOCAL -> local.add(s);
                case CLOUD -> cloud.add(s);
                case LEGACY -> {}
            }
        }
        List<Change> changes = new ArrayList<>();
        Change cloudAt = change("cloud-at", current.cloudAt(), local, rules);
        changes.add(cloudAt);
        @Nullable Change legacyAt = null;
        Double legacyInForce = current.legacyAt();
        if (legacyInForce != null) {
            legacyAt = change("legacy-at", legacyInForce, cloud, rules);
            changes.add(legacyAt);
        }
        long used = local.size() + cloud.size();
        double currentCost = cost(current, samples, usdPerRequest);
        Double cloudProposed = cloudAt.proposed();
        Double legacyProposed = legacyAt == null ? null : legacyAt.proposed();
        if (cloudProposed == null && legacyProposed == null) {
            String none = used < rules.minSamples()
                    ? used + " verdicts < " + rules.minSamples() + " needed"
                    : "no threshold has " + rules.minSamples() + " verdicts of its own yet";
            return new Report(current, null, none, changes, used, rules.minSamples(), currentCost, null);
        }
        double c = cloudProposed != null ? cloudProposed : current.cloudAt();
        Double l = legacyProposed != null ? legacyProposed : legacyInForce;
        if (l != null && c > l) {
            c = l;
        }
        Policy.Thresholds proposed = new Policy.Thresholds(c, l);
        return new Report(
                current,
                proposed,
                null,
                changes,
                used,
                rules.minSamples(),
                currentCost,
                cost(proposed, samples, usdPerRequest));
    }

    private static Change change(String field, double current, List<Sample> samples, Policy.Tuning rules) {
        ThresholdTuner tuner = new ThresholdTuner(
                new TunerSettings(rules.qualityTarget(), 1.0, rules.minSamples(), CONFIDENCE, BINS, false, 0.1, 0.05),
                new SplittableRandom(0));
        int topBin = -1;
        for (Sample s : samples) {
            tuner.observe(s.score(), s.acceptable());
            topBin = Math.max(topBin, bin(s.score()));
        }
        QualityEstimate now = tuner.estimate(current);
        if (samples.size() < rules.minSamples()) {
            return new Change(
                    field,
                    current,
                    null,
                    now,
                    null,
                    samples.size(),
                    samples.size() + " verdicts < " + rules.minSamples() + " needed");
        }
        ThresholdProposal p = tuner.propose();
        Double threshold = p.threshold();
        double best = threshold == null ? current : threshold;
        String reason = p.reason();
        double cap = (double) (topBin + 1) / BINS;
        if (best > cap) {
            best = cap;
            reason += "; held at " + grid(cap) + ", the top of the scores compared";
        }
        Double step = rules.maxStep();
        if (step != null && Math.abs(best - current) > step + 1e-12) {
            best = best > current ? current + step : current - step;
            reason += "; limited to a step of " + step;
        }
        best = Math.clamp(grid(best), 0.0, 1.0);
        return new Change(field, current, best, now, tuner.estimate(best), samples.size(), reason);
    }

    /** The 0.01 bin of a score, as the tuner bins it. */
    private static int bin(double score) {
        double s = Double.isNaN(score) ? 0.0 : Math.clamp(score, 0.0, 1.0);
        return Math.min(BINS - 1, (int) Math.floor(s * BINS + 1e-9));
    }

    private static double grid(double v) {
        return Math.round(v * BINS) / (double) BINS;
    }

    private static double cost(Policy.Thresholds t, List<Sample> samples, Map<Tier, Double> usdPerRequest) {
        if (samples.isEmpty()) {
            return 0.0;
        }
        double sum = 0;
        for (Sample s : samples) {
            Double usd = usdPerRequest.get(t.tierFor(s.score()));
            sum += usd == null ? 0.0 : usd;
        }
        return sum * 1000 / samples.size();
    }
}
