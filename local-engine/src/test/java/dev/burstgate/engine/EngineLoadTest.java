package dev.burstgate.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EngineLoadTest {

    @TempDir
    Path dir;

    @Test
    void aMissingModelFileIsNamedInTheError() {
        Path missing = dir.resolve("nope.gguf");

        assertThatThrownBy(() -> LocalEngine.start(
                        TestModels.tinyConfig().modelPath(missing).build()))
                .isInstanceOf(EngineLoadException.class)
                .hasMessageContaining(missing.toString())
                .hasMessageContaining("does not exist")
                .satisfies(e -> assertThat(((EngineLoadException) e).path()).isEqualTo(missing));
    }

    @Test
    void aFileThatIsNotGgufIsRejectedWithItsPath() throws IOException {
        Path text = Files.writeString(dir.resolve("model.gguf"), "definitely not a model");

        assertThatThrownBy(() -> LocalEngine.start(
                        TestModels.tinyConfig().modelPath(text).build()))
                .isInstanceOf(EngineLoadException.class)
                .hasMessageContaining(text.toString())
                .hasMessageContaining("not a GGUF file");
    }

    @Test
    void aDirectoryIsRejectedWithItsPath() {
        assertThatThrownBy(() ->
                        LocalEngine.start(TestModels.tinyConfig().modelPath(dir).build()))
                .isInstanceOf(EngineLoadException.class)
                .hasMessageContaining(dir.toString())
                .hasMessageContaining("not a regular file");
    }

    @Test
    void aTruncatedGgufIsRejectedWithItsPath() throws IOException {
        byte[] head = Files.readAllBytes(TestModels.tiny());
        Path cut = Files.write(dir.resolve("cut.gguf"), java.util.Arrays.copyOf(head, 200));

        assertThatThrownBy(() ->
                        LocalEngine.start(TestModels.tinyConfig().modelPath(cut).build()))
                .isInstanceOf(EngineLoadException.class)
                .hasMessageContaining(cut.toString())
                .hasMessageContaining("truncated");
    }

    @Test
    void anUnsupportedArchitectureIsRejectedWithItsPathAndName() throws IOException {
        Path odd = Files.write(dir.resolve("odd.gguf"), ggufWithArchitecture("burstgate-unknown-arch"));

        assertThatThrownBy(() ->
                        LocalEngine.start(TestModels.tinyConfig().modelPath(odd).build()))
                .isInstanceOf(EngineLoadException.class)
                .hasMessageContaining(odd.toString())
                .hasMessageContaining("architecture 'burstgate-unknown-arch'");
    }

    @Test
    void aConfigWithoutModelPathIsRefusedWithAHint() {
        assertThatThrownBy(() -> LocalEngine.start(EngineConfig.ofDefaults()))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("TinyModelGenerator");
    }

    /** A header-only GGUF v3 file: no tensors, one key. */
    private static byte[] ggufWithArchitecture(String arch) {
        byte[] key = "general.architecture".getBytes(StandardCharsets.UTF_8);
        byte[] value = arch.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(64 + key.length + value.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put("GGUF".getBytes(StandardCharsets.US_ASCII)).putInt(3).putLong(0).putLong(1);
        b.putLong(key.length).put(key).putInt(8).putLong(value.length).put(value);
        while (b.position() % 32 != 0) {
            b.put((byte) 0);
        }
        return java.util.Arrays.copyOf(b.array(), b.position());
    }
}
