/**
 * Replays the gateway's own traffic from its ledger: each request's recorded routing inputs through the same
 * {@link dev.burstgate.policies.routing.Router} under the live or a candidate policy, with the local engine's service
 * times calibrated from the recorded ones, and checks the replay of the live policy against the ledger.
 */
@NullMarked
package dev.burstgate.policies.replay;

import org.jspecify.annotations.NullMarked;
