package dev.burstgate.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;

/** An engine with two slots. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ParallelSlotsTest {

    private static LocalEngine engine;

    @BeforeAll
    static void start() {
        engine = LocalEngine.start(TestModels.tinyConfig()
                .contextSize(2048)
                .parallel(2)
                .maxQueue(0)
                .build());
    }

    @AfterAll
    static void stop() {
        engine.close();
    }

    @Test
    void twoRequestsProgressConcurrentlyWithTwoSlots() {
        List<String> events = new CopyOnWriteArrayList<>();
        AtomicInteger maxActive = new AtomicInteger();
        Flux<String> a = engine.stream(request(1L))
                .doOnNext(c -> maxActive.accumulateAndGet(engine.stats().activeSlots(), Math::max))
                .map(c -> "a");
        Flux<String> b = engine.stream(request(2L)).map(c -> "b");

        Flux.merge(a, b).doOnNext(events::add).blockLast();

        assertThat(maxActive.get()).isEqualTo(2);
        int lastA = events.lastIndexOf("a");
        int lastB = events.lastIndexOf("b");
        int firstA = events.indexOf("a");
        int firstB = events.indexOf("b");
        // each started before the other finished: the generations overlapped rather than ran one after the other
        assertThat(firstA).isLessThan(lastB);
        assertThat(firstB).isLessThan(lastA);
        assertThat(switches(events)).as("interleaving of %s", events).isGreaterThan(4);
    }

    @Test
    void withTwoSlotsAndNoQueueTheThirdAdmissionIsRefused() {
        try (EngineLease one = engine.tryAdmit().orElseThrow();
                EngineLease two = engine.tryAdmit().orElseThrow()) {
            assertThat(engine.tryAdmit()).isEmpty();
            assertThat(one.isHeld() && two.isHeld()).isTrue();
        }
        assertThat(engine.tryAdmit()).hasValueSatisfying(EngineLease::close);
    }

    @Test
    void concurrentAnswersEachReachTheirOwnLength() {
        List<ChatResult> results = Flux.merge(
                        engine.complete(request(3L).toBuilder().maxTokens(10).build()),
                        engine.complete(request(4L).toBuilder().maxTokens(30).build()))
                .collectList()
                .block();

        assertThat(results).extracting(r -> r.usage().completionTokens()).containsExactlyInAnyOrder(10, 30);
    }

    private static ChatRequest request(long seed) {
        return ChatRequest.builder()
                .user("Tell me a story")
                .maxTokens(300)
                .ignoreEos(true)
                .seed(seed)
                .build();
    }

    private static int switches(List<String> events) {
        int n = 0;
        for (int i = 1; i < events.size(); i++) {
            if (!events.get(i).equals(events.get(i - 1))) {
                n++;
            }
        }
        return n;
    }
}
