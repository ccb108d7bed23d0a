package dev.burstgate.gateway.budget;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicReference;

/** A clock tests move by hand. */
final class MutableClock implements InstantSource {

  private final AtomicReference<Instant> now;

  MutableClock(String instant) {
    this.now = new AtomicReference<>(Instant.parse(instant));
  }

  @Override
  public Instant instant() {
    return now.get();
  }

  void set(String instant) {
    now.set(Instant.parse(instant));
  }

  void advance(Duration d) {
    now.updateAndGet(i -> i.plus(d));
  }
}
