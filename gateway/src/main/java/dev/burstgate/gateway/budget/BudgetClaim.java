package dev.burstgate.gateway.budget;

import dev.burstgate.policies.cost.Usd;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * One attempt's claim on a tenant's budget, closed exactly once: {@link #reserve} asks the store, {@link #close}
 * settles the granted reservation with the attempt's actual cost (zero releases it). Closing may come before the
 * reservation has arrived — a client that went away while the store was answering — and the reservation is then
 * released as soon as it arrives, so no reservation ever stays open. Asking the store is not cancelled with the
 * returned {@code Mono}: the store may already have granted.
 *
 * <p>Settle and release run in the background; a failure is logged (and, in Redis, the reservation's lease gives it
 * back later).
 */
public final class BudgetClaim {

    private static final Logger log = LoggerFactory.getLogger(BudgetClaim.class);
    private static final Object PENDING = new Object();
    private static final Object CLOSED = new Object();

    private final BudgetStore store;
    /** {@link #PENDING}, the open {@link Reservation}, or {@link #CLOSED}. */
    private final AtomicReference<Object> state = new AtomicReference<>(PENDING);

    public BudgetClaim(BudgetStore store) {
        this.store = Objects.requireNonNull(store, "store");
    }

    /**
     * Reserves {@code amount} of {@code tenant}'s budget; with {@code overLimit} it is granted past the limits. Call
     * once.
     */
    public Mono<ReserveResult> reserve(String tenant, Usd amount, boolean overLimit) {
        Mono<ReserveResult> call = overLimit
                ? store.reserveOverLimit(tenant, amount).map(r -> (ReserveResult) r)
                : store.reserve(tenant, amount);
        CompletableFuture<ReserveResult> granted = call.toFuture().thenApply(result -> {
            if (result instanceof Reservation r && !state.compareAndSet(PENDING, r)) {
                finish(r, Usd.ZERO);
            }
            return result;
        });
        return Mono.fromFuture(granted, true);
    }

    /** Settles the reservation with {@code actualCost} (zero: releases it). Only the first call counts. */
    public void close(Usd actualCost) {
        Object previous = state.getAndSet(CLOSED);
        if (previous instanceof Reservation r) {
            finish(r, actualCost);
        }
    }

    /** True while a granted reservation waits for {@link #close}. */
    public boolean open() {
        return state.get() instanceof Reservation;
    }

    private void finish(Reservation r, Usd cost) {
        Mono<Void> done = cost.isZero() ? store.release(r) : store.settle(r, cost);
        done.subscribe(
                null,
                e -> log.warn(
                        "could not {} budget reservation {} of tenant {} ({}): {}",
                        cost.isZero() ? "release" : "settle",
                        r.id(),
                        r.tenant(),
                        r.amount(),
                        e.toString()));
    }
}
