package dev.burstgate.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Asking for a confidence on the bundled binding: it cannot report token probabilities without aborting the process,
 * so the engine does not ask it, says so, and answers as it would without the flag.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ConfidenceTest {

    @Test
    void askingForAConfidenceOnThisBindingChangesNothingAndCarriesNone() {
        try (LocalEngine engine =
                LocalEngine.start(TestModels.tinyConfig().contextSize(1024).build())) {
            assertThat(engine.measuresConfidence()).isFalse();
            for (String prompt : new String[] {"Hello there", "Count to ten"}) {
                ChatRequest plain = ChatRequest.builder()
                        .user(prompt)
                        .maxTokens(16)
                        .temperature(0.0)
                        .build();
                ChatRequest asking = plain.toBuilder().confidence(true).build();
                assertThat(asking.confidence()).isTrue();
                ChatResult a = engine.complete(asking).block();
                ChatResult b = engine.complete(plain).block();
                assertThat(a.confidence()).isNull();
                assertThat(a.content()).isEqualTo(b.content());
                assertThat(a.usage()).isEqualTo(b.usage());
                List<ChatChunk> chunks = engine.stream(asking).collectList().block();
                assertThat(chunks.getLast().isLast()).isTrue();
                assertThat(chunks.getLast().confidence()).isNull();
            }
        }
    }
}
