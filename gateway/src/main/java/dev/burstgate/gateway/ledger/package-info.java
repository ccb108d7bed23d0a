/**
 * The durable cost ledger: every {@link dev.burstgate.gateway.usage.CostRecord} becomes one row in
 * {@code ledger_request} (and one per attempt in {@code ledger_attempt}), written off the request path in batches,
 * spilled to a local file while the database cannot take it and replayed once it can; and the reports on top of it,
 * {@code GET /admin/costs/summary} and {@code GET /admin/costs/requests}.
 */
@NullMarked
package dev.burstgate.gateway.ledger;

import org.jspecify.annotations.NullMarked;
