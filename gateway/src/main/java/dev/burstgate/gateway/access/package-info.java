/**
 * Who may call what: every route declares its {@link dev.burstgate.gateway.access.Access} (public, tenant or admin),
 * every request is matched on one canonical path, and a request that matches no declared route is refused.
 */
@NullMarked
package dev.burstgate.gateway.access;

import org.jspecify.annotations.NullMarked;
