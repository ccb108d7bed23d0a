/** Tenant budget state and the budget rules a policy applies to it. */
@NullMarked
package dev.burstgate.policies.budget;

import org.jspecify.annotations.NullMarked;
