/** The exact-match cache of deterministic non-streamed answers, per tenant. */
@NullMarked
package dev.burstgate.gateway.cache;

import org.jspecify.annotations.NullMarked;
