package dev.burstgate.gateway.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.burstgate.gateway.budget.BudgetLimits;
import dev.burstgate.gateway.budget.BudgetStore;
import dev.burstgate.gateway.budget.BudgetView;
import dev.burstgate.gateway.budget.Denial;
import dev.burstgate.gateway.budget.Reservation;
import dev.burstgate.gateway.budget.ReserveResult;
import dev.burstgate.policies.Tier;
import dev.burstgate.policies.budget.BudgetRefusals;
import dev.burstgate.policies.budget.ExhaustedAction;
import dev.burstgate.policies.cost.Usd;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

/** One request's reservations against the real in-memory store, with the refusal rule the simulator shares. */
class BudgetFlowTest {

    private static final String TENANT = "acme";
    private static final Usd LOCAL = Usd.of("0.02");
    private static final Usd CLOUD = Usd.of("0.18");
    private static final Usd LEGACY = Usd.of("1.10");

    private final InstantSource clock = InstantSource.fixed(Instant.parse("2026-11-29T10:00:00Z"));

    /**
     * The in-memory store, counting the calls that reach it: the tests tell a tier the flow skipped (no call) from one
     * the store refused, and a claim closed once from one closed twice.
     */
    private static final class CountingStore implements BudgetStore {
        final BudgetStore memory;
        final AtomicInteger reserves = new AtomicInteger();
        final AtomicInteger overLimitReserves = new AtomicInteger();
        final AtomicInteger settles = new AtomicInteger();

        CountingStore(BudgetStore memory) {
            this.memory = memory;
        }

        @Override
        public Mono<BudgetView> view(String tenant) {
            return memory.view(tenant);
        }

        @Override
        public Mono<ReserveResult> reserve(String tenant, Usd amount) {
            reserves.incrementAndGet();
            return memory.reserve(tenant, amount);
        }

        @Override
        public Mono<Reservation> reserveOverLimit(String tenant, Usd amount) {
            overLimitReserves.incrementAndGet();
            return memory.reserveOverLimit(tenant, amount);
        }

        @Override
        public Mono<Void> settle(Reservation r, Usd actual) {
            settles.incrementAndGet();
            return memory.settle(r, actual);
        }

        @Override
        public Mono<Void> setLimits(String tenant, BudgetLimits limits) {
            return memory.setLimits(tenant, limits);
        }
    }

    /** A store with {@code daily} as the tenant's daily limit (null: none). */
    private CountingStore store(String daily) {
        BudgetLimits limits = new BudgetLimits(daily == null ? null : Usd.of(daily), null);
        return new CountingStore(BudgetStore.inMemory(t -> limits, clock));
    }

    private static BudgetFlow flow(BudgetStore store, ExhaustedAction action, boolean forced, Tier... plan) {
        return new BudgetFlow(store, TENANT, new BudgetRefusals(action), List.of(plan), forced);
    }

    private static BudgetFlow.Admission admit(BudgetFlow flow, Tier tier, Usd estimate) {
        return flow.admit(tier, false, estimate).block();
    }

    private static BudgetView.PeriodView today(BudgetStore store) {
        return store.view(TENANT).block().daily();
    }

    /** Spends {@code usd} of the tenant's budget before the request under test. */
    private static void spent(BudgetStore store, String usd) {
        Reservation r = (Reservation) store.reserve(TENANT, Usd.of(usd)).block();
        store.settle(r, Usd.of(usd)).block();
    }

    @Test
    void aFreeTierIsGrantedWithoutAReservationEvenWithNoBudgetLeft() {
        CountingStore store = store("0");
        BudgetFlow flow = flow(store, ExhaustedAction.REJECT, false, Tier.LOCAL);

        StepVerifier.create(flow.admit(Tier.LOCAL, true, Usd.ZERO))
                .expectNext(new BudgetFlow.Admission.Granted(null))
                .verifyComplete();

        assertThat(store.reserves).hasValue(0);
        assertThat(store.overLimitReserves).hasValue(0);
        assertThat(today(store).committed()).isEqualTo(Usd.ZERO);
    }

