package dev.burstgate.engine.server;

import java.time.InstantSource;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Where and as what a {@link LocalEngineServer} serves.
 *
 * @param host     address to bind ({@code 127.0.0.1} for loopback only, {@code 0.0.0.0} for all)
 * @param port     port to bind; 0 picks a free one (see {@link LocalEngineServer#port()})
 * @param modelId  model id reported by {@code /v1/models} and in responses; null uses the model's name
 * @param clock    source of the {@code created} timestamps
 */
public record ServerOptions(String host, int port, @Nullable String modelId, InstantSource clock) {

    public static final String DEFAULT_HOST = "127.0.0.1";

    public ServerOptions {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(clock, "clock");
        if (host.isBlank()) {
            throw new IllegalArgumentException("host must not be blank");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be in [0, 65535], got " + port);
        }
        if (modelId != null && modelId.isBlank()) {
            throw new IllegalArgumentException("modelId must be null or non-blank, got '" + modelId + "'");
        }
    }

    /** Loopback, a free port, the model's own name, the system clock. */
    public static ServerOptions loopback() {
        return new ServerOptions(DEFAULT_HOST, 0, null, InstantSource.system());
    }

    /** Loopback on {@code port}. */
    public static ServerOptions loopback(int port) {
        return loopback().withPort(port);
    }

    public ServerOptions withHost(String value) {
        return new ServerOptions(value, port, modelId, clock);
    }

    public ServerOptions withPort(int value) {
        return new ServerOptions(host, value, modelId, clock);
    }

    public ServerOptions withModelId(@Nullable String value) {
        return new ServerOptions(host, port, value, clock);
    }

    public ServerOptions withClock(InstantSource value) {
        return new ServerOptions(host, port, modelId, value);
    }
}
