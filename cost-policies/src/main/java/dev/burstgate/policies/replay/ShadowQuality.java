package dev.burstgate.policies.replay;

import dev.burstgate.policies.shadow.ShadowStatistics;

/**
 * The quality a replayed policy keeps, estimated from the shadow verdicts the ledger recorded: of the requests the
 * replay serves on a cheaper tier (local or cloud), those for which the ledger holds a verdict on that same tier's
 * answer against a stronger tier's (errors left out; of several, the one against the strongest tier), and of those
 * the share judged acceptable, with its two-sided Wilson score interval at {@value ShadowStatistics#CONFIDENCE}.
 *
 * <p>What it estimates: P(the cheaper answer is as good as the stronger tier's | the replay serves the request on that
 * cheaper tier and the gateway shadowed it there). It is not the quality of all the policy's traffic:
 *
 * <ul>
 *   <li>only requests with a verdict count: a request served where no comparison was recorded (the live policy sent it
 *       elsewhere, or did not shadow it) is left out, neither acceptable nor not; {@link #coverage()} says how many of
 *       the cheaper-served requests the estimate rests on;
 *   <li>requests served by legacy, the strongest tier, have nothing to be compared with and are left out;
 *   <li>the sample is the gateway's shadow sample, not a random draw from the candidate's traffic: the live policy's
 *       {@code shadow} rules chose it (a rate of its eligible requests, only those near the threshold with
 *       {@code near-threshold}, only the listed tier pairs, while the daily shadow budget lasted), among the requests
 *       the live policy served on that tier. A candidate that moves the threshold moves requests the live policy
 *       never served on the cheaper tier, and those have no verdict: the estimate then covers the requests both
 *       policies serve there, which lean towards the easier ones when the candidate sends more down a tier.
 * </ul>
 *
 * @param cheaper requests the replay served on local or cloud (cache hits and refusals left out)
 * @param verdicts among {@code cheaper}, those with a recorded verdict on their tier's answer
 * @param acceptable among {@code verdicts}, those judged acceptable
 */
public record ShadowQuality(int cheaper, int verdicts, int acceptable) {

    /** No request served on a cheaper tier. */
    public static final ShadowQuality NONE = new ShadowQuality(0, 0, 0);

    public ShadowQuality {
        if (cheaper < 0 || verdicts < 0 || acceptable < 0 || verdicts > cheaper || acceptable > verdicts) {
            throw new IllegalArgumentException("need 0 <= acceptable <= verdicts <= cheaper but was " + acceptable
                    + ", " + verdicts + ", " + cheaper);
        }
    }

    /** The share of {@code verdicts} judged acceptable, or NaN without verdicts. */
    public double share() {
        return verdicts == 0 ? Double.NaN : (double) acceptable / verdicts;
    }

    /** The lower bound of the Wilson interval, or NaN without verdicts. */
    public double lower() {
        return verdicts == 0 ? Double.NaN : ShadowStatistics.wilson(acceptable, verdicts)[0];
    }

    /** The upper bound of the Wilson interval, or NaN without verdicts. */
    public double upper() {
        return verdicts == 0 ? Double.NaN : ShadowStatistics.wilson(acceptable, verdicts)[1];
    }

    /** The share of the cheaper-served requests with a verdict, or NaN when there are none. */
    public double coverage() {
        return cheaper == 0 ? Double.NaN : (double) verdicts / cheaper;
    }
}
