/**
 * Answering a routed request: the {@link dev.burstgate.gateway.dispatch.Dispatcher} tries its tiers in order, holds a
 * budget reservation for every priced attempt ({@link dev.burstgate.gateway.dispatch.BudgetFlow}), falls back only
 * while nothing has reached the client, and emits {@link dev.burstgate.gateway.dispatch.AnswerEvent}s — no HTTP in
 * them; {@link dev.burstgate.gateway.dispatch.CostRecords} builds the one cost record of every request.
 */
@NullMarked
package dev.burstgate.gateway.dispatch;

import org.jspecify.annotations.NullMarked;
