package dev.burstgate.gateway.testsupport;

import dev.burstgate.gateway.api.ChatCompletionRequest;
import dev.burstgate.gateway.tier.TierBackend;
import dev.burstgate.gateway.tier.UpstreamChunk;
import dev.burstgate.policies.Tier;
import java.util.function.Function;
import reactor.core.publisher.Flux;

/**
 * A tier whose attempts a test scripts: what one attempt emits is a function of the request ({@link Upstream} builds
 * the chunks). A real {@link TierBackend}, driven by the dispatcher as the local and remote backends are.
 *
 * @param available what {@link TierBackend#available()} answers (the router and the dispatcher skip a tier that is not)
 */
public record ScriptedTier(Tier tier, boolean available, Function<ChatCompletionRequest, Flux<UpstreamChunk>> script)
        implements TierBackend {

    /** An available tier. */
    public ScriptedTier(Tier tier, Function<ChatCompletionRequest, Flux<UpstreamChunk>> script) {
        this(tier, true, script);
    }

    @Override
    public boolean simulated() {
        return true;
    }

    @Override
    public String model() {
        return tier.label();
    }

    @Override
    public Flux<UpstreamChunk> call(ChatCompletionRequest request, String requestId) {
        return Flux.defer(() -> script.apply(request));
    }
}
