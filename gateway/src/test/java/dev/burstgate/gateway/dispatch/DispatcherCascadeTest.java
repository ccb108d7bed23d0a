package dev.burstgate.gateway.dispatch;

import static dev.burstgate.gateway.testsupport.Upstream.chunk;
import static dev.burstgate.gateway.testsupport.Upstream.completion;
import static dev.burstgate.gateway.testsupport.Upstream.up;
import static dev.burstgate.gateway.testsupport.Upstream.usageChunk;
import static org.assertj.core.api.Assertions.assertThat;

import dev.burstgate.gateway.api.ChatCompletionRequest;
import dev.burstgate.gateway.api.ChatRequestParser;
import dev.burstgate.gateway.budget.BudgetLimits;
import dev.burstgate.gateway.budget.BudgetStore;
import dev.burstgate.gateway.routing.RoutedRequest;
import dev.burstgate.gateway.tenant.Tenant;
import dev.burstgate.gateway.tenant.TenantsProperties.Budget;
import dev.burstgate.gateway.testsupport.ScriptedTier;
import dev.burstgate.gateway.tier.AnswerConfidence;
import dev.burstgate.gateway.tier.UpstreamChunk;
import dev.burstgate.gateway.usage.AttemptRecord;
import dev.burstgate.gateway.usage.CostEvents;
import dev.burstgate.gateway.usage.CostRecord;
import dev.burstgate.gateway.usage.Outcome;
import dev.burstgate.policies.Tier;
import dev.burstgate.policies.budget.ExhaustedAction;
import dev.burstgate.policies.cost.PriceTable;
import dev.burstgate.policies.policy.Policy;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Flux;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The dispatcher's side of a cascade, with a local tier whose answers carry a known confidence: it escalates exactly
 * when the confidence is below {@code escalate-below}, bills and records both attempts, and says why.
 */
class DispatcherCascadeTest {

    private final JsonMapper json = JsonMapper.builder().build();
    private final List<CostRecord> records = new ArrayList<>();
    private final PriceTable prices = PriceTable.defaults();
    private final AtomicInteger cloudCalls = new AtomicInteger();

    private Dispatcher dispatcher(double confidence) {
        return dispatcher(confidence, ShadowHook.OFF);
    }

    private Dispatcher dispatcher(double confidence, ShadowHook hook) {
        AnswerConfidence c = new AnswerConfidence(7, confidence, confidence / 2, 1.2);
        ScriptedTier local = new ScriptedTier(
                Tier.LOCAL,
                r -> r.stream()
                        ? Flux.just(
                                new UpstreamChunk("in-process", chunk("Local ", null)),
                                new UpstreamChunk("in-process", chunk("answer.", "stop"), c),
                                new UpstreamChunk("in-process", usageChunk(12, 7)))
                        : Flux.just(new UpstreamChunk("in-process", completion("Local answer.", 12, 7), c)));
        ScriptedTier cloud = new ScriptedTier(Tier.CLOUD, r -> {
            cloudCalls.incrementAndGet();
            return r.stream()
                    ? Flux.just(up(chunk("Cloud answer.", "stop")), up(usageChunk(12, 3)))
                    : Flux.just(up(completion("Cloud answer.", 12, 3)));
        });
        return new Dispatcher(
                List.of(local, cloud),
                prices,
                BudgetStore.inMemory(t -> BudgetLimits.NONE, InstantSource.system()),
                new CostRecords(prices, new CostEvents(List.of(records::add)), System::nanoTime),
                256,
                dev.burstgate.policies.capability.TierCapabilities.UNRESTRICTED,
                hook);
    }

    /** A hook that watches every answer and every escalation, and remembers what it was shown and told. */
    static final class Hook implements ShadowHook {
        final List<String> events = new ArrayList<>();

        @Override
        public Watch watch(RoutedRequest routed, Tier served) {
            events.add("watch " + served.label());
            return watcher("served");
        }

        @Override
        public Watch escalated(
                RoutedRequest routed, List<ObjectNode> discarded, @Nullable Double confidence, Tier answering) {
            events.add("escalated " + confidence + " to " + answering.label() + ": "
                    + String.join(
                            "|", discarded.stream().map(ObjectNode::toString).toList()));
            return watcher("replacing");
        }

        private Watch watcher(String name) {
            return new Watch() {
                @Override
                public void see(ObjectNode chunk) {
                    events.add(name + " sees " + chunk.path("choices").path(0).toString());
                }

                @Override
                public void judged(double confidence) {
                    events.add(name + " judged " + confidence);
                }

                @Override
                public void complete() {
                    events.add(name + " complete");
                }
            };
        }
    }

