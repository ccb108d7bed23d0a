package dev.burstgate.gateway.usage;

/** Receives every {@link CostRecord} once its request has ended. Must not block: it runs on the request's thread. */
@FunctionalInterface
public interface CostRecordListener {
    void onRecord(CostRecord record);
}
