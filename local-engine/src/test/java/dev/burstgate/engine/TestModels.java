package dev.burstgate.engine;

import dev.burstgate.engine.model.TinyModelGenerator;
import java.nio.file.Path;

/** The generated tiny model the tests run on, written once per build into {@code target/test-models}. */
public final class TestModels {

    private TestModels() {}

    public static Path tiny() {
        return TinyModelGenerator.ensureTinyModel(
                Path.of("target", "test-models").toAbsolutePath());
    }

    /** A tiny-model engine configuration: 2 threads, quiet. */
    public static EngineConfig.Builder tinyConfig() {
        return EngineConfig.builder().modelPath(tiny()).threads(2).nativeLogLevel(NativeLogLevel.OFF);
    }
}