    @Test
    void aPricedTierReservesItsEstimateUntilTheAttemptClosesTheClaim() {
        CountingStore store = store("10");
        BudgetFlow flow = flow(store, ExhaustedAction.REJECT, false, Tier.CLOUD, Tier.LEGACY);

        BudgetFlow.Admission admission = admit(flow, Tier.CLOUD, Usd.of("0.180515"));

        assertThat(admission).isInstanceOfSatisfying(BudgetFlow.Admission.Granted.class, g -> {
            assertThat(g.claim()).isNotNull();
            assertThat(g.claim().open()).isTrue();
        });
        assertThat(today(store).reserved()).isEqualTo(Usd.of("0.180515"));
        assertThat(today(store).spent()).isEqualTo(Usd.ZERO);
        assertThat(flow.plan()).containsExactly(Tier.CLOUD, Tier.LEGACY);
        assertThat(flow.lastDenial()).isNull();

        ((BudgetFlow.Admission.Granted) admission).claim().close(Usd.of("0.180014"));
        assertThat(today(store).reserved()).isEqualTo(Usd.ZERO);
        assertThat(today(store).spent()).isEqualTo(Usd.of("0.180014"));
    }

    @Test
    void aRefusalUnderRejectKeepsThePlanAndLetsOnlyCheaperOrFreeTiersFollow() {
        CountingStore store = store("0.50");
        BudgetFlow flow = flow(store, ExhaustedAction.REJECT, false, Tier.LEGACY, Tier.CLOUD, Tier.LOCAL);

        assertThat(admit(flow, Tier.LEGACY, LEGACY)).isInstanceOfSatisfying(BudgetFlow.Admission.Refused.class, r -> {
            assertThat(r.denial().amount()).isEqualTo(LEGACY);
            assertThat(r.denial().period()).isEqualTo(Denial.Period.DAILY);
            assertThat(r.denial().limit()).isEqualTo(Usd.of("0.50"));
            assertThat(flow.lastDenial()).isEqualTo(r.denial());
        });
        assertThat(flow.plan()).containsExactly(Tier.LEGACY, Tier.CLOUD, Tier.LOCAL);
        assertThat(today(store).committed()).as("a refusal holds nothing").isEqualTo(Usd.ZERO);

        assertThat(admit(flow, Tier.CLOUD, CLOUD)).isInstanceOf(BudgetFlow.Admission.Granted.class);
        assertThat(flow.admit(Tier.LOCAL, true, Usd.ZERO).block()).isEqualTo(new BudgetFlow.Admission.Granted(null));
        assertThat(today(store).reserved()).isEqualTo(CLOUD);
    }

    @Test
    void afterARefusalUnderRejectATierAsDearOrDearerIsSkippedWithoutAskingTheStore() {
        CountingStore store = store("0.10");
        BudgetFlow flow = flow(store, ExhaustedAction.REJECT, false, Tier.CLOUD, Tier.LEGACY);

        assertThat(admit(flow, Tier.CLOUD, CLOUD)).isInstanceOf(BudgetFlow.Admission.Refused.class);
        assertThat(store.reserves).hasValue(1);

        assertThat(admit(flow, Tier.LEGACY, LEGACY)).isEqualTo(new BudgetFlow.Admission.Skipped());
        assertThat(admit(flow, Tier.CLOUD, CLOUD))
                .as("not even at the refused price again")
                .isEqualTo(new BudgetFlow.Admission.Skipped());
        assertThat(store.reserves).hasValue(1);
        assertThat(flow.plan()).containsExactly(Tier.CLOUD, Tier.LEGACY);
    }

