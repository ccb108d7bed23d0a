/**
 * The guard at the door: every request's path brought to its canonical spelling, matched against the access rules
 * every route declares ({@link dev.burstgate.gateway.access}), and the key checked — deny by default.
 */
@NullMarked
package dev.burstgate.gateway.guard;

import org.jspecify.annotations.NullMarked;
