/**
 * Shadow comparisons: after a request's answer is complete, a sample of requests (a policy's {@code shadow} rules) is
 * sent again to a stronger tier off the client's path, priced, charged to the policy's daily shadow budget, judged,
 * kept in the ledger and counted in per-policy statistics shown by {@code GET /admin/policies/{name}/shadow}.
 */
@NullMarked
package dev.burstgate.gateway.shadow;

import org.jspecify.annotations.NullMarked;
