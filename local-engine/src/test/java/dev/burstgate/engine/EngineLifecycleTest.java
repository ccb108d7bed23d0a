package dev.burstgate.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.test.StepVerifier;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EngineLifecycleTest {

    @Test
    void closingTheEngineFailsRunningAndWaitingRequestsAndRefusesNewOnes() {
        LocalEngine engine = LocalEngine.start(TestModels.tinyConfig()
                .contextSize(2048)
                .parallel(1)
                .maxQueue(1)
                .build());
        ChatRequest endless =
                ChatRequest.builder().user("go").maxTokens(1900).ignoreEos(true).build();
        EngineLease running = engine.tryAdmit().orElseThrow();
        EngineLease waiting = engine.tryAdmit().orElseThrow();

        StepVerifier.create(engine.stream(running, endless))
                .expectNextCount(2)
                .then(() -> StepVerifier.create(engine.stream(waiting, endless))
                        .then(engine::close)
                        .expectError(EngineBusyException.class)
                        .verify(Duration.ofSeconds(10)))
                .thenConsumeWhile(c -> true)
                .expectErrorSatisfies(e ->
                        assertThat(e).isInstanceOf(EngineBusyException.class).hasMessageContaining("closed"))
                .verify(Duration.ofSeconds(10));

        assertThat(engine.tryAdmit()).isEmpty();
        StepVerifier.create(engine.complete(ChatRequest.of("hi")))
                .expectError(EngineBusyException.class)
                .verify(Duration.ofSeconds(5));
        engine.close();
    }

    /**
     * Two models can be loaded in one process, both generate, and one can be closed while the other keeps running.
     * They take turns here: with this binding, two models computing at the same moment can produce wrong output
     * (see NativeModel), so in-process pool nodes should share one engine instead.
     */
    @Test
    void twoEnginesInOneProcessBothGenerateAndOneCanCloseWhileTheOtherRuns() {
        try (LocalEngine first = LocalEngine.start(
                        TestModels.tinyConfig().contextSize(512).parallel(1).build());
                LocalEngine second = LocalEngine.start(
                        TestModels.tinyConfig().contextSize(512).parallel(1).build())) {
            ChatRequest request = ChatRequest.builder()
                    .user("hi")
                    .maxTokens(80)
                    .ignoreEos(true)
                    .seed(1L)
                    .build();

            String a = first.complete(request).block().content();
            String b = second.complete(request).block().content();

            assertThat(a).isEqualTo(b).isNotEmpty();
            first.close();
            assertThat(second.complete(request.toBuilder().maxTokens(100).build())
                            .block()
                            .usage()
                            .completionTokens())
                    .isEqualTo(100);
        }
    }
}
