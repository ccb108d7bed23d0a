/**
 * Thresholds that hold a quality target: from a policy's shadow comparisons, the proposal of its {@code tuning}
 * block ({@code GET /admin/policies/{name}/tuning}), applied by hand or automatically as a versioned overlay that the
 * policy registry reloads, with an append-only audit trail and one-call rollback.
 */
@NullMarked
package dev.burstgate.gateway.tuning;

import org.jspecify.annotations.NullMarked;
