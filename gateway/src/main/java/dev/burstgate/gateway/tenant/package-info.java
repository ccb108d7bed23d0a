/** Tenants: their API keys (kept as SHA-256 digests), the admin key, and rate limits per tenant, in memory or Redis. */
@NullMarked
package dev.burstgate.gateway.tenant;

import org.jspecify.annotations.NullMarked;
