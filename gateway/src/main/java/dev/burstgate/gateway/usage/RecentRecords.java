package dev.burstgate.gateway.usage;

import java.util.ArrayList;
import java.util.List;

/** The latest cost records in memory, newest first, for the admin API and the dashboard. */
public final class RecentRecords implements CostRecordListener {

    private final CostRecord[] ring;
    private long next;

    public RecentRecords(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be >= 1 but was " + capacity);
        }
        this.ring = new CostRecord[capacity];
    }

    @Override
    public synchronized void onRecord(CostRecord record) {
        ring[(int) (next++ % ring.length)] = record;
    }

    public synchronized List<CostRecord> latest(int limit) {
        int n = (int) Math.min(Math.min(limit, ring.length), next);
        List<CostRecord> out = new ArrayList<>(n);
        for (long i = next - 1; i >= next - n; i--) {
            out.add(ring[(int) (i % ring.length)]);
        }
        return out;
    }
}
