package dev.burstgate.gateway.server;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Everything under {@code burstgate.server.*}: how long the gateway waits for a client to send its request, and how
 * many connections it holds at once. The deadlines bound reading a request only; writing an answer (a long stream
 * included) is never cut by them.
 *
 * @param idleTimeout how long a connection may stay open with no request: after it was opened, or after its last
 *     answer was sent, until the first byte of the next request; then it is closed (no answer)
 * @param headerTimeout how long a request's head (request line and headers) may take from its first byte to its last;
 *     a total deadline, so a client trickling bytes is cut too; answered 408 when nothing was sent for it yet
 * @param bodyTimeout how long a request's body may take from the end of its head to its last byte (a total deadline);
 *     answered 408 when nothing was sent for it yet
 * @param maxConnections the most connections held at once; a connection accepted beyond it is closed at once, so an
 *     idle flood cannot exhaust the process's file descriptors
 */
@Validated
@ConfigurationProperties("burstgate.server")
public record ConnectionProperties(
        @DefaultValue("60s") Duration idleTimeout,
        @DefaultValue("10s") Duration headerTimeout,
        @DefaultValue("30s") Duration bodyTimeout,
        @DefaultValue("10000") @Min(1) @Max(1_000_000) int maxConnections) {

    public ConnectionProperties {
        positive("idle-timeout", idleTimeout);
        positive("header-timeout", headerTimeout);
        positive("body-timeout", bodyTimeout);
    }

    private static void positive(String name, Duration value) {
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException("burstgate.server." + name + " must be positive but was " + value);
        }
    }
}
