package dev.burstgate.gateway.testsupport;

import dev.burstgate.gateway.usage.CostRecord;
import dev.burstgate.gateway.usage.RecentRecords;
import java.time.Duration;
import java.util.Optional;
import org.awaitility.Awaitility;

/**
 * Finds a request's cost record. The record is published when the exchange ends, which may be just after the client
 * has read the whole answer, so tests wait for it (at most 10 s) instead of reading it at once.
 */
public final class CostRecords {

    private CostRecords() {}

    public static CostRecord await(RecentRecords records, String requestId) {
        return Awaitility.await("the cost record of request " + requestId)
                .atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(10))
                .until(
                        () -> records.latest(1000).stream()
                                .filter(r -> r.requestId().equals(requestId))
                                .findFirst(),
                        Optional::isPresent)
                .orElseThrow();
    }
}
