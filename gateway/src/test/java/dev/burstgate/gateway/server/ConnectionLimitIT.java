package dev.burstgate.gateway.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.burstgate.gateway.testsupport.GatewayIT;
import dev.burstgate.gateway.testsupport.GatewayIT.Tenant;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * A gateway limited to {@value #MAX} connections: while it holds that many, every new connection is closed at once
 * without an answer; once some close, a legitimate client is served again. Raw sockets on loopback.
 */
@GatewayIT(
        legacyMock = false,
        tenants = @Tenant(name = "acme", key = ConnectionLimitIT.KEY),
        properties = "burstgate.server.max-connections=" + ConnectionLimitIT.MAX)
class ConnectionLimitIT {

    static final String KEY = "sk-limit";
    static final int MAX = 4;
    static final int EXTRA = 3;
    static final Duration READ_TIMEOUT = Duration.ofSeconds(5);

    @LocalServerPort
    int port;

    @Autowired
    MeterRegistry meters;

    @Test
    void closesConnectionsBeyondTheLimitAtOnceAndServesAgainOnceSomeClose() throws Exception {
        double refusedBefore = meters.counter(ConnectionMeters.CLOSED, "reason", "max_connections")
                .count();
        List<RawConnection> held = new ArrayList<>();
        try {
            for (int i = 0; i < MAX; i++) {
                RawConnection c = RawConnection.open(port, READ_TIMEOUT);
                held.add(c);
                c.send(RawConnection.get("/v1/models", KEY));
                assertThat(c.read().status())
                        .as("connection %d of %d is served", i + 1, MAX)
                        .isEqualTo(200);
            }
            for (int i = 0; i < EXTRA; i++) {
                try (RawConnection extra = RawConnection.open(port, READ_TIMEOUT)) {
                    assertThat(extra.closedByGateway())
                            .as("connection beyond the limit closed without a byte")
                            .isTrue();
                }
            }
            assertThat(meters.counter(ConnectionMeters.CLOSED, "reason", "max_connections")
                                    .count()
                            - refusedBefore)
                    .isEqualTo(EXTRA);

            for (RawConnection c : held.subList(0, 2)) {
                c.socket.shutdownOutput();
                assertThat(c.closedByGateway()).isTrue();
                c.close();
            }
            assertThat(servedOnANewConnection())
                    .as("a client is served once connections closed")
                    .isEqualTo(200);
            RawConnection kept = held.get(2);
            kept.send(RawConnection.get("/v1/models", KEY));
            assertThat(kept.read().status())
                    .as("connections held all along are still served")
                    .isEqualTo(200);
        } finally {
            for (RawConnection c : held) {
                c.close();
            }
        }
    }

    /**
     * The status of a request on a new connection. The gateway counts a connection out when its side is closed, a
     * moment after the client sees the close: a connection that lands in that moment is closed at once, so try again
     * every 20 ms, for as long as two tries may take (each waits up to {@link #READ_TIMEOUT} for its answer).
     */
    int servedOnANewConnection() {
        return await().atMost(READ_TIMEOUT.multipliedBy(2))
                .pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(20))
                .ignoreExceptionsInstanceOf(IOException.class)
                .until(
                        () -> {
                            try (RawConnection c = RawConnection.open(port, READ_TIMEOUT)) {
                                c.send(RawConnection.get("/v1/models", KEY));
                                return c.read().status();
                            }
                        },
                        status -> true);
    }
}
