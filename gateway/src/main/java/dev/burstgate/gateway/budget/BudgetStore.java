package dev.burstgate.gateway.budget;

import dev.burstgate.policies.budget.BudgetState;
import dev.burstgate.policies.cost.Usd;
import java.time.InstantSource;
import java.util.function.Function;
import reactor.core.publisher.Mono;

/**
 * Tenants' spend against their daily and monthly limits (UTC day and month of the injected clock), with atomic
 * reserve → settle: before an attempt on a priced tier the dispatcher reserves its estimated cost, afterwards it
 * settles the reservation with the actual cost or releases it.
 *
 * <p>Guarantees of every implementation:
 * <ul>
 *   <li>{@link #reserve} is atomic: it grants only if, in the day and in the month, spent + reserved + amount stays
 *       within the limit (no limit: always granted), so concurrent reservations never pass a limit;
 *   <li>amounts are counted exactly in whole nano-dollars (a cost finer than that is rounded up);
 *   <li>a reservation counts against the day and month it was taken in, also when it settles after they ended;
 *   <li>limits come from configuration unless overridden with {@link #setLimits}; an override is seen by every
 *       gateway sharing the store.
 * </ul>
 * Callers settle or release each reservation exactly once. All methods are non-blocking.
 */
public interface BudgetStore {

    /** The tenant's current state for routing (spent counts reservations in flight; see {@link BudgetView#state()}). */
    default Mono<BudgetState> state(String tenant) {
        return view(tenant).map(BudgetView::state);
    }

    /** The tenant's current day and month. */
    Mono<BudgetView> view(String tenant);

    /** Reserves {@code amount} if it fits every limit of the tenant; otherwise a {@link Denial}. */
    Mono<ReserveResult> reserve(String tenant, Usd amount);

    /**
     * Reserves {@code amount} even past the limits: for the local tier under a {@code local-only} policy, which keeps
     * serving at 100 % and whose cost is still counted.
     */
    Mono<Reservation> reserveOverLimit(String tenant, Usd amount);

    /** Replaces the reservation by the actual cost (which may be more or less than reserved, or zero). */
    Mono<Void> settle(Reservation reservation, Usd actualCost);

    /** Drops the reservation; nothing is spent. */
    default Mono<Void> release(Reservation reservation) {
        return settle(reservation, Usd.ZERO);
    }

    /** The limits in force for the tenant: the override if one was set, else the configured ones. */
    default Mono<BudgetLimits> limits(String tenant) {
        return view(tenant).map(BudgetView::limits);
    }

    /** Overrides the tenant's configured limits (null limits mean none) for every gateway sharing this store. */
    Mono<Void> setLimits(String tenant, BudgetLimits limits);

    /**
     * A store in this process's memory, for one gateway instance or a test.
     *
     * @param configured the configured limits of a tenant ({@link BudgetLimits#NONE} for none)
     * @param clock gives the current UTC day and month
     */
    static BudgetStore inMemory(Function<String, BudgetLimits> configured, InstantSource clock) {
        return new InMemoryBudgetStore(configured, clock);
    }
}
