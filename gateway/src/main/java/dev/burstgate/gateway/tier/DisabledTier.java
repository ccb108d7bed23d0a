package dev.burstgate.gateway.tier;

import dev.burstgate.gateway.api.ChatCompletionRequest;
import dev.burstgate.policies.Tier;
import reactor.core.publisher.Flux;

/** A tier with no backend configured and no simulation: never available, so routing skips it. */
public record DisabledTier(Tier tier, String model) implements TierBackend {

    @Override
    public boolean available() {
        return false;
    }

    @Override
    public boolean simulated() {
        return false;
    }

    @Override
    public Flux<UpstreamChunk> call(ChatCompletionRequest request, String requestId) {
        return Flux.error(
                new AttemptFailure("-", AttemptFailure.Kind.UNAVAILABLE, tier.label() + " tier is disabled", null));
    }
}
