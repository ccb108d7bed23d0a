/**
 * Who may call what: every route declares its {@link dev.burstgate.gateway.access.Access} (public, tenant or admin),
 * through {@link dev.burstgate.gateway.access.AccessRoutes} or an {@link dev.burstgate.gateway.access.AccessRule}
 * bean; the guard ({@code dev.burstgate.gateway.guard}) enforces the rules.
 */
@NullMarked
package dev.burstgate.gateway.access;

import org.jspecify.annotations.NullMarked;
