package dev.burstgate.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TinyModelGeneratorTest {

    @TempDir
    Path dir;

    @Test
    void writesAFewHundredKilobyteLlamaGguf() throws IOException {
        Path model = TinyModelGenerator.ensureTinyModel(dir);

        assertThat(Files.size(model))
                .isBetween(400_000L, 700_000L)
                .isEqualTo(TinyModelGenerator.tiny().expectedSize());
        GgufMetadata meta = GgufMetadata.read(model);
        assertThat(meta.version()).isEqualTo(3);
        assertThat(meta.architecture()).contains("llama");
        assertThat(meta.name()).contains("burstgate-tiny");
        assertThat(meta.contextLength()).contains(256);
        assertThat(meta.scalars())
                .containsEntry("llama.embedding_length", 64L)
                .containsEntry("llama.block_count", 2L)
                .containsEntry("llama.attention.head_count", 4L)
                .containsEntry("llama.attention.head_count_kv", 4L)
                .containsEntry("llama.feed_forward_length", 128L)
                .containsEntry("llama.rope.dimension_count", 16L)
                .containsEntry("llama.vocab_size", 357L)
                .containsEntry("tokenizer.ggml.model", "llama");
        assertThat(meta.string("tokenizer.chat_template")).contains(TinyModelGenerator.CHAT_TEMPLATE);
    }

    @Test
    void theSameSeedWritesTheSameBytesAndAnotherSeedDifferentOnes() throws IOException {
        Path a = dir.resolve("a.gguf");
        Path b = dir.resolve("b.gguf");
        Path c = dir.resolve("c.gguf");
        new TinyModelGenerator(ModelShape.TINY, 5).write(a);
        new TinyModelGenerator(ModelShape.TINY, 5).write(b);
        new TinyModelGenerator(ModelShape.TINY, 6).write(c);

        assertThat(Files.mismatch(a, b)).isEqualTo(-1);
        assertThat(Files.mismatch(a, c)).isNotEqualTo(-1);
        assertThat(Files.size(a)).isEqualTo(Files.size(c));
    }

    @Test
    void anExistingModelIsReusedNotRewritten() throws IOException {
        Path first = TinyModelGenerator.ensureTinyModel(dir);
        FileTime old = FileTime.fromMillis(1_000_000_000L);
        Files.setLastModifiedTime(first, old);

        Path second = TinyModelGenerator.ensureTinyModel(dir);

        assertThat(second).isEqualTo(first);
        assertThat(Files.getLastModifiedTime(second)).isEqualTo(old);
    }

    @Test
    void aDamagedCachedModelIsReplaced() throws IOException {
        Path model = TinyModelGenerator.ensureTinyModel(dir);
        Files.write(model, new byte[] {1, 2, 3});

        Path again = TinyModelGenerator.ensureTinyModel(dir);

        assertThat(Files.size(again)).isEqualTo(TinyModelGenerator.tiny().expectedSize());
    }

    @Test
    void concurrentCallersAllGetACompleteFileAndLeaveNoTemporaryFiles() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            Callable<Path> ensure = () -> TinyModelGenerator.ensureTinyModel(dir);
            List<Future<Path>> results = pool.invokeAll(List.of(ensure, ensure, ensure, ensure));
            for (Future<Path> f : results) {
                assertThat(Files.size(f.get()))
                        .isEqualTo(TinyModelGenerator.tiny().expectedSize());
            }
        } finally {
            pool.shutdownNow();
        }
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .containsExactly(TinyModelGenerator.tiny().fileName());
        }
    }

    @Test
    void aOneBillionShapedModelIsPlannedAtUnderAGigabyteWithoutWritingIt() {
        TinyModelGenerator big = new TinyModelGenerator(ModelShape.LLAMA_1B, 1);

        assertThat(big.expectedSize()).isBetween(800_000_000L, 1_000_000_000L);
        assertThat(big.fileName()).isEqualTo("burstgate-1b-shape-q8_0-s1-v2.gguf");
    }

    @Test
    void shapesRejectInconsistentDimensionsNamingTheField() {
        assertThatThrownBy(() -> new ModelShape("x", 60, 1, 8, 8, 64, 64, 400, TensorType.F32))
                .hasMessageContaining("embedding (60)")
                .hasMessageContaining("heads (8)");
        assertThatThrownBy(() -> new ModelShape("x", 64, 1, 4, 3, 64, 64, 400, TensorType.F32))
                .hasMessageContaining("kvHeads (3)");
        assertThatThrownBy(() -> new ModelShape("x", 64, 1, 4, 4, 64, 64, 100, TensorType.F32))
                .hasMessageContaining("vocabulary")
                .hasMessageContaining("100");
        assertThatThrownBy(() -> new ModelShape("x y", 64, 1, 4, 4, 64, 64, 400, TensorType.F32))
                .hasMessageContaining("name");
    }

    @Test
    void readingAFileThatIsNotGgufFailsClearly() throws IOException {
        Path junk = Files.writeString(dir.resolve("junk.bin"), "hello world, not gguf");

        assertThat(GgufMetadata.isGguf(junk)).isFalse();
        assertThatThrownBy(() -> GgufMetadata.read(junk)).hasMessageContaining("not a GGUF file");
    }
}