    @Test
    void theCheapestRefusalSetsTheBarForWhatFollows() {
        CountingStore store = store("0.15");
        BudgetFlow flow = flow(store, ExhaustedAction.REJECT, false, Tier.LEGACY, Tier.CLOUD, Tier.LOCAL);

        assertThat(admit(flow, Tier.LEGACY, LEGACY)).isInstanceOf(BudgetFlow.Admission.Refused.class);
        assertThat(admit(flow, Tier.CLOUD, CLOUD)).isInstanceOf(BudgetFlow.Admission.Refused.class);
        assertThat(flow.lastDenial().amount()).isEqualTo(CLOUD);
        // 0.02 < 0.18, the cheapest refused: the local tier may still try, and fits.
        assertThat(admit(flow, Tier.LOCAL, LOCAL)).isInstanceOf(BudgetFlow.Admission.Granted.class);
        assertThat(store.reserves).hasValue(3);
        assertThat(today(store).reserved()).isEqualTo(LOCAL);
    }

    @Test
    void aRefusalUnderLocalOnlyAddsTheLocalTierWhichIsServedPastTheLimit() {
        CountingStore store = store("0.10");
        spent(store, "0.10");
        BudgetFlow flow = flow(store, ExhaustedAction.LOCAL_ONLY, false, Tier.CLOUD, Tier.LEGACY);

        assertThat(admit(flow, Tier.CLOUD, CLOUD)).isInstanceOf(BudgetFlow.Admission.Refused.class);
        assertThat(flow.plan()).containsExactly(Tier.CLOUD, Tier.LEGACY, Tier.LOCAL);

        assertThat(admit(flow, Tier.LEGACY, LEGACY)).isEqualTo(new BudgetFlow.Admission.Skipped());
        assertThat(admit(flow, Tier.LOCAL, LOCAL))
                .isInstanceOfSatisfying(
                        BudgetFlow.Admission.Granted.class,
                        g -> assertThat(g.claim()).isNotNull());

        assertThat(store.overLimitReserves).hasValue(1);
        BudgetView.PeriodView day = today(store);
        assertThat(day.reserved()).isEqualTo(LOCAL);
        assertThat(day.committed()).as("past the 0.10 limit").isEqualTo(Usd.of("0.12"));
    }

    @Test
    void underLocalOnlyAPlanThatHasTheLocalTierKeepsItOnce() {
        CountingStore store = store("0.10");
        BudgetFlow flow = flow(store, ExhaustedAction.LOCAL_ONLY, false, Tier.CLOUD, Tier.LOCAL);

        assertThat(admit(flow, Tier.CLOUD, CLOUD)).isInstanceOf(BudgetFlow.Admission.Refused.class);

        assertThat(flow.plan()).containsExactly(Tier.CLOUD, Tier.LOCAL);
    }

    @Test
    void underLocalOnlyARequestThatForcedItsTierGetsNoLocalTier() {
        CountingStore store = store("0.10");
        BudgetFlow flow = flow(store, ExhaustedAction.LOCAL_ONLY, true, Tier.CLOUD);

        assertThat(admit(flow, Tier.CLOUD, CLOUD)).isInstanceOf(BudgetFlow.Admission.Refused.class);

        assertThat(flow.plan()).containsExactly(Tier.CLOUD);
        assertThat(flow.lastDenial()).isNotNull();
    }

    @Test
    void underRejectThePricedLocalTierIsNotServedPastTheLimit() {
        CountingStore store = store("0.10");
        spent(store, "0.10");
        BudgetFlow flow = flow(store, ExhaustedAction.REJECT, false, Tier.LOCAL);

        assertThat(admit(flow, Tier.LOCAL, LOCAL)).isInstanceOf(BudgetFlow.Admission.Refused.class);

        assertThat(store.overLimitReserves).hasValue(0);
        assertThat(flow.plan()).containsExactly(Tier.LOCAL);
    }

