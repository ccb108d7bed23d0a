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
import java.util.Optional;
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
 *
 * <p>Cascades: a request the replay sends to the local tier under a policy's {@code cascade} is judged as the
 * gateway's dispatcher judges it ({@link #judge}): escalated when the confidence the ledger recorded for its local
 * answer is below the candidate's {@code escalate-below} ({@link Policy.Cascade#escalates}, the dispatcher's own
 * comparison). The ledger holds a confidence only for answers a cascade judged on a tier that measures one, and only
 * the figure of the recorded policy's {@code signal}: a request without one is kept and counted
 * ({@link ReplayReport#confidenceUnknown()}). Escalations for the answer's shape are recorded outcomes, not decisions
 * the replay can make again (the ledger keeps no answer): with {@code structural} on, a request the ledger records as
 * escalated for its shape is escalated again; every other answer is taken to have the shape asked for (an answer
 * escalated on confidence was never checked for its shape, and counts as well-formed when a candidate keeps it). An
 * escalated request is billed as the gateway bills it: the local answer (its recorded tokens) plus the next tier of
 * the route's chain (the recorded answer's tokens when that tier answered, else the request's); its latency is both.
 *
 * <p>Quality: of the requests the replay serves on local or cloud (after any escalation), those the gateway shadowed
 * on that same tier carry a recorded verdict against a stronger tier; {@link ShadowQuality} says what their share of
 * acceptable verdicts estimates, and what it does not.
 */
public final class LedgerReplay {

    /** Disagreements kept for the report. */
    static final int DISAGREEMENTS_KEPT = 10;

    private final Router router;
    private final SimulationConfig config;

    private final Function<String, Optional<Policy>> recordedPolicies;

    /**
     * A replay that knows no recorded policy: a kept local answer's confidence is compared only by a cascade on the
     * default signal ({@code mean-prob}); see {@link #LedgerReplay(Router, SimulationConfig, Function)}.
     *
     * @param config slots, queue limit, service times (calibrated) and prices
     */
    public LedgerReplay(Router router, SimulationConfig config) {
        this(router, config, name -> Optional.empty());
    }

    /**
     * @param config slots, queue limit, service times (calibrated) and prices
     * @param recordedPolicies the policy of a name the ledger records, when known: its cascade's {@code signal} says
     *     which confidence figure the ledger holds for a local answer it kept (an escalation's reason says it itself)
     */
    public LedgerReplay(Router router, SimulationConfig config, Function<String, Optional<Policy>> recordedPolicies) {
        this.router = Objects.requireNonNull(router, "router");
        this.config = Objects.requireNonNull(config, "config");
        this.recordedPolicies = Objects.requireNonNull(recordedPolicies, "recordedPolicies");
    }

    public SimulationConfig config() {
        return config;
    }

    /** Replays {@code rows} (in arrival order) under {@code policy}. */
    public ReplayReport run(Policy policy, List<RecordedRequest> rows) {
        return run(policy.name(), r -> policy, rows, recordedPolicies);
    }

    /**
     * Replays {@code rows} each under the policy it was recorded with, as {@code byName} finds it.
     *
     * @param byName the policy of a name; throws when it knows none
     */
    public ReplayReport live(String label, Function<String, Policy> byName, List<RecordedRequest> rows) {
        Map<String, Policy> policies = new HashMap<>();
        Function<String, Policy> cached = p -> policies.computeIfAbsent(p, byName);
        return run(label, r -> cached.apply(r.policy()), rows, p -> Optional.of(cached.apply(p)));
    }

    private ReplayReport run(
            String name,
            Function<RecordedRequest, Policy> policyOf,
            List<RecordedRequest> rows,
            Function<String, Optional<Policy>> policiesByName) {
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
        int escalated = 0;
        int unknown = 0;
        int cheaper = 0;
        int verdicts = 0;
        int acceptable = 0;
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
            if (!r.cacheHit() && (r.judged() != null || (r.finalTier() == Tier.LOCAL && r.answered()))) {
                recorded.serve(t, localServiceMs(r, localUsage(r, usage)));
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
                        Tier served = tier;
                        if (tier == Tier.LOCAL) {
                            Usage local = localUsage(r, usage);
                            charged = config.prices().cost(Tier.LOCAL, local);
                            double ms = replayed.serve(t, localServiceMs(r, local));
                            Policy.Cascade cascade = route.cascade();
                            Judgement judgement = cascade == null
                                    ? Judgement.KEPT
                                    : judge(cascade, r, recordedSignal(r, policiesByName));
                            if (judgement == Judgement.UNKNOWN) {
                                unknown++;
                            }
                            if (judgement == Judgement.ESCALATED) {
                                // Billed as the gateway bills it: the discarded local answer, then the next tier's.
                                escalated++;
                                served = route.fallbackChain().get(0);
                                Usage next = r.finalTier() == served && r.answered() ? r.usage() : usage;
                                charged = charged.plus(config.prices().cost(served, next));
                                ms += remoteMs(r, served, next);
                            }
                            latencies[timed++] = ms;
                        } else {
                            charged = config.prices().cost(tier, usage);
                            latencies[timed++] = remoteMs(r, tier, usage);
                        }
                        if (served != Tier.LEGACY) {
                            cheaper++;
                            RecordedRequest.Shadow verdict = r.verdictOn(served);
                            if (verdict != null) {
                                verdicts++;
                                if (verdict.acceptable()) {
                                    acceptable++;
                                }
                            }
                        }
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
        return new ReplayReport(
                report,
                agreed,
                ledgerCost,
                disagreements,
                escalated,
                unknown,
                new ShadowQuality(cheaper, verdicts, acceptable));
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

    /** How a cascade judges the local answer of a replayed request. */
    enum Judgement {
        /** Kept: its confidence is at or above {@code escalate-below}, or the cascade does not look at it. */
        KEPT,
        /** Kept, because the ledger holds no confidence the cascade could compare (counted in the report). */
        UNKNOWN,
        /** Escalated to the next tier of the route's chain. */
        ESCALATED
    }

    /**
     * The cascade's judgement of {@code r}'s local answer, as the gateway's dispatcher judges it: first the recorded
     * confidence against {@code escalate-below} ({@link Policy.Cascade#escalates}), when the ledger holds it for the
     * cascade's signal; then, with {@code structural}, the answer's shape, which cannot be judged again (the ledger
     * keeps no answer): an escalation the ledger records for the shape is one again, any other answer is taken to have
     * the shape asked for. A cascade with {@code escalate-below: 0} escalates nothing on confidence, so an unknown
     * confidence does not matter to it.
     *
     * @param recordedSignal which figure the recorded confidence is, or null when unknown
     */
    static Judgement judge(Policy.Cascade cascade, RecordedRequest r, Policy.@Nullable Signal recordedSignal) {
        RecordedRequest.Judged judged = r.judged();
        boolean unknown = false;
        if (cascade.escalateBelow() > 0) {
            Double confidence = judged == null ? null : judged.confidence();
            if (confidence == null || recordedSignal != cascade.signal()) {
                unknown = true;
            } else if (cascade.escalates(confidence)) {
                return Judgement.ESCALATED;
            }
        }
        if (cascade.structural() && judged != null && judged.structural()) {
            return Judgement.ESCALATED;
        }
        return unknown ? Judgement.UNKNOWN : Judgement.KEPT;
    }

    /**
     * Which figure the ledger's confidence for {@code r}'s local answer is: the one an escalation's reason names, else
     * the recorded policy's cascade's, else the default {@code mean-prob} (the recorded policy is not known, or no longer
     * cascades); null when there is no confidence.
     */
    private static Policy.@Nullable Signal recordedSignal(
            RecordedRequest r, Function<String, Optional<Policy>> policiesByName) {
        RecordedRequest.Judged judged = r.judged();
        if (judged == null || judged.confidence() == null) {
            return null;
        }
        if (judged.signal() != null) {
            return judged.signal();
        }
        Policy.Cascade cascade =
                policiesByName.apply(r.policy()).map(Policy::cascade).orElse(null);
        return cascade == null ? Policy.Signal.MEAN_PROB : cascade.signal();
    }

    /** The usage of {@code r}'s local answer: the judged attempt's when a cascade judged one, else the request's. */
    private static Usage localUsage(RecordedRequest r, Usage usage) {
        RecordedRequest.Judged judged = r.judged();
        return judged == null ? usage : judged.usage();
    }

    /** A remote tier's time: measured when it answered the request, else the calibrated model's. */
    private double remoteMs(RecordedRequest r, Tier tier, Usage usage) {
        return switch (tier) {
            case LOCAL -> localServiceMs(r, usage);
            case CLOUD ->
                measuredOr(
                        r, tier, config.cloudBaseMs() + usage.completionTokens() * config.cloudMsPerCompletionToken());
            case LEGACY ->
                measuredOr(
                        r,
                        tier,
                        config.legacyBaseMs() + usage.completionTokens() * config.legacyMsPerCompletionToken());
        };
    }

    /**
     * The request's time in a local slot: measured when the local tier answered it (an escalated answer included),
     * else the model's.
     */
    private double localServiceMs(RecordedRequest r, Usage usage) {
        long measured = r.finalTier() == Tier.LOCAL || r.judged() != null ? r.measuredMs(Tier.LOCAL) : -1;
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