    @Test
    void aKeptAnswersConfidenceIsToldToItsWatchBeforeItCompletes() {
        Hook hook = new Hook();
        dispatcher(0.8, hook).dispatch(routed(PLAIN, below(0.55))).collectList().block();
        assertThat(hook.events).hasSize(4);
        assertThat(hook.events.get(0)).isEqualTo("watch local");
        assertThat(hook.events.get(1)).startsWith("served sees ").contains("Local answer.");
        assertThat(hook.events.subList(2, 4)).containsExactly("served judged 0.8", "served complete");
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void anEscalatedAnswerIsHandedToTheHookWithTheAnswerThatReplacedIt(boolean stream) {
        Hook hook = new Hook();
        Policy.Cascade cascade = stream
                ? new Policy.Cascade(0.55, Policy.Signal.MEAN_PROB, true, new Policy.StreamBuffer(100, 60_000))
                : below(0.55);
        dispatcher(0.3, hook)
                .dispatch(routed(stream ? STREAM : PLAIN, cascade))
                .collectList()
                .block();
        assertThat(hook.events.get(0)).isEqualTo("watch cloud");
        assertThat(hook.events.get(1)).startsWith("escalated 0.3 to cloud: ").contains("answer.");
        assertThat(hook.events)
                .filteredOn(e -> e.startsWith("replacing sees"))
                .anySatisfy(e -> assertThat(e).contains("Cloud answer."));
        assertThat(hook.events)
                .filteredOn(e -> e.startsWith("replacing"))
                .last()
                .isEqualTo("replacing complete");
        assertThat(hook.events).noneMatch(e -> e.contains("judged"));
        assertThat(hook.events).filteredOn(e -> e.endsWith("complete")).hasSize(2);
    }

    private RoutedRequest routed(String body, Policy.@Nullable Cascade cascade) {
        ChatCompletionRequest request =
                new ChatRequestParser(json, Map.of()).parse(body.getBytes(StandardCharsets.UTF_8));
        return new RoutedRequest(
                "req_1",
                new Tenant("acme", "balanced", Set.of(), 10, new Budget(null, null)),
                "cascading",
                request,
                0.2,
                Tier.LOCAL,
                List.of(Tier.LOCAL, Tier.CLOUD),
                "score 0.20 < 0.45 → local",
                Instant.EPOCH,
                System.nanoTime(),
                ExhaustedAction.REJECT,
                cascade,
                null);
    }

    private static Policy.Cascade below(double threshold) {
        return new Policy.Cascade(threshold, Policy.Signal.MEAN_PROB, true, null);
    }

    private static final String PLAIN = "{\"messages\":[{\"role\":\"user\",\"content\":\"hello there\"}]}";
    private static final String STREAM = "{\"stream\":true,\"stream_options\":{\"include_usage\":true},"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"hello there\"}]}";

    @ParameterizedTest
    @ValueSource(doubles = {0.0, 0.12, 0.41, 0.5499, 0.55, 0.7, 1.0})
    void escalatesExactlyWhenTheConfidenceIsBelowTheThreshold(double confidence) {
        boolean escalates = confidence < 0.55;
        List<AnswerEvent> events = dispatcher(confidence)
                .dispatch(routed(PLAIN, below(0.55)))
                .collectList()
                .block();
        AnswerEvent.Started started = (AnswerEvent.Started) events.get(0);
        AnswerEvent.Completion answer = (AnswerEvent.Completion) events.get(1);
        CostRecord record = records.getLast();
        if (escalates) {
            assertThat(started.tier()).isEqualTo(Tier.CLOUD);
            assertThat(started.reason())
                    .startsWith("score 0.20 < 0.45 → local; local confidence ")
                    .contains(" < 0.55")
                    .endsWith(" → cloud");
            assertThat(answer.body()
                            .path("choices")
                            .get(0)
                            .path("message")
                            .path("content")
                            .asString())
                    .isEqualTo("Cloud answer.");
            assertThat(answer.cost().amount()).isEqualByComparingTo("0.20");
            assertThat(record.attempts())
                    .extracting(AttemptRecord::outcome)
                    .containsExactly(Outcome.ESCALATED, Outcome.OK);
            AttemptRecord local = record.attempts().get(0);
            assertThat(local.cost().amount()).isEqualByComparingTo("0.02");
            assertThat(local.judged()).isTrue();
            assertThat(local.confidence()).isEqualTo(confidence);
            assertThat(local.latency()).isNotNull();
            assertThat(local.usage().completionTokens()).isEqualTo(7);
            assertThat(record.reason()).isEqualTo(started.reason());
            assertThat(cloudCalls).hasValue(1);
        } else {
            assertThat(started.tier()).isEqualTo(Tier.LOCAL);
            assertThat(started.reason()).isEqualTo("score 0.20 < 0.45 → local");
            assertThat(answer.cost().amount()).isEqualByComparingTo("0.02");
            assertThat(record.attempts()).hasSize(1);
            assertThat(record.attempts().get(0).judged()).isTrue();
            assertThat(record.attempts().get(0).confidence()).isEqualTo(confidence);
            assertThat(record.outcome()).isEqualTo(Outcome.OK);
            assertThat(cloudCalls).hasValue(0);
        }
    }

    @Test
    void withoutACascadeTheLocalAnswerIsNeitherJudgedNorHeldBack() {
        List<AnswerEvent> events =
                dispatcher(0.01).dispatch(routed(PLAIN, null)).collectList().block();
        assertThat(((AnswerEvent.Started) events.get(0)).tier()).isEqualTo(Tier.LOCAL);
        assertThat(records.getLast().attempts().get(0).judged()).isFalse();
        assertThat(records.getLast().attempts().get(0).confidence()).isNull();
    }

    @Test
    void aStreamWithoutABufferIsNotJudged() {
        List<AnswerEvent> events = dispatcher(0.01)
                .dispatch(routed(STREAM, below(0.55)))
                .collectList()
                .block();
        assertThat(((AnswerEvent.Started) events.get(0)).tier()).isEqualTo(Tier.LOCAL);
        assertThat(records.getLast().attempts()).hasSize(1);
        assertThat(records.getLast().attempts().get(0).judged()).isFalse();
        assertThat(cloudCalls).hasValue(0);
    }

    @Test
    void aBufferedStreamIsHeldBackJudgedAndEscalatedBeforeItsFirstByte() {
        Policy.Cascade buffered =
                new Policy.Cascade(0.55, Policy.Signal.MEAN_PROB, true, new Policy.StreamBuffer(100, 60_000));
        List<AnswerEvent> events =
                dispatcher(0.3).dispatch(routed(STREAM, buffered)).collectList().block();
        assertThat(((AnswerEvent.Started) events.get(0)).tier()).isEqualTo(Tier.CLOUD);
        assertThat(events)
                .filteredOn(e -> e instanceof AnswerEvent.Chunk)
                .extracting(e -> ((AnswerEvent.Chunk) e)
                        .chunk()
                        .path("choices")
                        .get(0)
                        .path("delta")
                        .path("content")
                        .asString())
                .containsExactly("Cloud answer.");
        AnswerEvent.StreamEnd end = (AnswerEvent.StreamEnd) events.getLast();
        assertThat(end.usageChunk().path("usage").path("cost").decimalValue()).isEqualByComparingTo("0.20");
        assertThat(records.getLast().attempts())
                .extracting(AttemptRecord::outcome)
                .containsExactly(Outcome.ESCALATED, Outcome.OK);
    }

    @Test
    void aBufferedStreamThatIsSureIsReleasedWhole() {
        Policy.Cascade buffered =
                new Policy.Cascade(0.55, Policy.Signal.MEAN_PROB, true, new Policy.StreamBuffer(100, 60_000));
        List<AnswerEvent> events =
                dispatcher(0.9).dispatch(routed(STREAM, buffered)).collectList().block();
        assertThat(((AnswerEvent.Started) events.get(0)).tier()).isEqualTo(Tier.LOCAL);
        assertThat(events)
                .filteredOn(e -> e instanceof AnswerEvent.Chunk)
                .extracting(e -> ((AnswerEvent.Chunk) e)
                        .chunk()
                        .path("choices")
                        .get(0)
                        .path("delta")
                        .path("content")
                        .asString())
                .containsExactly("Local ", "answer.");
        assertThat(records.getLast().attempts()).hasSize(1);
        assertThat(records.getLast().attempts().get(0).judged()).isTrue();
        assertThat(cloudCalls).hasValue(0);
    }

    @Test
    void aStreamLongerThanItsBufferIsReleasedUnjudged() {
        Policy.Cascade small =
                new Policy.Cascade(0.55, Policy.Signal.MEAN_PROB, true, new Policy.StreamBuffer(1, 60_000));
        List<AnswerEvent> events =
                dispatcher(0.01).dispatch(routed(STREAM, small)).collectList().block();
        assertThat(((AnswerEvent.Started) events.get(0)).tier()).isEqualTo(Tier.LOCAL);
        assertThat(records.getLast().attempts()).hasSize(1);
        assertThat(records.getLast().attempts().get(0).judged()).isFalse();
        assertThat(cloudCalls).hasValue(0);
    }
}
