package dev.burstgate.engine;

import java.io.Serial;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/** The model could not be loaded; the message names the file and why. */
public final class EngineLoadException extends RuntimeException {

    @Serial
    private static final long serialVersionUID = 1L;

    private final transient Path path;

    public EngineLoadException(Path path, String reason, @Nullable Throwable cause) {
        super("cannot load model " + path + ": " + reason, cause);
        this.path = path;
    }

    /** The model file that failed to load. */
    public Path path() {
        return path;
    }
}
