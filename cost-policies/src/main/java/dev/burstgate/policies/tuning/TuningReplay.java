package dev.burstgate.policies.tuning;

import java.util.Arrays;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Replays labelled requests, in arrival order, through a {@link ThresholdTuner} the way the gateway would run it:
 * every request is scored, the tuner chooses which to shadow, and only a shadowed request's verdict is read.
 */
public final class TuningReplay {

    private TuningReplay() {}

    /** The verdict of one request: whether the cheaper tier's answer was acceptable. */
    @FunctionalInterface
    public interface Verdicts {
        /**
         * @param request index of the request in arrival order
         */
        boolean acceptable(int request);
    }

    /**
     * The outcome of a replay.
     *
     * @param proposal the tuner's proposal after the last request
     * @param shadowed indices (arrival order) of the shadowed requests, ascending
     * @param tuner the tuner, to ask further questions (e.g. the quality of the thresholds in force)
     */
    public record Result(ThresholdProposal proposal, int[] shadowed, ThresholdTuner tuner) {
        public Result {
            Objects.requireNonNull(proposal, "proposal");
            shadowed = shadowed.clone();
            Objects.requireNonNull(tuner, "tuner");
        }

        @Override
        public int[] shadowed() {
            return shadowed.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Result r
                    && proposal.equals(r.proposal)
                    && Arrays.equals(shadowed, r.shadowed)
                    && tuner == r.tuner;
        }

        @Override
        public int hashCode() {
            return Objects.hash(proposal, Arrays.hashCode(shadowed), System.identityHashCode(tuner));
        }

        @Override
        public String toString() {
            return "Result[proposal=" + proposal + ", shadowed=" + shadowed.length + "]";
        }
    }

    /**
     * Replays {@code scores} in order.
     *
     * @param scores complexity scores in arrival order
     * @param verdicts asked only for shadowed requests, right after the tuner chose them
     * @param settings the tuner's settings
     * @param seed seed of the shadow draws
     */
    public static Result run(double[] scores, Verdicts verdicts, TunerSettings settings, long seed) {
        ThresholdTuner tuner = new ThresholdTuner(settings, new SplittableRandom(seed));
        int[] shadowed = new int[scores.length];
        int n = 0;
        for (int i = 0; i < scores.length; i++) {
            if (tuner.shouldShadow(scores[i])) {
                shadowed[n++] = i;
                tuner.record(scores[i], verdicts.acceptable(i));
            }
        }
        return new Result(tuner.propose(), Arrays.copyOf(shadowed, n), tuner);
    }
}
