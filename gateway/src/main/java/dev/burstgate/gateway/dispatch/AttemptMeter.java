package dev.burstgate.gateway.dispatch;

import dev.burstgate.gateway.budget.BudgetClaim;
import dev.burstgate.gateway.tier.AnswerConfidence;
import dev.burstgate.gateway.tier.UpstreamChunk;
import dev.burstgate.policies.Tier;
import dev.burstgate.policies.cost.TokenEstimate;
import dev.burstgate.policies.cost.Usage;
import dev.burstgate.policies.cost.Usd;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * Watches one attempt's chunks: the endpoint, the usage the upstream reported, and a count of content chunks to
 * estimate usage when it reported none; and the attempt's budget claim, if its tier is priced.
 */
final class AttemptMeter {

    final Tier tier;
    /** When the attempt started, on the dispatcher's clock (set again by {@link RequestTrace#begin}). */
    volatile long startNanos;

    private final @Nullable BudgetClaim claim;
    volatile @Nullable String endpoint;
    volatile @Nullable Usage reported;
    volatile long contentChunks;
    volatile long contentChars;
    volatile boolean produced;
    /** The answer's confidence, when the tier measured it (a cascade asked). */
    volatile @Nullable AnswerConfidence confidence;
    /** Whether a cascade judged the answer and kept it. */
    volatile boolean judged;
    /** The figure it judged it by, when the engine measured a confidence. */
    volatile @Nullable Double judgedBy;

    AttemptMeter(Tier tier, @Nullable BudgetClaim claim) {
        this(tier, claim, 0);
    }

    AttemptMeter(Tier tier, @Nullable BudgetClaim claim, long startNanos) {
        this.tier = tier;
        this.claim = claim;
        this.startNanos = startNanos;
    }

    /** Settles the attempt's reservation with its billed cost (zero releases it); only the first call counts. */
    void closeClaim(Usd cost) {
        if (claim != null) {
            claim.close(cost);
        }
    }

    void see(UpstreamChunk c) {
        endpoint = c.endpoint();
        produced = true;
        if (c.confidence() != null) {
            confidence = c.confidence();
        }
        JsonNode usage = c.json().get("usage");
        if (usage != null && usage.isObject()) {
            reported = new Usage(
                    Math.max(0, usage.path("prompt_tokens").asLong(0)),
                    Math.max(0, usage.path("completion_tokens").asLong(0)));
        }
        for (JsonNode choice : c.json().path("choices")) {
            JsonNode delta = choice.has("delta") ? choice.get("delta") : choice.path("message");
            String text = delta.path("content").asString("");
            String reasoning = delta.path("reasoning_content").asString("");
            long calls = 0;
            for (JsonNode call : delta.path("tool_calls")) {
                calls += call.path("function").path("name").asString("").length()
                        + call.path("function").path("arguments").asString("").length();
            }
            if (!text.isEmpty() || !reasoning.isEmpty() || calls > 0) {
                contentChunks++;
                contentChars += text.length() + reasoning.length() + calls;
            }
        }
    }

    /**
     * The reported usage, or an estimate ({@link TokenEstimate}): about four characters a token for the prompt and a
     * non-streamed answer, one token a streamed chunk.
     */
    Usage usage(long promptChars, boolean stream) {
        Usage u = reported;
        if (u != null) {
            return u;
        }
        long completion = stream ? contentChunks : TokenEstimate.ofChars(contentChars);
        return new Usage(TokenEstimate.promptTokens(promptChars), completion);
    }

    boolean estimated() {
        return reported == null;
    }
}
