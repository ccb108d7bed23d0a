/**
 * The durable cost ledger: every {@link dev.burstgate.gateway.usage.CostRecord} becomes one row in
 * {@code ledger_request} (and one per attempt in {@code ledger_attempt}), appended to a local journal on the request
 * path (so it survives a crash of the gateway), written to the database off the request path in batches, and replayed
 * from the journal whatever the database could not take when it could; and the reports on top of it,
 * {@code GET /admin/costs/summary} and {@code GET /admin/costs/requests}.
 */
@NullMarked
package dev.burstgate.gateway.ledger;

import org.jspecify.annotations.NullMarked;
