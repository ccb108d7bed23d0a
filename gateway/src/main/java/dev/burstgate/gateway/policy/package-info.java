/** The deployed cost policies: the registry (presets plus a hot-reloaded directory) and {@code GET /admin/policies}. */
@NullMarked
package dev.burstgate.gateway.policy;

import org.jspecify.annotations.NullMarked;
