package dev.burstgate.engine;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.MonoSink;

/**
 * Slots and the bounded wait queue in front of them. A request is first <em>admitted</em> (a lease: a slot or a
 * queue place is reserved, or admission is refused at once), then <em>waits</em> for a slot without holding a thread,
 * and finally <em>ends</em>, freeing its slot for the longest waiter. Thread safe; all counters under one lock.
 */
final class Admission {

    /** One admitted request's way through the slots. */
    static final class Ticket {
        private final EngineLease lease;
        private @Nullable MonoSink<Ticket> waiter;
        private boolean granted;
        private boolean ended;
        private long grantedAtNanos;

        Ticket(EngineLease lease) {
            this.lease = lease;
        }

        long grantedAtNanos() {
            return grantedAtNanos;
        }
    }

    private final int slots;
    private final int maxQueue;
    private final java.util.function.LongSupplier nanoTime;
    private final ArrayDeque<Ticket> waiting = new ArrayDeque<>();
    private int admitted;
    private int active;
    private long rejected;
    private boolean closed;

    Admission(int slots, int maxQueue, java.util.function.LongSupplier nanoTime) {
        this.slots = slots;
        this.maxQueue = maxQueue;
        this.nanoTime = nanoTime;
    }

    /** Reserves a slot or queue place, or refuses at once. */
    synchronized Optional<EngineLease> tryAdmit() {
        if (closed || admitted >= slots + maxQueue) {
            rejected++;
            return Optional.empty();
        }
        admitted++;
        return Optional.of(new EngineLease(this));
    }

    /** Gives back an admitted place (unused lease closed, or request ended). */
    synchronized void unreserve() {
        admitted--;
    }

    /** Completes {@code sink} with the ticket when a slot is free: now, or when an earlier request ends. */
    void await(Ticket ticket, MonoSink<Ticket> sink) {
        boolean grantNow;
        synchronized (this) {
            if (ticket.ended) {
                return;
            }
            if (closed) {
                grantNow = false;
                ticket.ended = true;
            } else if (active < slots && waiting.isEmpty()) {
                grant(ticket);
                grantNow = true;
            } else {
                ticket.waiter = sink;
                waiting.add(ticket);
                return;
            }
        }
        if (grantNow) {
            sink.success(ticket);
        } else {
            ticket.lease.releaseClaimed();
            sink.error(new EngineBusyException("engine is closed"));
        }
    }

    /**
     * Ends a ticket however its request ended (completed, failed, cancelled while generating or while waiting):
     * frees its slot or queue place and starts the next waiter. Idempotent.
     */
    void end(Ticket ticket) {
        Ticket next = null;
        synchronized (this) {
            if (ticket.ended) {
                return;
            }
            ticket.ended = true;
            if (ticket.granted) {
                active--;
                next = waiting.poll();
                if (next != null) {
                    grant(next);
                }
            } else {
                waiting.remove(ticket);
            }
        }
        ticket.lease.releaseClaimed();
        if (next != null) {
            MonoSink<Ticket> sink = next.waiter;
            next.waiter = null;
            if (sink != null) {
                sink.success(next);
            }
        }
    }

    private void grant(Ticket ticket) {
        active++;
        ticket.granted = true;
        ticket.grantedAtNanos = nanoTime.getAsLong();
    }

    /** Refuses new admissions and fails every waiter; returns nothing to do for active requests. */
    void close() {
        List<Ticket> failed;
        synchronized (this) {
            closed = true;
            failed = new ArrayList<>(waiting);
            waiting.clear();
            for (Ticket t : failed) {
                t.ended = true;
            }
        }
        for (Iterator<Ticket> it = failed.iterator(); it.hasNext(); ) {
            Ticket t = it.next();
            t.lease.releaseClaimed();
            MonoSink<Ticket> sink = t.waiter;
            t.waiter = null;
            if (sink != null) {
                sink.error(new EngineBusyException("engine closed while the request was waiting for a slot"));
            }
        }
    }

    synchronized int active() {
        return active;
    }

    /** Admitted requests without a slot: waiting for one, or leases not yet used. */
    synchronized int queued() {
        return admitted - active;
    }

    synchronized long rejected() {
        return rejected;
    }

    int slots() {
        return slots;
    }

    int maxQueue() {
        return maxQueue;
    }

    /** Atomic view of (active, queued). */
    synchronized int[] load() {
        return new int[] {active, admitted - active};
    }
}
