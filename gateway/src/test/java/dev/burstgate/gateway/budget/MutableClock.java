package dev.burstgate.gateway.budget;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A clock tests move by hand.
 *
 * <p>Tests of pure, in-memory logic may start it at a fixed instant ({@link #MutableClock(String)}). Tests whose store
 * has a clock of its own (Redis expiries, PostgreSQL {@code now()}) start it from the real present ({@link #todayAt})
 * and move it relative to that start, so they pass on whatever day they run.
 */
final class MutableClock implements InstantSource {

    private final AtomicReference<Instant> now;

    MutableClock(String instant) {
        this(Instant.parse(instant));
    }

    MutableClock(Instant instant) {
        this.now = new AtomicReference<>(instant);
    }

    /** Today (UTC, by the system clock) at {@code time}: the real present's date at a time of day tests can rely on. */
    static MutableClock todayAt(LocalTime time) {
        return new MutableClock(today().atTime(time).toInstant(ZoneOffset.UTC));
    }

    /** Today's UTC date by the system clock. */
    static LocalDate today() {
        return LocalDate.now(ZoneOffset.UTC);
    }

    @Override
    public Instant instant() {
        return now.get();
    }

    /** Today's UTC date by this clock. */
    LocalDate date() {
        return LocalDate.ofInstant(now.get(), ZoneOffset.UTC);
    }

    void set(String instant) {
        set(Instant.parse(instant));
    }

    void set(Instant instant) {
        now.set(instant);
    }

    void advance(Duration d) {
        now.updateAndGet(i -> i.plus(d));
    }
}
