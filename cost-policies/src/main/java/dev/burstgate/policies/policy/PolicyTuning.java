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
 * <p><b>The cascade's {@code escalate-below}.</b> When the policy has a cascade, the comparisons of local answers that
 * carry the engine's confidence tune it too, with the same estimator: among local-routed requests, an answer below
 * {@code escalate-below} is escalated and counts as acceptable (the next tier answers), a kept one counts by its
 * verdict. The tuner sees the score {@code 1 − confidence} (quality falls as fewer answers are escalated, as it falls
 * as {@code cloud-at} rises), and the proposal is the lowest {@code escalate-below} on the 0.01 grid (the fewest
 * escalations) whose lower quality bound meets the target, from at least {@code min-samples} such verdicts, never
 * below the lowest confidence compared (nor, without verdicts below it, below the value in force) and never more than
 * {@code max-step} from the value in force. Answers below the value in force were escalated: they are compared only
 * as {@link Sample#escalated() escalated} samples (the discarded answer against the one that replaced it), which tune
 * {@code escalate-below} alone; without them the verdicts cover only the confidences kept.
 *
 * <p>Cost per 1,000 requests is the mean, over the compared requests' scores, of the per-request price of the tier
 * each set of thresholds would choose, plus, for a local answer whose confidence is below {@code escalate-below}, the
 * price of the first tier of local's fallback chain (an escalated answer is paid twice): a comparison between the two,
 * not a forecast of the whole traffic.
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
     * @param confidence the served local answer's confidence, as the cascade judged it; null when none was measured
     * @param escalated whether the local answer was discarded by the cascade (and compared with the answer that
     *     replaced it) rather than served: it tunes {@code escalate-below} only
     */
    public record Sample(
            double score,
            Tier served,
            Tier against,
            boolean acceptable,
            @Nullable Double confidence,
            boolean escalated) {
        public Sample {
            Objects.requireNonNull(served, "served");
            Objects.requireNonNull(against, "against");
            if (confidence != null && !(confidence >= 0.0 && confidence <= 1.0)) {
                throw new IllegalArgumentException("confidence must be in [0, 1] but was " + confidence);
            }
        }

        /** A comparison without a measured confidence. */
        public Sample(double score, Tier served, Tier against, boolean acceptable) {
            this(score, served, against, acceptable, null, false);
        }

        /** A comparison of a served answer. */
        public Sample(double score, Tier served, Tier against, boolean acceptable, @Nullable Double confidence) {
            this(score, served, against, acceptable, confidence, false);
        }
    }

    /**
     * What is proposed for one threshold.
     *
     * @param field {@code cloud-at}, {@code legacy-at} or {@code escalate-below}
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
     * @param currentEscalateBelow the cascade's {@code escalate-below} in force, or null without a cascade
     * @param proposedEscalateBelow the one proposed (the one in force when it has too few verdicts of its own), or null
     *     without a cascade or when nothing is proposed
     */
    public record Report(
            Policy.Thresholds current,
            Policy.@Nullable Thresholds proposed,
            @Nullable String none,
            List<Change> changes,
            long samples,
            int minSamples,
            double currentUsdPer1000,
            @Nullable Double proposedUsdPer1000,
            @Nullable Double currentEscalateBelow,
            @Nullable Double proposedEscalateBelow) {

        public Report {
            changes = List.copyOf(changes);
        }

        /** Whether a proposal exists and differs from the thresholds (or the escalate-below) in force. */
        public boolean differs() {
            return proposed != null
                    && (!proposed.equals(current) || !Objects.equals(proposedEscalateBelow, currentEscalateBelow));
        }
    }

    /**
     * Proposes thresholds for {@code current} under {@code rules} from {@code samples}, for a policy without a cascade.
     *
     * @param usdPerRequest the price of one request per tier, for the cost comparison (a missing tier costs 0)
     */
    public static Report propose(
            Policy.Thresholds current, Policy.Tuning rules, List<Sample> samples, Map<Tier, Double> usdPerRequest) {
        return propose(current, rules, null, null, samples, usdPerRequest);
    }

    /**
     * Proposes thresholds, and with a cascade its {@code escalate-below}, for {@code policy} (which must state a
     * {@code tuning} block) from {@code samples}.
     *
     * @param usdPerRequest the price of one request per tier, for the cost comparison (a missing tier costs 0)
     * @throws IllegalArgumentException when the policy has no {@code tuning} block
     */
    public static Report propose(Policy policy, List<Sample> samples, Map<Tier, Double> usdPerRequest) {
        Policy.Tuning rules = policy.tuning();
        if (rules == null) {
            throw new IllegalArgumentException("policy " + policy.name() + " has no tuning block");
        }
        List<Tier> next = policy.fallbackFor(Tier.LOCAL);
        return propose(
                policy.thresholds(),
                rules,
                policy.cascade(),
                next.isEmpty() ? null : next.getFirst(),
                samples,
                usdPerRequest);
    }

    private static Report propose(
            Policy.Thresholds current,
            Policy.Tuning rules,
            Policy.@Nullable Cascade cascade,
            @Nullable Tier escalatesTo,
            List<Sample> samples,
            Map<Tier, Double> usdPerRequest) {
        List<Sample> local = new ArrayList<>();
        List<Sample> cloud = new ArrayList<>();
        List<Sample> confident = new ArrayList<>();
        for (Sample s : samples) {
            switch (s.served()) {
                case LOCAL -> {
                    if (!s.escalated()) {
                        local.add(s);
                    }
                    if (s.confidence() != null) {
                        confident.add(s);
                    }
                }
                case CLOUD -> cloud.add(s);
                case LEGACY -> {}
            }
        }
        List<Change> changes = new ArrayList<>();
        Change cloudAt = change(CLOUD_AT, current.cloudAt(), scores(local), rules);
        changes.add(cloudAt);
        @Nullable Change legacyAt = null;
        Double legacyInForce = current.legacyAt();
        if (legacyInForce != null) {
            legacyAt = change(LEGACY_AT, legacyInForce, scores(cloud), rules);
            changes.add(legacyAt);
        }
        @Nullable Change escalate = null;
        Double escalateInForce = cascade == null ? null : cascade.escalateBelow();
        if (escalateInForce != null) {
            escalate = change(ESCALATE_BELOW, escalateInForce, confidences(confident), rules);
            changes.add(escalate);
        }
        long used = local.size()
                + cloud.size()
                + confident.stream().filter(Sample::escalated).count();
        Cost costs = new Cost(samples, usdPerRequest, escalatesTo);
        double currentCost = costs.per1000(current, escalateInForce);
        Double cloudProposed = cloudAt.proposed();
        Double legacyProposed = legacyAt == null ? null : legacyAt.proposed();
        Double escalateProposed = escalate == null ? null : escalate.proposed();
        if (cloudProposed == null && legacyProposed == null && escalateProposed == null) {
            String none = used < rules.minSamples()
                    ? used + " verdicts < " + rules.minSamples() + " needed"
                    : "no threshold has " + rules.minSamples() + " verdicts of its own yet";
            return new Report(
                    current, null, none, changes, used, rules.minSamples(), currentCost, null, escalateInForce, null);
        }
        double c = cloudProposed != null ? cloudProposed : current.cloudAt();
        Double l = legacyProposed != null ? legacyProposed : legacyInForce;
        if (l != null && c > l) {
            c = l;
        }
        Double e = escalateProposed != null ? escalateProposed : escalateInForce;
        Policy.Thresholds proposed = new Policy.Thresholds(c, l);
        return new Report(
                current,
                proposed,
                null,
                changes,
                used,
                rules.minSamples(),
                currentCost,
                costs.per1000(proposed, e),
                escalateInForce,
                e);
    }

    /**
     * How one tuned value maps onto the {@link ThresholdTuner}'s score threshold ({@code score < threshold}: the
     * cheaper choice, whose verdicts count).
     */
    private interface Field {
        String name();

        /** The tuner's threshold for a value of this field. */
        double toThreshold(double value);

        /** The field's value for a tuner threshold. */
        double fromThreshold(double threshold);

        /**
         * The value a proposal beyond what the verdicts cover is held at.
         *
         * @param edge the field's value at the edge of the verdicts (the top score, the lowest confidence compared)
         * @param current the value in force
         */
        double hold(double edge, double current);

        /** Why a proposal is held at {@code value}, the edge of the verdicts being {@code edge}. */
        String held(double value, double edge);

        /** Why the proposal is what it is, from the tuner's proposal. */
        String reason(ThresholdProposal p, double value, double target);
    }

    private static final Field CLOUD_AT = new ScoreField("cloud-at");
    private static final Field LEGACY_AT = new ScoreField("legacy-at");

    /** A score threshold: the tuner's own. */
    private record ScoreField(String name) implements Field {
        @Override
        public double toThreshold(double value) {
            return value;
        }

        @Override
        public double fromThreshold(double threshold) {
            return threshold;
        }

        @Override
        public double hold(double edge, double current) {
            return edge;
        }

        @Override
        public String held(double value, double edge) {
            return "held at " + grid(value) + ", the top of the scores compared";
        }

        @Override
        public String reason(ThresholdProposal p, double value, double target) {
            return p.reason();
        }
    }

    /**
     * The cascade's {@code escalate-below}, seen by the tuner as the score {@code 1 − confidence}: an answer is kept
     * (its verdict counts) when its confidence is at or above the value, i.e. its score is below {@code 1 − value}.
     */
    private static final Field ESCALATE_BELOW = new Field() {
        @Override
        public String name() {
            return "escalate-below";
        }

        @Override
        public double toThreshold(double value) {
            return 1.0 - value;
        }

        @Override
        public double fromThreshold(double threshold) {
            return 1.0 - threshold;
        }

        /** Never above the value in force: no verdict says an answer between the two is worse. */
        @Override
        public double hold(double edge, double current) {
            return Math.min(edge, current);
        }

        @Override
        public String held(double value, double edge) {
            return "held at " + grid(value) + ": no answer below confidence " + grid(edge) + " was compared (answers "
                    + "below the escalate-below in force were escalated, and mostly never compared)";
        }

        @Override
        public String reason(ThresholdProposal p, double value, double target) {
            Double threshold = p.threshold();
            if (threshold == null || threshold == 0.0) {
                return "no escalate-below under 1 keeps a lower bound >= " + fmt(target) + ": every answer escalates";
            }
            return "lower bound " + fmt(p.quality().lower()) + " >= " + fmt(target) + " with " + p.verdictsBelow()
                    + " verdicts at confidence >= " + grid(value);
        }
    };

    /** One verdict as the tuner sees it. */
    private record Observed(double score, boolean acceptable) {}

    /**
     * Per verdict, a score just below {@code 1 − confidence}, so that an answer whose confidence is exactly a grid
     * value counts as kept at that value (the cascade escalates only below it).
     */
    private static List<Observed> confidences(List<Sample> samples) {
        return samples.stream()
                .map(s -> new Observed(
                        Math.clamp(1.0 - Objects.requireNonNull(s.confidence()) - 1e-9, 0.0, 1.0), s.acceptable()))
                .toList();
    }

    private static List<Observed> scores(List<Sample> samples) {
        return samples.stream()
                .map(s -> new Observed(s.score(), s.acceptable()))
                .toList();
    }

    private static Change change(Field field, double current, List<Observed> samples, Policy.Tuning rules) {
        ThresholdTuner tuner = new ThresholdTuner(
                new TunerSettings(rules.qualityTarget(), 1.0, rules.minSamples(), CONFIDENCE, BINS, false, 0.1, 0.05),
                new SplittableRandom(0));
        int topBin = -1;
        for (Observed s : samples) {
            tuner.observe(s.score(), s.acceptable());
            topBin = Math.max(topBin, bin(s.score()));
        }
        QualityEstimate now = tuner.estimate(field.toThreshold(current));
        if (samples.size() < rules.minSamples()) {
            return new Change(
                    field.name(),
                    current,
                    null,
                    now,
                    null,
                    samples.size(),
                    samples.size() + " verdicts < " + rules.minSamples() + " needed");
        }
        ThresholdProposal p = tuner.propose();
        Double threshold = p.threshold();
        double best = threshold == null ? field.toThreshold(current) : threshold;
        String reason = field.reason(p, field.fromThreshold(best), rules.qualityTarget());
        double cap = (double) (topBin + 1) / BINS;
        double value = field.fromThreshold(best);
        if (best > cap) {
            double edge = field.fromThreshold(cap);
            value = field.hold(edge, current);
            reason += "; " + field.held(value, edge);
        }
        Double step = rules.maxStep();
        if (step != null && Math.abs(value - current) > step + 1e-12) {
            value = value > current ? current + step : current - step;
            reason += "; limited to a step of " + step;
        }
        value = Math.clamp(grid(value), 0.0, 1.0);
        return new Change(
                field.name(), current, value, now, tuner.estimate(field.toThreshold(value)), samples.size(), reason);
    }

    private static String fmt(double v) {
        return String.format(java.util.Locale.ROOT, "%.4f", v);
    }

    /** The 0.01 bin of a score, as the tuner bins it. */
    private static int bin(double score) {
        double s = Double.isNaN(score) ? 0.0 : Math.clamp(score, 0.0, 1.0);
        return Math.min(BINS - 1, (int) Math.floor(s * BINS + 1e-9));
    }

    private static double grid(double v) {
        return Math.round(v * BINS) / (double) BINS;
    }

    /**
     * The per-request prices of the compared requests: the tier the thresholds choose, plus the first tier of local's
     * fallback chain for a local answer escalated for its confidence.
     */
    private record Cost(
            List<Sample> samples,
            Map<Tier, Double> usdPerRequest,
            @Nullable Tier escalatesTo) {

        double per1000(Policy.Thresholds t, @Nullable Double escalateBelow) {
            if (samples.isEmpty()) {
                return 0.0;
            }
            double sum = 0;
            for (Sample s : samples) {
                Tier tier = t.tierFor(s.score());
                sum += price(tier);
                Double confidence = s.confidence();
                if (tier == Tier.LOCAL
                        && escalateBelow != null
                        && escalatesTo != null
                        && confidence != null
                        && confidence < escalateBelow) {
                    sum += price(escalatesTo);
                }
            }
            return sum * 1000 / samples.size();
        }

        private double price(Tier tier) {
            Double usd = usdPerRequest.get(tier);
            return usd == null ? 0.0 : usd;
        }
    }
}
