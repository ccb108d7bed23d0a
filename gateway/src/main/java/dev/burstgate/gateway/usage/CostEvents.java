package dev.burstgate.gateway.usage;

import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Publishes each cost record to every listener (metrics, recent records, ledger); one failing listener does not stop the others. */
public final class CostEvents {

    private static final Logger log = LoggerFactory.getLogger(CostEvents.class);

    private final List<CostRecordListener> listeners;

    public CostEvents(List<CostRecordListener> listeners) {
        this.listeners = List.copyOf(listeners);
    }

    public void publish(CostRecord record) {
        for (CostRecordListener l : listeners) {
            try {
                l.onRecord(record);
            } catch (RuntimeException e) {
                log.error(
                        "cost record listener {} failed for request {}",
                        l.getClass().getSimpleName(),
                        record.requestId(),
                        e);
            }
        }
        if (log.isDebugEnabled()) {
            log.debug(
                    "request {} tenant={} tier={} outcome={} cost={} baseline={} reason={}",
                    record.requestId(),
                    record.tenant(),
                    record.finalTier(),
                    record.outcome().label(),
                    record.cost(),
                    record.baseline(),
                    record.reason());
        }
    }
}