    @Test
    void aStoreThatFailsGivesStoreFailedAndMoneyDoesNotFailOpen() {
        IllegalStateException down = new IllegalStateException("redis down");
        AtomicInteger calls = new AtomicInteger();
        BudgetStore memory = BudgetStore.inMemory(t -> BudgetLimits.NONE, clock);
        BudgetStore broken = new BudgetStore() {
            @Override
            public Mono<BudgetView> view(String tenant) {
                return memory.view(tenant);
            }

            @Override
            public Mono<ReserveResult> reserve(String tenant, Usd amount) {
                calls.incrementAndGet();
                return Mono.error(down);
            }

            @Override
            public Mono<Reservation> reserveOverLimit(String tenant, Usd amount) {
                calls.incrementAndGet();
                throw down; // a store that throws instead of signalling is handled alike
            }

            @Override
            public Mono<Void> settle(Reservation r, Usd actual) {
                return memory.settle(r, actual);
            }

            @Override
            public Mono<Void> setLimits(String tenant, BudgetLimits limits) {
                return memory.setLimits(tenant, limits);
            }
        };
        BudgetFlow flow = flow(broken, ExhaustedAction.LOCAL_ONLY, false, Tier.CLOUD, Tier.LEGACY, Tier.LOCAL);

        assertThat(admit(flow, Tier.CLOUD, CLOUD)).isEqualTo(new BudgetFlow.Admission.StoreFailed(down));
        // A failure is not a refusal: the next priced tier asks the store again (and fails again), nothing joins the
        // plan.
        assertThat(admit(flow, Tier.LEGACY, LEGACY)).isEqualTo(new BudgetFlow.Admission.StoreFailed(down));
        assertThat(admit(flow, Tier.LOCAL, LOCAL))
                .as("the local tier's over-limit reservation fails alike")
                .isEqualTo(new BudgetFlow.Admission.StoreFailed(down));
        assertThat(calls).hasValue(3);
        assertThat(flow.plan()).containsExactly(Tier.CLOUD, Tier.LEGACY, Tier.LOCAL);
        assertThat(flow.lastDenial()).isNull();
        assertThat(flow.admit(Tier.LOCAL, true, Usd.ZERO).block())
                .as("a free tier still serves")
                .isEqualTo(new BudgetFlow.Admission.Granted(null));
    }

    @Test
    void closeAllReleasesOpenClaimsOnceAndLeavesSettledAndRefusedOnesAlone() {
        CountingStore store = store("1.00");
        BudgetFlow flow = flow(store, ExhaustedAction.REJECT, false, Tier.CLOUD, Tier.LEGACY, Tier.LOCAL);
        var settled = (BudgetFlow.Admission.Granted) admit(flow, Tier.CLOUD, CLOUD);
        settled.claim().close(Usd.of("0.17")); // the attempt answered and billed itself
        assertThat(admit(flow, Tier.LEGACY, LEGACY)).isInstanceOf(BudgetFlow.Admission.Refused.class);
        var open = (BudgetFlow.Admission.Granted) admit(flow, Tier.LOCAL, LOCAL); // e.g. cancelled mid-attempt
        assertThat(store.settles).hasValue(1);
        assertThat(today(store).reserved()).isEqualTo(LOCAL);

        flow.closeAll();
        flow.closeAll();

        assertThat(store.settles).as("one release, for the open claim only").hasValue(2);
        assertThat(open.claim().open()).isFalse();
        BudgetView.PeriodView day = today(store);
        assertThat(day.reserved()).isEqualTo(Usd.ZERO);
        assertThat(day.spent()).as("the settled claim keeps its billed cost").isEqualTo(Usd.of("0.17"));
    }

    @Test
    void closeAllReleasesAReservationThatArrivesAfterTheRequestEnded() {
        Sinks.One<Boolean> go = Sinks.one();
        CountingStore memory = store("10");
        BudgetStore slow = new BudgetStore() {
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
        };
        BudgetFlow flow = flow(slow, ExhaustedAction.REJECT, false, Tier.LEGACY);

        Disposable waiting = flow.admit(Tier.LEGACY, false, LEGACY).subscribe();
        waiting.dispose(); // the client went away while the store was answering
        flow.closeAll(); // the request's end
        go.tryEmitValue(true);

        assertThat(memory.reserves).hasValue(1);
        assertThat(memory.settles).as("released as soon as granted").hasValue(1);
        assertThat(today(memory).committed()).isEqualTo(Usd.ZERO);
    }
}
