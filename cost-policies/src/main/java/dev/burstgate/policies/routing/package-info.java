/** The routing decision: a pure function from signals and a policy to a tier or a rejection. */
@NullMarked
package dev.burstgate.policies.routing;

import org.jspecify.annotations.NullMarked;
