package dev.burstgate.gateway.usage;

/** Receives every {@link ShadowRecord}. Must not block: it runs on a shadow worker thread. */
@FunctionalInterface
public interface ShadowRecordListener {
    void onShadow(ShadowRecord record);
}
