package dev.burstgate.engine;

import java.io.Serial;

/** All slots are busy and the wait queue is full (or the engine is closed); the request was not admitted. */
public final class EngineBusyException extends RuntimeException {

    @Serial
    private static final long serialVersionUID = 1L;

    public EngineBusyException(String message) {
        super(message);
    }
}
