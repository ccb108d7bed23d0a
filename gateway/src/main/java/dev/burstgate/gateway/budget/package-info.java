/**
 * Tenant budgets: daily and monthly spend limits enforced by atomic reserve → settle, kept in memory or in Redis
 * (shared by every gateway instance), the budget state routing feeds to the policy, and {@code /admin/budgets}.
 */
@NullMarked
package dev.burstgate.gateway.budget;

import org.jspecify.annotations.NullMarked;
