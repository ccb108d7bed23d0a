package dev.burstgate.gateway.tenant;

import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import java.math.BigDecimal;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The gateway's clients and its admin key.
 *
 * @param tenants API tenants; none configured means one demo tenant with a published key
 * @param adminKeySha256 SHA-256 (hex) of the admin API key
 */
@Validated
@ConfigurationProperties(prefix = "burstgate")
public record TenantsProperties(
        @DefaultValue @Valid List<TenantProperties> tenants,

        @Nullable @Pattern(regexp = "[0-9a-fA-F]{64}", message = "must be 64 hex characters (a SHA-256)")
        String adminKeySha256) {

    /**
     * One tenant.
     *
     * @param name the tenant's name (appears in metrics, ledger and reports)
     * @param keySha256 SHA-256 (hex) of the tenant's API key; the key itself is never configured or logged
     * @param policy the tenant's policy; none means {@code burstgate.policy}
     * @param allowedPolicies other policies the tenant may pick per request with {@code X-Burstgate-Policy}
     * @param requestsPerSecond the tenant's request rate limit
     * @param budget daily and monthly spend limits in USD (none: unlimited), enforced per UTC day and month
     */
    public record TenantProperties(
            @NotBlank String name,

            @NotBlank @Pattern(regexp = "[0-9a-fA-F]{64}", message = "must be 64 hex characters (a SHA-256)")
            String keySha256,

            @Nullable String policy,
            @DefaultValue List<String> allowedPolicies,
            @DefaultValue("50") @Min(1) int requestsPerSecond,
            @DefaultValue @Valid Budget budget) {}

    /**
     * A tenant's spend limits in USD per UTC day and per UTC month; absent means unlimited. Enforced: each attempt on a
     * priced tier reserves its estimated cost first and is refused when spent + reserved would pass a limit; the
     * policy degrades at its thresholds and acts at 100 % ({@code reject}: HTTP 402 {@code budget_exhausted}, unless the
     * local tier is free; {@code local-only}: local keeps serving). At most 1,000,000 and nine decimals each. Shared by
     * every instance when {@code spring.data.redis.*} is set, per instance otherwise; {@code PUT /admin/budgets/{tenant}}
     * overrides them at run time. See {@code burstgate.budgets.*} for how they are enforced.
     *
     * @param daily USD per UTC day, or absent
     * @param monthly USD per UTC month, or absent
     */
    public record Budget(
            @Nullable @DecimalMin("0") BigDecimal daily,
            @Nullable @DecimalMin("0") BigDecimal monthly) {}
}
