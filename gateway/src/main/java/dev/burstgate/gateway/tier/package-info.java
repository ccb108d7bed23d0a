/**
 * The tiers' backends: the cloud pool behind a load balancer and the legacy API, each with breakers, bulkheads and
 * time limits, their prices and resilience settings, demo-mode stand-ins, and the redaction of credentials from
 * upstream text.
 */
@NullMarked
package dev.burstgate.gateway.tier;

import org.jspecify.annotations.NullMarked;
