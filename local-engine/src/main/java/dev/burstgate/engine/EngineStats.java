package dev.burstgate.engine;

import java.time.Duration;

/**
 * A snapshot of the engine's load and measured speed, for metrics and routing.
 *
 * @param activeSlots        requests generating now
 * @param queued             admitted requests waiting for a slot (including admitted leases not yet used)
 * @param capacity           parallel slots
 * @param maxQueue           bound of the wait queue
 * @param tokensPerSecond    recent per-request generation speed (0 until measured)
 * @param timeToFirstToken   recent time from slot to first token (zero until measured)
 * @param completedRequests  requests finished (completed, stopped or cancelled) since start
 * @param generatedTokens    tokens generated since start
 * @param rejectedRequests   admissions refused because slots and queue were full
 */
public record EngineStats(
        int activeSlots,
        int queued,
        int capacity,
        int maxQueue,
        double tokensPerSecond,
        Duration timeToFirstToken,
        long completedRequests,
        long generatedTokens,
        long rejectedRequests) {

    /** Free slots right now. */
    public int freeSlots() {
        return Math.max(0, capacity - activeSlots);
    }
}
