package dev.burstgate.gateway.testsupport;

import dev.burstgate.engine.model.TinyModelGenerator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A fresh data directory with the generated tiny model in it, for tests that run the local engine. */
public record TestModels(Path dataDir, Path tinyModel) {

    public static TestModels create(String prefix) {
        try {
            Path dir = Files.createTempDirectory(prefix);
            return new TestModels(dir, TinyModelGenerator.ensureTinyModel(dir));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
