package dev.burstgate.gateway.tenant;

import dev.burstgate.gateway.tenant.TenantsProperties.Budget;
import java.util.Set;

/**
 * An API client of the gateway.
 *
 * @param name appears in metrics, the ledger and reports
 * @param policy the policy applied unless the request picks an allowed other one
 * @param allowedPolicies policies the tenant may pick with {@code X-Burstgate-Policy} ({@value #ANY_POLICY}: any)
 * @param requestsPerSecond request rate limit
 * @param budget spend limits
 */
public record Tenant(String name, String policy, Set<String> allowedPolicies, int requestsPerSecond, Budget budget) {

    /** Exchange attribute holding the request's tenant, once its key is checked. */
    public static final String ATTRIBUTE = Tenant.class.getName();

    /** Allows any registered policy when listed in {@code allowed-policies}. */
    public static final String ANY_POLICY = "*";

    public boolean mayUse(String otherPolicy) {
        return policy.equals(otherPolicy)
                || allowedPolicies.contains(otherPolicy)
                || allowedPolicies.contains(ANY_POLICY);
    }
}
