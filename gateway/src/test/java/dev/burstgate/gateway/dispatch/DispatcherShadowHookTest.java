package dev.burstgate.gateway.dispatch;

import static dev.burstgate.gateway.testsupport.Upstream.chunk;
import static dev.burstgate.gateway.testsupport.Upstream.completion;
import static dev.burstgate.gateway.testsupport.Upstream.failBeforeFirstByte;
import static dev.burstgate.gateway.testsupport.Upstream.up;
import static dev.burstgate.gateway.testsupport.Upstream.usageChunk;
import static org.assertj.core.api.Assertions.assertThat;

import dev.burstgate.gateway.api.ChatCompletionRequest;
import dev.burstgate.gateway.api.ChatRequestParser;
import dev.burstgate.gateway.budget.BudgetLimits;
import dev.burstgate.gateway.budget.BudgetStore;
import dev.burstgate.gateway.response.ResponseWriter;
import dev.burstgate.gateway.routing.RoutedRequest;
import dev.burstgate.gateway.tenant.Tenant;
import dev.burstgate.gateway.tenant.TenantsProperties.Budget;
import dev.burstgate.gateway.testsupport.ScriptedTier;
import dev.burstgate.gateway.tier.AttemptFailure;
import dev.burstgate.gateway.tier.TierBackend;
import dev.burstgate.gateway.usage.CostEvents;
import dev.burstgate.policies.Tier;
import dev.burstgate.policies.cost.PriceTable;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import reactor.core.publisher.Flux;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The dispatcher's shadow hook: asked once, with the tier that answered; shown only the answer it watches; told of a
 * complete answer once and of a cut one never; and whatever it does, the client's answer is the same byte for byte.
 */
class DispatcherShadowHookTest {

    private final JsonMapper json = JsonMapper.builder().build();
    private final PriceTable prices = PriceTable.defaults();

    /** A hook that watches every answer and remembers what it was shown and told. */
    static final class Recording implements ShadowHook {
        final List<Tier> asked = new ArrayList<>();
        final List<String> seen = new ArrayList<>();
        int completed;
        boolean watch = true;
        boolean explode;

        @Override
        public @Nullable Watch watch(RoutedRequest routed, Tier served) {
            asked.add(served);
            if (explode) {
                throw new IllegalStateException("boom");
            }
            if (!watch) {
                return null;
            }
            return new Watch() {
                @Override
                public void see(ObjectNode chunk) {
                    seen.add(chunk.toString());
                }

                @Override
                public void complete() {
                    completed++;
                }
            };
        }
    }

    private String answer(ShadowHook hook, String body, TierBackend... backends) {
        Dispatcher d = new Dispatcher(
                List.of(backends),
                prices,
                BudgetStore.inMemory(t -> BudgetLimits.NONE, InstantSource.system()),
                new CostRecords(prices, new CostEvents(List.of()), System::nanoTime),
                256,
                dev.burstgate.policies.capability.TierCapabilities.UNRESTRICTED,
                hook);
        ChatCompletionRequest request =
                new ChatRequestParser(json, Map.of()).parse(body.getBytes(StandardCharsets.UTF_8));
        List<Tier> tiers = new ArrayList<>();
        for (TierBackend b : backends) {
            tiers.add(b.tier());
        }
        RoutedRequest routed = new RoutedRequest(
                "req_1",
                new Tenant("acme", "balanced", Set.of(), 10, new Budget(null, null)),
                "balanced",
                request,
                0.42,
                tiers.get(0),
                tiers,
                "score 0.42",
                Instant.EPOCH,
                System.nanoTime());
        var ex = MockServerWebExchange.from(MockServerHttpRequest.post("/v1/chat/completions"));
        new ResponseWriter(json)
                .write(ex.getResponse(), d.dispatch(routed), request.stream())
                .block();
        // The response's created/id come from the scripted chunks, so two runs compare byte for byte.
        return ex.getResponse().getBodyAsString().block();
    }

    private static final String STREAM =
            "{\"stream\":true,\"stream_options\":{\"include_usage\":true},\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    private static final String PLAIN = "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    private static TierBackend failingLocal() {
        return new ScriptedTier(Tier.LOCAL, r -> failBeforeFirstByte("busy"));
    }

    private static TierBackend streamingCloud() {
        return new ScriptedTier(
                Tier.CLOUD, r -> Flux.just(up(chunk("Hel", null)), up(chunk("lo", "stop")), up(usageChunk(3, 2))));
    }

    @Test
    void aStreamedAnswerIsWatchedOnceWithTheTierThatAnsweredAndCompletedOnceAndUnchanged() {
        String without = answer(ShadowHook.OFF, STREAM, failingLocal(), streamingCloud());
        Recording hook = new Recording();
        String with = answer(hook, STREAM, failingLocal(), streamingCloud());

        assertThat(with).isEqualTo(without);
        assertThat(hook.asked).containsExactly(Tier.CLOUD);
        assertThat(hook.seen).hasSize(3);
        assertThat(String.join("", hook.seen)).contains("Hel", "lo", "\"prompt_tokens\":3");
        assertThat(hook.completed).isEqualTo(1);
    }

    @Test
    void aNonStreamedAnswerIsShownWholeAndCompletedOnce() {
        TierBackend cloud = new ScriptedTier(Tier.CLOUD, r -> Flux.just(up(completion("Hello", 3, 2))));
        String without = answer(ShadowHook.OFF, PLAIN, cloud);
        Recording hook = new Recording();
        String with = answer(hook, PLAIN, new ScriptedTier(Tier.CLOUD, r -> Flux.just(up(completion("Hello", 3, 2)))));

        assertThat(with).isEqualTo(without);
        assertThat(hook.asked).containsExactly(Tier.CLOUD);
        assertThat(hook.seen).singleElement().asString().contains("\"content\":\"Hello\"");
        assertThat(hook.completed).isEqualTo(1);
    }

    @Test
    void aStreamCutMidwayIsNeverComplete() {
        Recording hook = new Recording();
        String body = answer(
                hook,
                STREAM,
                new ScriptedTier(
                        Tier.CLOUD,
                        r -> Flux.concat(
                                Flux.just(up(chunk("Part", null))),
                                Flux.error(new AttemptFailure(
                                        "http://node", AttemptFailure.Kind.CONNECTION_LOST, "reset", null)))));

        assertThat(body).contains("stream_cut");
        assertThat(hook.asked).containsExactly(Tier.CLOUD);
        assertThat(hook.completed).isZero();
    }

    @Test
    void anAnswerNotWatchedIsNeverShownAndAHookThatFailsChangesNothing() {
        String without = answer(ShadowHook.OFF, STREAM, streamingCloud());
        Recording quiet = new Recording();
        quiet.watch = false;
        assertThat(answer(quiet, STREAM, streamingCloud())).isEqualTo(without);
        assertThat(quiet.asked).containsExactly(Tier.CLOUD);
        assertThat(quiet.seen).isEmpty();
        assertThat(quiet.completed).isZero();

        Recording failing = new Recording();
        failing.explode = true;
        assertThat(answer(failing, STREAM, streamingCloud())).isEqualTo(without);
        assertThat(failing.completed).isZero();
    }
}
