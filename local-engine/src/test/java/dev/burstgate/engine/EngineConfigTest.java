package dev.burstgate.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.burstgate.engine.reasoning.ReasoningMode;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class EngineConfigTest {

    @Test
    void defaultsAreOneSlotAQueueAndSplitReasoning() {
        EngineConfig c = EngineConfig.ofDefaults();

        assertThat(c.modelPath()).isNull();
        assertThat(c.parallel()).isEqualTo(1);
        assertThat(c.contextSize()).isEqualTo(EngineConfig.DEFAULT_CONTEXT_SIZE);
        assertThat(c.maxQueue()).isEqualTo(EngineConfig.DEFAULT_MAX_QUEUE);
        assertThat(c.reasoningMode()).isEqualTo(ReasoningMode.SPLIT);
        assertThat(c.threads()).isPositive();
    }

    @Test
    void rejectedValuesNameTheirFieldAndValue() {
        assertThatThrownBy(() -> EngineConfig.builder().parallel(0).build())
                .hasMessageContaining("parallel")
                .hasMessageContaining("got 0");
        assertThatThrownBy(
                        () -> EngineConfig.builder().parallel(4).contextSize(32).build())
                .hasMessageContaining("contextSize")
                .hasMessageContaining("got 32");
        assertThatThrownBy(() -> EngineConfig.builder().threads(-1).build())
                .hasMessageContaining("threads")
                .hasMessageContaining("got -1");
        assertThatThrownBy(() -> EngineConfig.builder().maxQueue(-2).build())
                .hasMessageContaining("maxQueue")
                .hasMessageContaining("got -2");
        assertThatThrownBy(() -> EngineConfig.builder().gpuLayers(-1).build())
                .hasMessageContaining("gpuLayers")
                .hasMessageContaining("got -1");
        assertThatThrownBy(() -> EngineConfig.builder().chatTemplate(" ").build())
                .hasMessageContaining("chatTemplate");
    }

    @Test
    void aCopyKeepsEveryFieldAndSplitsContextPerSlot() {
        EngineConfig c = EngineConfig.builder()
                .contextSize(8192)
                .parallel(4)
                .threads(3)
                .gpuLayers(99)
                .chatTemplate("chatml")
                .maxQueue(2)
                .reasoningMode(ReasoningMode.DROP)
                .nativeLogLevel(NativeLogLevel.WARN)
                .build();

        assertThat(EngineConfig.from(c).build()).isEqualTo(c);
        assertThat(c.withModelPath(Path.of("m.gguf")).modelPath()).isEqualTo(Path.of("m.gguf"));
        assertThat(c.contextPerSlot()).isEqualTo(2048);
    }

    @Test
    void chatRequestsRejectOutOfRangeSamplingNamingTheField() {
        assertThatThrownBy(
                        () -> ChatRequest.builder().user("x").temperature(2.5).build())
                .hasMessageContaining("temperature");
        assertThatThrownBy(() -> ChatRequest.builder().user("x").topP(0.0).build())
                .hasMessageContaining("top_p");
        assertThatThrownBy(() -> ChatRequest.builder().user("x").maxTokens(0).build())
                .hasMessageContaining("max_tokens");
        assertThatThrownBy(() -> ChatRequest.builder().build()).hasMessageContaining("messages");
        assertThatThrownBy(() -> ChatRequest.builder().user("x").stop("").build())
                .hasMessageContaining("stop");
    }
}
