/** Routing a request: its id, the complexity classifier and the tenant's policy, fed with the tiers' live state. */
@NullMarked
package dev.burstgate.gateway.routing;

import org.jspecify.annotations.NullMarked;
