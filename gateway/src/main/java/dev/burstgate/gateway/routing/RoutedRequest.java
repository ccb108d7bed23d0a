package dev.burstgate.gateway.routing;

import dev.burstgate.gateway.api.ChatCompletionRequest;
import dev.burstgate.gateway.tenant.Tenant;
import dev.burstgate.policies.Tier;
import dev.burstgate.policies.budget.ExhaustedAction;
import dev.burstgate.policies.cost.TokenEstimate;
import dev.burstgate.policies.policy.Policy;
import dev.burstgate.policies.routing.RoutingInput;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A request after classification and the policy's decision: what the dispatcher needs to answer it and what the
 * cost record needs to describe it.
 *
 * @param tiers the tiers to try, in order (the decided tier first, then the policy's fallback chain)
 * @param startNanos {@link System#nanoTime()} when the request arrived
 * @param onExhausted what a refused budget reservation leads to: {@link ExhaustedAction#REJECT} continues only with
 *     cheaper or free tiers of {@code tiers}; {@link ExhaustedAction#LOCAL_ONLY} continues only with the local tier
 *     (added after the others when the request forced no tier), which is then served past the limit. The router
 *     passes {@code LOCAL_ONLY} only when the policy allows the local tier.
 * @param cascade set when {@code tiers} starts with the local tier and its answer is judged before it is kept: an
 *     answer that looks unsure is billed, discarded, and the request goes on with the next tier; else null
 * @param routingInput what the router saw (the ledger keeps it for the policy lab's replays); null when not known
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
        long startNanos,
        ExhaustedAction onExhausted,
        Policy.@Nullable Cascade cascade,
        @Nullable RoutingInput routingInput) {

    /** A routed request that does not cascade, without the router's inputs. */
    public RoutedRequest(
            String requestId,
            Tenant tenant,
            String policy,
            ChatCompletionRequest request,
            double complexity,
            Tier decidedTier,
            List<Tier> tiers,
            String reason,
            Instant startTime,
            long startNanos,
            ExhaustedAction onExhausted) {
        this(
                requestId,
                tenant,
                policy,
                request,
                complexity,
                decidedTier,
                tiers,
                reason,
                startTime,
                startNanos,
                onExhausted,
                null,
                null);
    }

    /** A routed request whose budget refusals reject ({@link ExhaustedAction#REJECT}). */
    public RoutedRequest(
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
        this(
                requestId,
                tenant,
                policy,
                request,
                complexity,
                decidedTier,
                tiers,
                reason,
                startTime,
                startNanos,
                ExhaustedAction.REJECT);
    }

    /** Prompt tokens estimated from the characters ({@link TokenEstimate}), as when an upstream reports no usage. */
    public long estimatedPromptTokens() {
        return TokenEstimate.promptTokens(promptChars());
    }

    /** Characters of the prompt (for usage estimates when an upstream reports none). */
    public long promptChars() {
        return request.promptChars();
    }
}
