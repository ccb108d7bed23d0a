package dev.burstgate.gateway.access;

/** Who may call a route. */
public enum Access {
    /** Anyone, without a key: the dashboard page and its assets, the health check. */
    PUBLIC,
    /** A tenant's API key ({@code Authorization: Bearer <key>}); the tenant's rate limit applies. */
    TENANT,
    /** The admin key. */
    ADMIN
}
