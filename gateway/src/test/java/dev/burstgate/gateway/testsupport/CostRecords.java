package dev.burstgate.gateway.testsupport;

import dev.burstgate.gateway.usage.CostRecord;
import dev.burstgate.gateway.usage.RecentRecords;
import java.time.Duration;
import java.util.Optional;

/**
 * Finds a request's cost record. The record is published when the exchange ends, which may be just after the client
 * has read the whole answer, so tests wait for it (at most 10 s) instead of reading it at once.
 */
public final class CostRecords {

  private CostRecords() {}

  public static CostRecord await(RecentRecords records, String requestId) {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (true) {
      Optional<CostRecord> found = records.latest(1000).stream().filter(r -> r.requestId().equals(requestId)).findFirst();
      if (found.isPresent()) {
        return found.get();
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no cost record for request " + requestId + " within 10 s");
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }
}
