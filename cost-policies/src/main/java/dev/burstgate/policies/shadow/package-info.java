/**
 * Shadow comparisons: a policy's {@code shadow} rules, the pure decision of which answered requests to shadow and
 * against which tier ({@link ShadowPlanner}, sampling as the threshold tuner does), the judges' pure parts
 * ({@link Judges}, {@link JudgeRubric}), the daily shadow budget ({@link ShadowBudget}) and the per-policy statistics
 * of P(cheaper answer acceptable) with Wilson intervals ({@link ShadowStatistics}). No I/O: the gateway makes the
 * calls.
 */
@NullMarked
package dev.burstgate.policies.shadow;

import org.jspecify.annotations.NullMarked;
