/** Demo mode: simulated local-engine servers on loopback standing in for unconfigured remote tiers. */
@NullMarked
package dev.burstgate.gateway.demo;

import org.jspecify.annotations.NullMarked;
