/** Exact money: prices per tier, the cost of an attempt, the legacy baseline and the saving. */
@NullMarked
package dev.burstgate.policies.cost;

import org.jspecify.annotations.NullMarked;
