package dev.burstgate.policies.routing;

/**
 * What the local engine reports at routing time.
 *
 * @param queueWaitMs estimated wait before a new request would start, in ms
 * @param queueLength requests waiting for a slot
 * @param admitting false when the engine accepts no more work (queue full, not started, shutting down)
 */
public record LocalEngineState(long queueWaitMs, int queueLength, boolean admitting) {

    /** An idle engine. */
    public static final LocalEngineState IDLE = new LocalEngineState(0, 0, true);

    public LocalEngineState {
        if (queueWaitMs < 0) {
            throw new IllegalArgumentException("queueWaitMs must be >= 0 but was " + queueWaitMs);
        }
        if (queueLength < 0) {
            throw new IllegalArgumentException("queueLength must be >= 0 but was " + queueLength);
        }
    }
}
