/** Burstgate routing domain: tiers shared by every package below. */
@NullMarked
package dev.burstgate.policies;

import org.jspecify.annotations.NullMarked;
