/** What every feature shares: the clock, the data directory, and the defaults that depend on Redis being configured. */
@NullMarked
package dev.burstgate.gateway.config;

import org.jspecify.annotations.NullMarked;
