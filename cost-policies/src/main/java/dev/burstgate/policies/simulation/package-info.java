/** Replays traffic through the same policies and router the gateway uses. */
@NullMarked
package dev.burstgate.policies.simulation;

import org.jspecify.annotations.NullMarked;
