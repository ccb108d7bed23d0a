/** Cost records: one per request with its attempts, published to the meters, the recent-records list and the ledger. */
@NullMarked
package dev.burstgate.gateway.usage;

import org.jspecify.annotations.NullMarked;
