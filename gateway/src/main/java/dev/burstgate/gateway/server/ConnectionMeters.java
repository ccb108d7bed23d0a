package dev.burstgate.gateway.server;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Counts the connections the gateway closed on its own, by reason: {@code burstgate_server_connections_closed_total
 * {reason="idle_timeout|header_timeout|body_timeout|malformed_request|max_connections"}}. Each such close is logged at
 * DEBUG only, so an attack shows here rather than as a flood of log lines.
 */
final class ConnectionMeters {

    /** Why the gateway closed a connection. */
    enum Reason {
        /** No request within {@code idle-timeout}. */
        IDLE_TIMEOUT,
        /** The request's head did not arrive within {@code header-timeout}. */
        HEADER_TIMEOUT,
        /** The request's body did not arrive within {@code body-timeout}. */
        BODY_TIMEOUT,
        /** The HTTP decoder rejected the request (400, 414, 431). */
        MALFORMED_REQUEST,
        /** Accepted beyond {@code max-connections}. */
        MAX_CONNECTIONS;

        String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    static final String CLOSED = "burstgate.server.connections.closed";

    private final Map<Reason, Counter> closed = new EnumMap<>(Reason.class);

    ConnectionMeters(MeterRegistry meters) {
        for (Reason reason : Reason.values()) {
            closed.put(
                    reason,
                    Counter.builder(CLOSED)
                            .description("Connections the gateway closed on its own, by reason")
                            .tag("reason", reason.tag())
                            .register(meters));
        }
    }

    void closed(Reason reason) {
        Objects.requireNonNull(closed.get(reason)).increment(); // the constructor registered every reason
    }
}
