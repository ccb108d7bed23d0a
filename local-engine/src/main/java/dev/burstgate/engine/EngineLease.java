package dev.burstgate.engine;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A place reserved in the engine: a free slot or a position in the bounded wait queue. Obtained from
 * {@link LocalEngine#tryAdmit()} without blocking; a request run with it will not be refused. Use it once, with
 * {@link LocalEngine#stream(EngineLease, ChatRequest)} or {@link LocalEngine#complete(EngineLease, ChatRequest)},
 * or {@link #close()} it to give the place back. Closing a lease that a request has taken over does nothing: the
 * place is freed when that request ends.
 */
public final class EngineLease implements AutoCloseable {

    private static final int RESERVED = 0;
    private static final int CLAIMED = 1;
    private static final int RELEASED = 2;

    private final Admission admission;
    private final AtomicInteger state = new AtomicInteger(RESERVED);

    EngineLease(Admission admission) {
        this.admission = admission;
    }

    /** Whether a request has taken this lease over. */
    public boolean isClaimed() {
        return state.get() == CLAIMED;
    }

    /** Whether the place is still held (reserved or claimed by a running request). */
    public boolean isHeld() {
        return state.get() != RELEASED;
    }

    /** Gives the place back if no request has taken the lease over; idempotent. */
    @Override
    public void close() {
        if (state.compareAndSet(RESERVED, RELEASED)) {
            admission.unreserve();
        }
    }

    boolean belongsTo(Admission other) {
        return admission == other;
    }

    /** Hands the lease to a request; false if it was already used or closed. */
    boolean claim() {
        return state.compareAndSet(RESERVED, CLAIMED);
    }

    /** Called once when the claiming request ends. */
    void releaseClaimed() {
        if (state.compareAndSet(CLAIMED, RELEASED)) {
            admission.unreserve();
        }
    }
}
