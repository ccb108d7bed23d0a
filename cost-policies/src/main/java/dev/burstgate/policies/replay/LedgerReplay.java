package dev.burstgate.policies.replay;

import dev.burstgate.policies.Tier;
import dev.burstgate.policies.budget.BudgetState;
import dev.burstgate.policies.cost.Usage;
import dev.burstgate.policies.cost.Usd;
import dev.burstgate.policies.policy.Policy;
import dev.burstgate.policies.routing.LocalEngineState;
import dev.burstgate.policies.routing.RejectCode;
import dev.burstgate.policies.routing.Router;
import dev.burstgate.policies.routing.RoutingDecision;
import dev.burstgate.policies.routing.RoutingInput;
import dev.burstgate.policies.simulation.SimulationConfig;
import dev.burstgate.policies.simulation.SimulationReport;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Replays recorded requests through the same {@link Router} under a policy. Each request is routed on the inputs it was
 * recorded with — score, personal data, needs, overrides, tier health — except what the policy under test changes
 * itself:
 *
 * <ul>
 *   <li><b>The local engine's queue</b>: the recorded queue, shifted by the difference the replay makes. Two models
 *       of the local engine ({@link SimulationConfig#localSlots()} slots) run side by side: one serves the requests
 *       the ledger says the local tier answered, the other those the replay sends there. The recorded wait and queue
 *       length move by the difference between the two (a policy sending more to local sees a longer queue); under the
 *       live policy the two serve the same requests and the recorded queue stands. A request's time in a slot is its
 *       measured one when the local tier answered it, else the calibrated model's.
 *   <li><b>The tenant's budget</b>: the recorded spend, shifted by what the replay has spent more or less than the
 *       ledger so far for the same tenant.
 * </ul>
 *
 * <p>Cost: a routed request costs its tier's price for the recorded usage (the answer's tokens; for a request the
 * ledger has no answer for, the recorded prompt estimate and {@link SimulationConfig#defaultCompletionTokens()}); a
 * request the response cache answered costs nothing, whatever the policy. Fallbacks after failures are not replayed:
 * a request costs what its first tier charges. Latency: the local model's queue and time in a slot; for remote tiers
 * the measured time when that tier answered the request, else the calibrated model's.
 */
public final class LedgerReplay {

    /** Disagreements kept for the report. */
    static final int DISAGREEMENTS_KEPT = 10;

    private final Router router;
    private final SimulationConfig config;

    /** @param config slots, queue limit, service times (calibrated) and prices */
    public LedgerReplay(Router router, SimulationConfig config) {
        this.router = Objects.requireNonNull(router, "router");
        this.config = Objects.requireNonNull(config, "config");
    }

    public SimulationConfig config() {
        return config;
    }

    /** Replays {@code rows} (in arrival order) under {@code policy}. */
    public ReplayReport run(Policy policy, List<RecordedRequest> rows) {
        return run(policy.name(), r -> policy, rows);
    }

    /**
     * Replays {@code rows} each under the policy it was recorded with, as {@code byName} finds it.
     *
     * @param byName the policy of a name; throws when it knows none
     */
    public ReplayReport live(String label, Function<String, Policy> byName, List<RecordedRequest> rows) {
        Map<String, Policy> policies = new HashMap<>();
        return run(label, r -> policies.computeIfAbsent(r.policy(), byName), rows);
    }

    private ReplayReport run(String name, Function<RecordedRequest, Policy> policyOf, List<RecordedRequest> rows) {
        int n = rows.size();
        LocalQueue recorded = new LocalQueue(config.localSlots());
        LocalQueue replayed = new LocalQueue(config.localSlots());
        Map<String, Usd> spendDelta = new HashMap<>();
        Map<Tier, Integer> tiers = new EnumMap<>(Tier.class);
        for (Tier t : Tier.values()) {
            tiers.put(t, 0);
        }
        Map<RejectCode, Integer> rejected = new EnumMap<>(RejectCode.class);
        double[] latencies = new double[n];
        int timed = 0;
        int bursts = 0;
        int agreed = 0;
        List<String> disagreements = new ArrayList<>();
        Usd cost = Usd.ZERO;
        Usd baseline = Usd.ZERO;
        Usd ledgerCost = Usd.ZERO;
        long t0 = n == 0 ? 0 : rows.get(0).time().toEpochMilli();
        for (RecordedRequest r : rows) {
            double t = r.time().toEpochMilli() - t0;
            RoutingInput in = r.routing().input();
            Usage usage =
                    r.answered() ? r.usage() : new Usage(in.needs().promptTokens(), config.defaultCompletionTokens());
            LocalQueue.State base = recorded.state(t);
            LocalQueue.State now = replayed.state(t);
            if (!r.cacheHit() && r.finalTier() == Tier.LOCAL && r.answered()) {
                recorded.serve(t, localServiceMs(r, usage));
            }
            Usd delta = spendDelta.getOrDefault(r.tenant(), Usd.ZERO);
            RoutingInput input = in.withLocal(local(in.local(), base, now)).withBudget(shift(in.budget(), delta));
            RoutingDecision decision = router.route(policyOf.apply(r), input);
            ledgerCost = ledgerCost.plus(r.cost());
            baseline = baseline.plus(config.prices().baseline(usage));
            Usd charged = Usd.ZERO;
            Tier tier = null;
            switch (decision) {
                case RoutingDecision.Route route -> {
                    tier = route.tier();
                    tiers.merge(tier, 1, Integer::sum);
                    if (route.reason().contains("burst: ")) {
                        bursts++;
                    }
                    if (!r.cacheHit()) {
                        charged = config.prices().cost(tier, usage);
                        latencies[timed++] = switch (tier) {
                            case LOCAL -> replayed.serve(t, localServiceMs(r, usage));
                            case CLOUD ->
                                measuredOr(
                                        r,
                                        tier,
                                        config.cloudBaseMs()
                                                + usage.completionTokens() * config.cloudMsPerCompletionToken());
                            case LEGACY ->
                                measuredOr(
                                        r,
                                        tier,
                                        config.legacyBaseMs()
                                                + usage.completionTokens() * config.legacyMsPerCompletionToken());
                        };
                    }
                }
                case RoutingDecision.Reject reject -> rejected.merge(reject.code(), 1, Integer::sum);
            }
            cost = cost.plus(charged);
            spendDelta.put(r.tenant(), delta.plus(charged).minus(r.cost()));
            if (tier == r.decidedTier()) {
                agreed++;
            } else if (disagreements.size() < DISAGREEMENTS_KEPT) {
                disagreements.add(r.id() + ": recorded " + label(r.decidedTier()) + ", replayed " + label(tier) + " ("
                        + decision.reason() + ")");
            }
        }
        double[] sorted = Arrays.copyOf(latencies, timed);
        Arrays.sort(sorted);
        SimulationReport report = new SimulationReport(
                name,
                n,
                tiers,
                rejected,
                bursts,
                cost,
                baseline,
                percentile(sorted, 50),
                percentile(sorted, 95),
                0,
                0,
                0);
        return new ReplayReport(report, agreed, ledgerCost, disagreements);
    }

    /** The recorded engine state, moved by the difference between the replayed and the recorded load. */
    private LocalEngineState local(LocalEngineState recorded, LocalQueue.State base, LocalQueue.State now) {
        if (base.equals(now)) {
            return recorded;
        }
        long wait = Math.max(0, recorded.queueWaitMs() + now.waitMs() - base.waitMs());
        int queued = Math.max(0, recorded.queueLength() + now.queued() - base.queued());
        boolean admitting = now.queued() <= base.queued()
                ? recorded.admitting()
                : recorded.admitting() && queued < config.localMaxQueue();
        return new LocalEngineState(wait, queued, admitting);
    }

    /** The recorded budget state with {@code delta} more spent in the day and the month (never below zero). */
    private static BudgetState shift(BudgetState recorded, Usd delta) {
        if (delta.isZero() || recorded.equals(BudgetState.UNLIMITED)) {
            return recorded;
        }
        return new BudgetState(
                recorded.dailyLimit(),
                nonNegative(recorded.spentToday().plus(delta)),
                recorded.monthlyLimit(),
                nonNegative(recorded.spentThisMonth().plus(delta)));
    }

    private static Usd nonNegative(Usd amount) {
        return amount.isNegative() ? Usd.ZERO : amount;
    }

    /** The request's time in a local slot: measured when the local tier answered it, else the model's. */
    private double localServiceMs(RecordedRequest r, Usage usage) {
        long measured = r.finalTier() == Tier.LOCAL ? r.measuredMs(Tier.LOCAL) : -1;
        if (measured >= 0) {
            return measured;
        }
        return config.localBaseMs()
                + usage.promptTokens() * config.localMsPerPromptToken()
                + usage.completionTokens() * config.localMsPerCompletionToken();
    }

    private static double measuredOr(RecordedRequest r, Tier tier, double modelled) {
        long measured = r.measuredMs(tier);
        return measured >= 0 ? measured : modelled;
    }

    private static String label(@Nullable Tier tier) {
        return tier == null ? "refusal" : tier.label();
    }

    /** Nearest-rank percentile of sorted values; 0 for none. */
    private static double percentile(double[] sorted, int p) {
        if (sorted.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }

    /** A model of the local engine's slots: when each frees, and who waits for one. */
    static final class LocalQueue {

        /** The engine as a request arriving now finds it. */
        record State(long waitMs, int queued) {}

        private final PriorityQueue<Double> slotFree = new PriorityQueue<>();
        private final ArrayDeque<Double> waitingStarts = new ArrayDeque<>();

        LocalQueue(int slots) {
            for (int s = 0; s < slots; s++) {
                slotFree.add(0.0);
            }
        }

        /** The wait and the queue at {@code t} (ms; calls in non-decreasing {@code t}). */
        State state(double t) {
            while (!waitingStarts.isEmpty() && waitingStarts.peekFirst() <= t) {
                waitingStarts.pollFirst();
            }
            Double earliest = slotFree.peek();
            long wait = earliest == null ? 0 : (long) Math.ceil(Math.max(0.0, earliest - t));
            return new State(wait, waitingStarts.size());
        }

        /** Serves a request arriving at {@code t} for {@code serviceMs}; returns its latency (wait + service). */
        double serve(double t, double serviceMs) {
            Double free = slotFree.poll();
            double start = Math.max(t, free == null ? t : free);
            double end = start + serviceMs;
            slotFree.add(end);
            if (start > t) {
                waitingStarts.addLast(start);
            }
            return end - t;
        }
    }
}
