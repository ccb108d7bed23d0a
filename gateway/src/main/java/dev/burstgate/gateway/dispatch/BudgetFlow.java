package dev.burstgate.gateway.dispatch;

import dev.burstgate.gateway.budget.BudgetClaim;
import dev.burstgate.gateway.budget.BudgetStore;
import dev.burstgate.gateway.budget.Denial;
import dev.burstgate.gateway.budget.Reservation;
import dev.burstgate.policies.Tier;
import dev.burstgate.policies.budget.BudgetRefusals;
import dev.burstgate.policies.cost.Usd;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * One request's budget reservations. Before each attempt on a priced tier the attempt's estimated cost is reserved
 * in the tenant's {@link BudgetStore}; a free tier reserves nothing. After a refusal the request goes on only with the
 * tiers {@link BudgetRefusals} (the rule the simulator shares) allows, and under local-only the local tier joins the
 * plan. Every claim is closed exactly once: by its attempt (settled with the billed cost, or released), or by
 * {@link #closeAll} when the request ends some other way.
 */
final class BudgetFlow {

    /** What an attempt on a tier may do. */
    sealed interface Admission {
        /** Go: {@code claim} holds the reservation, or is null for a free tier. */
        record Granted(@Nullable BudgetClaim claim) implements Admission {}

        /** Not tried: an earlier refusal rules the tier out. */
        record Skipped() implements Admission {}

        /** The store refused the reservation. */
        record Refused(Denial denial) implements Admission {}

        /** The store failed: the priced tier is not tried (money does not fail open). */
        record StoreFailed(Throwable cause) implements Admission {}
    }

    private final BudgetStore store;
    private final String tenant;
    private final BudgetRefusals refusals;
    private final boolean forced;
    private final List<BudgetClaim> claims = new CopyOnWriteArrayList<>();
    private volatile List<Tier> plan;
    private volatile @Nullable Denial lastDenial;

    /**
     * @param plan the tiers the request tries, in order
     * @param forced whether the request named its tier (then no tier joins the plan)
     */
    BudgetFlow(BudgetStore store, String tenant, BudgetRefusals refusals, List<Tier> plan, boolean forced) {
        this.store = store;
        this.tenant = tenant;
        this.refusals = refusals;
        this.forced = forced;
        this.plan = List.copyOf(plan);
    }

    /** The tiers to try, in order; a refusal under local-only may have added the local tier. */
    List<Tier> plan() {
        return plan;
    }

    /** The latest refusal, or null. */
    @Nullable
    Denial lastDenial() {
        return lastDenial;
    }

    /**
     * Whether, and with which claim, an attempt on {@code tier} may go.
     *
     * @param free whether the tier costs nothing
     * @param estimate what the attempt may cost at most (ignored for a free tier)
     */
    Mono<Admission> admit(Tier tier, boolean free, Usd estimate) {
        if (!refusals.mayTry(tier, free, estimate)) {
            return Mono.just(new Admission.Skipped());
        }
        if (free) {
            return Mono.just(new Admission.Granted(null));
        }
        return Mono.defer(() -> {
                    BudgetClaim claim = new BudgetClaim(store);
                    claims.add(claim);
                    return claim.reserve(tenant, estimate, refusals.overLimit(tier))
                            .<Admission>map(result -> switch (result) {
                                case Reservation r -> new Admission.Granted(claim);
                                case Denial d -> {
                                    synchronized (this) {
                                        plan = refusals.refused(estimate, plan, forced);
                                        lastDenial = d;
                                    }
                                    yield new Admission.Refused(d);
                                }
                            });
                })
                .onErrorResume(
                        e -> Mono.just(new Admission.StoreFailed(e))); // also a store that throws instead of signalling
    }

    /** Releases whatever an attempt still holds (a request cancelled or ended in error); closed claims are untouched. */
    void closeAll() {
        for (BudgetClaim c : claims) {
            c.close(Usd.ZERO);
        }
    }
}
