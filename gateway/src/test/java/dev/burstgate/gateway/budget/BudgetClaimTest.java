package dev.burstgate.gateway.budget;

import static org.assertj.core.api.Assertions.assertThat;

import dev.burstgate.policies.cost.Usd;
import java.util.Map;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

class BudgetClaimTest {

    private final MutableClock clock = new MutableClock("2026-11-29T10:00:00Z");
    private final BudgetStore memory = new InMemoryBudgetStore(
            t -> Map.of("acme", new BudgetLimits(Usd.of("1"), null)).getOrDefault(t, BudgetLimits.NONE), clock);

    /** The in-memory store, but each reservation is answered only when the test says so (like a slow Redis). */
    private final class SlowStore implements BudgetStore {
        final Sinks.One<Boolean> go = Sinks.one();

        @Override
        public Mono<BudgetView> view(String tenant) {
            return memory.view(tenant);
        }

        @Override
        public Mono<ReserveResult> reserve(String tenant, Usd amount) {
            return go.asMono().then(memory.reserve(tenant, amount));
        }

        @Override
        public Mono<Reservation> reserveOverLimit(String tenant, Usd amount) {
            return go.asMono().then(memory.reserveOverLimit(tenant, amount));
        }

        @Override
        public Mono<Void> settle(Reservation r, Usd actual) {
            return memory.settle(r, actual);
        }

        @Override
        public Mono<Void> setLimits(String tenant, BudgetLimits limits) {
            return memory.setLimits(tenant, limits);
        }
    }

    private BudgetView view() {
        return memory.view("acme").block();
    }

    @Test
    void closingSettlesTheReservationWithTheActualCost() {
        BudgetClaim claim = new BudgetClaim(memory);
        assertThat(claim.reserve("acme", Usd.of("0.5"), false).block()).isInstanceOf(Reservation.class);
        assertThat(claim.open()).isTrue();
        assertThat(view().daily().reserved()).isEqualTo(Usd.of("0.5"));

        claim.close(Usd.of("0.2"));
        claim.close(Usd.of("0.2"));
        claim.close(Usd.ZERO);

        assertThat(claim.open()).isFalse();
        assertThat(view().daily().spent()).isEqualTo(Usd.of("0.2"));
        assertThat(view().daily().reserved()).isEqualTo(Usd.ZERO);
    }

    @Test
    void closingWithZeroReleases() {
        BudgetClaim claim = new BudgetClaim(memory);
        claim.reserve("acme", Usd.of("0.5"), false).block();
        claim.close(Usd.ZERO);
        assertThat(view().daily().committed()).isEqualTo(Usd.ZERO);
    }

    @Test
    void aReservationArrivingAfterTheCallerWentAwayIsReleased() {
        SlowStore slow = new SlowStore();
        BudgetClaim claim = new BudgetClaim(slow);
        Disposable waiting = claim.reserve("acme", Usd.of("0.5"), false).subscribe();
        waiting.dispose(); // the client went away while the store was still answering
        claim.close(Usd.ZERO); // the dispatcher's clean-up

        slow.go.tryEmitValue(true); // now the store grants
        assertThat(claim.open()).isFalse();
        assertThat(view().daily().committed()).isEqualTo(Usd.ZERO);
    }

    @Test
    void aDenialLeavesNothingToClose() {
        BudgetClaim claim = new BudgetClaim(memory);
        assertThat(claim.reserve("acme", Usd.of("5"), false).block()).isInstanceOf(Denial.class);
        assertThat(claim.open()).isFalse();
        claim.close(Usd.of("5"));
        assertThat(view().daily().committed()).isEqualTo(Usd.ZERO);
    }

    @Test
    void anOverLimitClaimIsGrantedPastTheLimit() {
        BudgetClaim claim = new BudgetClaim(memory);
        assertThat(claim.reserve("acme", Usd.of("5"), true).block()).isInstanceOf(Reservation.class);
        claim.close(Usd.of("5"));
        assertThat(view().daily().spent()).isEqualTo(Usd.of("5"));
    }
}
