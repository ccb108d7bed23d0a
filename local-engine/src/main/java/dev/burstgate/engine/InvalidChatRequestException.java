package dev.burstgate.engine;

import java.io.Serial;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/** A request the engine cannot run as given (for example a prompt longer than a slot's context). */
public final class InvalidChatRequestException extends IllegalArgumentException {

    @Serial
    private static final long serialVersionUID = 1L;

    private final @Nullable String param;

    public InvalidChatRequestException(String message, @Nullable String param) {
        super(message);
        this.param = param;
    }

    /** The message the constructor was given, never null. */
    @Override
    public String getMessage() {
        return Objects.requireNonNull(super.getMessage());
    }

    /** The request field at fault, in OpenAI naming, if one is. */
    public @Nullable String param() {
        return param;
    }
}
