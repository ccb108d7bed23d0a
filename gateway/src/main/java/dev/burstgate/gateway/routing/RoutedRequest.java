package dev.burstgate.gateway.routing;

import dev.burstgate.gateway.api.ChatCompletionRequest;
import dev.burstgate.gateway.tenant.Tenant;
import dev.burstgate.policies.Tier;
import java.time.Instant;
import java.util.List;

/**
 * A request after classification and the policy's decision: what the dispatcher needs to answer it and what the
 * cost record needs to describe it.
 *
 * @param tiers the tiers to try, in order (the decided tier first, then the policy's fallback chain)
 * @param startNanos {@link System#nanoTime()} when the request arrived
 */
public record RoutedRequest(
    String requestId,
    Tenant tenant,
    String policy,
    ChatCompletionRequest request,
    double complexity,
    Tier decidedTier,
    List<Tier> tiers,
    String reason,
    Instant startTime,
    long startNanos) {

  /** Characters of the prompt (for usage estimates when an upstream reports none). */
  public long promptChars() {
    long n = 0;
    for (ChatCompletionRequest.Message m : request.messages()) {
      n += m.content().length();
    }
    return n;
  }
}
