package dev.burstgate.gateway.server;

import dev.burstgate.gateway.server.ConnectionMeters.Reason;
import io.netty.channel.Channel;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connections one server holds: at most {@code max} at once; a connection accepted beyond that is closed at once
 * (before any byte of it is read), so a flood of idle connections costs no more than {@code max} file descriptors and
 * legitimate clients are served again as soon as connections close. Logged once when the limit is reached (WARN) and
 * once when the server has room again (INFO, with how many were refused meanwhile), so a sustained flood does not
 * flood the log; every refusal is counted ({@link ConnectionMeters}).
 */
final class ConnectionLimit {

    private static final Logger log = LoggerFactory.getLogger(ConnectionLimit.class);

    private final int max;
    /** Below this many open connections after the limit was reached, the server counts as having room again. */
    private final int resumeBelow;

    private final ConnectionMeters meters;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicBoolean full = new AtomicBoolean();
    private final AtomicLong refusedWhileFull = new AtomicLong();

    ConnectionLimit(int max, ConnectionMeters meters) {
        this.max = max;
        this.resumeBelow = Math.max(1, max - Math.max(1, max / 10));
        this.meters = meters;
    }

    /** Counts a new connection in, or closes it when the server already holds {@code max}; true when admitted. */
    boolean admit(Channel channel) {
        if (open.incrementAndGet() > max) {
            open.decrementAndGet();
            refuse(channel);
            return false;
        }
        channel.closeFuture().addListener(f -> released());
        return true;
    }

    int open() {
        return open.get();
    }

    private void refuse(Channel channel) {
        meters.closed(Reason.MAX_CONNECTIONS);
        refusedWhileFull.incrementAndGet();
        if (full.compareAndSet(false, true)) {
            log.warn(
                    "{} connections open, the limit (burstgate.server.max-connections): new connections are closed at once "
                            + "until some close",
                    max);
        }
        log.debug("{} closed: {} connections open", channel, max);
        channel.close();
    }

    private void released() {
        if (open.decrementAndGet() < resumeBelow && full.compareAndSet(true, false)) {
            log.info(
                    "Fewer than {} connections open: accepting connections again ({} closed at once while at the limit)",
                    resumeBelow,
                    refusedWhileFull.getAndSet(0));
        }
    }
}
