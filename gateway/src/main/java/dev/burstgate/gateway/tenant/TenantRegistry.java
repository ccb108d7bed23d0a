package dev.burstgate.gateway.tenant;

import dev.burstgate.gateway.tenant.TenantsProperties.Budget;
import dev.burstgate.gateway.tenant.TenantsProperties.TenantProperties;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tenants by the SHA-256 of their key, and the admin key. With no tenants configured the gateway runs with one demo
 * tenant whose key is published ({@link #DEMO_KEY}), and, unless an admin key is configured, the published demo admin
 * key ({@link #DEMO_ADMIN_KEY}); both are announced in the log at start-up.
 */
public final class TenantRegistry {

    /** The demo tenant's key, valid only while no tenant is configured. */
    public static final String DEMO_KEY = "sk-burstgate-demo";
    /** The demo admin key, valid only while neither tenants nor an admin key are configured. */
    public static final String DEMO_ADMIN_KEY = "sk-burstgate-admin-demo";

    private static final Logger log = LoggerFactory.getLogger(TenantRegistry.class);

    private final Map<String, Tenant> byKeyHash;
    private final @Nullable String adminKeyHash;
    private final List<Tenant> tenants;

    /**
     * @param defaultPolicy the policy of tenants that name none ({@code burstgate.policy})
     */
    public TenantRegistry(TenantsProperties props, String defaultPolicy) {
        Map<String, Tenant> map = new HashMap<>();
        Set<String> names = new LinkedHashSet<>();
        List<TenantProperties> configured = props.tenants();
        for (int i = 0; i < configured.size(); i++) {
            TenantProperties t = configured.get(i);
            String hash = t.keySha256().toLowerCase(Locale.ROOT);
            if (!names.add(t.name())) {
                throw new IllegalArgumentException(
                        "burstgate.tenants[" + i + "].name: '" + t.name() + "' is used twice");
            }
            Tenant tenant = new Tenant(
                    t.name(),
                    t.policy() != null ? t.policy() : defaultPolicy,
                    Set.copyOf(t.allowedPolicies()),
                    t.requestsPerSecond(),
                    t.budget());
            if (map.putIfAbsent(hash, tenant) != null) {
                throw new IllegalArgumentException(
                        "burstgate.tenants[" + i + "].key-sha256: the same key is given to two tenants");
            }
        }
        String admin = props.adminKeySha256() != null ? props.adminKeySha256().toLowerCase(Locale.ROOT) : null;
        if (map.isEmpty()) {
            Tenant demo = new Tenant("demo", defaultPolicy, Set.of(Tenant.ANY_POLICY), 100, new Budget(null, null));
            map.put(ApiKeys.sha256(DEMO_KEY), demo);
            log.warn(
                    "No tenants configured: serving the demo tenant with API key '{}' (configure burstgate.tenants for production)",
                    DEMO_KEY);
            if (admin == null) {
                admin = ApiKeys.sha256(DEMO_ADMIN_KEY);
                log.warn("No admin key configured: the admin API accepts the demo key '{}'", DEMO_ADMIN_KEY);
            }
        }
        this.byKeyHash = Map.copyOf(map);
        this.adminKeyHash = admin;
        this.tenants = List.copyOf(map.values());
    }

    public Optional<Tenant> byKey(String key) {
        return Optional.ofNullable(byKeyHash.get(ApiKeys.sha256(key)));
    }

    public boolean isAdminKey(String key) {
        return adminKeyHash != null
                && java.security.MessageDigest.isEqual(
                        adminKeyHash.getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                        ApiKeys.sha256(key).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }

    public boolean adminEnabled() {
        return adminKeyHash != null;
    }

    public List<Tenant> all() {
        return tenants;
    }

    public Optional<Tenant> byName(String name) {
        return tenants.stream().filter(t -> t.name().equals(name)).findFirst();
    }
}
