package dev.burstgate.policies.simulation;

import dev.burstgate.policies.Tier;
import dev.burstgate.policies.budget.BudgetRefusals;
import dev.burstgate.policies.budget.BudgetState;
import dev.burstgate.policies.capability.RequestNeeds;
import dev.burstgate.policies.classifier.Complexity;
import dev.burstgate.policies.classifier.ComplexityClassifier;
import dev.burstgate.policies.cost.TokenEstimate;
import dev.burstgate.policies.cost.Usage;
import dev.burstgate.policies.cost.Usd;
import dev.burstgate.policies.policy.Policy;
import dev.burstgate.policies.privacy.PiiDetector;
import dev.burstgate.policies.privacy.PrivacySignal;
import dev.burstgate.policies.routing.LocalEngineState;
import dev.burstgate.policies.routing.RejectCode;
import dev.burstgate.policies.routing.RequestOverrides;
import dev.burstgate.policies.routing.Router;
import dev.burstgate.policies.routing.RoutingDecision;
import dev.burstgate.policies.routing.RoutingInput;
import dev.burstgate.policies.routing.TierHealth;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.function.IntConsumer;
import java.util.random.RandomGenerator;
import java.util.stream.IntStream;
import org.jspecify.annotations.Nullable;

/**
 * Replays traffic through the same {@link Router} and {@link Policy} objects the gateway uses, against a modelled
 * world: the local engine has a fixed number of slots and a service time that grows with tokens, so when arrivals
 * peak its queue wait grows and the policy's burst rule moves requests to the next tier; cloud and legacy have
 * latency but no queue. Deterministic for a given config (arrivals for rows without {@code ts} come from a seeded
 * Poisson process).
 *
 * <p>Arrivals: when every row has {@code ts}, rows arrive at those times (sorted, stable); otherwise all rows arrive
 * as a Poisson process at {@link SimulationConfig#arrivalsPerSecond()} in file order.
 *
 * <p>Tokens: prompt tokens are estimated as ⌈characters / 4⌉ (at least 1); completion tokens come from
 * {@code completion_tokens} or the config default.
 *
 * <p>Cascades: a policy's {@code cascade} is ignored. A traffic file carries no local answer and so no confidence
 * to compare with {@code escalate-below}; every request the router sends to the local tier counts as answered
 * there, at the local price, as if nothing escalated. A replay of the gateway's ledger
 * ({@link dev.burstgate.policies.replay.LedgerReplay}) has the confidences the gateway measured and judges cascades
 * with them.
 */
public final class Simulator {

    private final Router router;
    private final ComplexityClassifier classifier;
    private final PiiDetector pii;
    private final SimulationConfig config;

    public Simulator(Router router, ComplexityClassifier classifier, PiiDetector pii, SimulationConfig config) {
        this.router = Objects.requireNonNull(router, "router");
        this.classifier = Objects.requireNonNull(classifier, "classifier");
        this.pii = Objects.requireNonNull(pii, "pii");
        this.config = Objects.requireNonNull(config, "config");
    }

    public SimulationConfig config() {
        return config;
    }

    /** Classifies and scans every row once and fixes arrival times. */
    public PreparedTraffic prepare(List<TrafficRecord> input, IntConsumer progress) {
        int n = input.size();
        double[] arrival = new double[n];
        boolean allTimed = n > 0 && input.stream().allMatch(r -> r.timestampSeconds() != null);
        List<TrafficRecord> rows;
        if (allTimed) {
            Integer[] order = IntStream.range(0, n).boxed().toArray(Integer[]::new);
            Arrays.sort(order, Comparator.comparingDouble(i -> timestamp(input.get(i))));
            rows = Arrays.stream(order).map(input::get).toList();
            double t0 = timestamp(rows.get(0));
            for (int i = 0; i < n; i++) {
                arrival[i] = (timestamp(rows.get(i)) - t0) * 1000.0;
            }
        } else {
            rows = input;
            RandomGenerator rng = new SplittableRandom(config.seed());
            double t = 0;
            for (int i = 0; i < n; i++) {
                if (i > 0) {
                    t += -Math.log(1.0 - rng.nextDouble()) / config.arrivalsPerSecond() * 1000.0;
                }
                arrival[i] = t;
            }
        }
        Complexity[] complexity = new Complexity[n];
        PrivacySignal[] privacy = new PrivacySignal[n];
        long[] prompt = new long[n];
        long[] completion = new long[n];
        for (int i = 0; i < n; i++) {
            TrafficRecord r = rows.get(i);
            complexity[i] = classifier.classify(r.messages());
            privacy[i] = pii.scan(r.messages());
            prompt[i] = TokenEstimate.promptTokens(r.chars());
            completion[i] = r.completionTokens() != null ? r.completionTokens() : config.defaultCompletionTokens();
            if ((i & 1023) == 0) {
                progress.accept(i);
            }
        }
        progress.accept(n);
        return new PreparedTraffic(rows, complexity, privacy, prompt, completion, arrival);
    }

    /** The timestamp of a row of fully timed traffic (every row has one). */
    private static double timestamp(TrafficRecord r) {
        return Objects.requireNonNull(r.timestampSeconds(), "timestampSeconds");
    }

    /** Replays prepared traffic under {@code policy}. */
    public SimulationReport run(Policy policy, PreparedTraffic traffic) {
        int n = traffic.size();
        PriorityQueue<Double> slotFree = new PriorityQueue<>();
        for (int s = 0; s < config.localSlots(); s++) {
            slotFree.add(0.0);
        }
        ArrayDeque<Double> waitingStarts = new ArrayDeque<>();
        Map<Tier, Integer> tiers = new EnumMap<>(Tier.class);
        for (Tier t : Tier.values()) {
            tiers.put(t, 0);
        }
        Map<RejectCode, Integer> rejected = new EnumMap<>(RejectCode.class);
        double[] latencies = new double[n];
        int routed = 0;
        int bursts = 0;
        Usd cost = Usd.ZERO;
        Usd baseline = Usd.ZERO;
        int labelled = 0;
        int correct = 0;
        int correctLegacy = 0;
        for (int i = 0; i < n; i++) {
            double t = traffic.arrivalMs[i];
            while (!waitingStarts.isEmpty() && waitingStarts.peekFirst() <= t) {
                waitingStarts.pollFirst();
            }
            double earliest = slotFree.isEmpty() ? t : slotFree.peek();
            long waitMs = (long) Math.ceil(Math.max(0.0, earliest - t));
            int queued = waitingStarts.size();
            LocalEngineState local = new LocalEngineState(waitMs, queued, queued < config.localMaxQueue());
            BudgetState budget =
                    config.budget() == null ? BudgetState.UNLIMITED : BudgetState.monthly(config.budget(), cost);
            RoutingInput input = new RoutingInput(
                    traffic.complexity[i],
                    traffic.privacy[i],
                    budget,
                    local,
                    TierHealth.ALL_UP,
                    RequestOverrides.NONE,
                    new RequestNeeds(traffic.rows.get(i).needs(), traffic.promptTokens[i]));
            RoutingDecision decision = router.route(policy, input);
            Usage usage = new Usage(traffic.promptTokens[i], traffic.completionTokens[i]);
            baseline = baseline.plus(config.prices().baseline(usage));
            TrafficRecord row = traffic.rows.get(i);
            Boolean legacyRight = row.correctOn(Tier.LEGACY);
            switch (decision) {
                case RoutingDecision.Route r -> {
                    Tier tier = underBudget(policy, r, traffic.promptTokens[i], cost);
                    if (tier == null) {
                        rejected.merge(RejectCode.BUDGET_EXHAUSTED, 1, Integer::sum);
                        if (legacyRight != null) {
                            labelled++;
                            correctLegacy += legacyRight ? 1 : 0;
                        }
                        continue;
                    }
                    tiers.merge(tier, 1, Integer::sum);
                    if (r.reason().contains("burst: ")) {
                        bursts++;
                    }
                    cost = cost.plus(config.prices().cost(tier, usage));
                    latencies[routed++] = switch (tier) {
                        case LOCAL -> {
                            double start = Math.max(t, slotFree.poll());
                            double end = start
                                    + config.localBaseMs()
                                    + usage.promptTokens() * config.localMsPerPromptToken()
                                    + usage.completionTokens() * config.localMsPerCompletionToken();
                            slotFree.add(end);
                            if (start > t) {
                                waitingStarts.addLast(start);
                            }
                            yield end - t;
                        }
                        case CLOUD ->
                            config.cloudBaseMs() + usage.completionTokens() * config.cloudMsPerCompletionToken();
                        case LEGACY ->
                            config.legacyBaseMs() + usage.completionTokens() * config.legacyMsPerCompletionToken();
                    };
                    Boolean right = row.correctOn(tier);
                    if (legacyRight != null && right != null) {
                        labelled++;
                        correct += right ? 1 : 0;
                        correctLegacy += legacyRight ? 1 : 0;
                    }
                }
                case RoutingDecision.Reject j -> {
                    rejected.merge(j.code(), 1, Integer::sum);
                    if (legacyRight != null) {
                        labelled++;
                        correctLegacy += legacyRight ? 1 : 0;
                    }
                }
            }
        }
        double[] routedLatencies = Arrays.copyOf(latencies, routed);
        Arrays.sort(routedLatencies);
        return new SimulationReport(
                policy.name(),
                n,
                tiers,
                rejected,
                bursts,
                cost,
                baseline,
                percentile(routedLatencies, 50),
                percentile(routedLatencies, 95),
                labelled,
                correct,
                correctLegacy);
    }

    /**
     * The tier that answers a routed request under the budget: the first of the decided tier and its fallback chain
     * whose reservation (the estimate for the prompt and {@link TokenEstimate#DEFAULT_COMPLETION_TOKENS}) fits the
     * monthly budget, after refusals as {@link BudgetRefusals} rules them — as the gateway's dispatcher does when every
     * tier answers. Null when none may: the request is refused for its budget.
     */
    @Nullable
    Tier underBudget(Policy policy, RoutingDecision.Route route, long promptTokens, Usd spent) {
        Usd limit = config.budget();
        List<Tier> plan = new ArrayList<>(1 + route.fallbackChain().size());
        plan.add(route.tier());
        plan.addAll(route.fallbackChain());
        if (limit == null) {
            return route.tier();
        }
        BudgetRefusals refusals = new BudgetRefusals(policy.onExhausted());
        for (int k = 0; k < plan.size(); k++) {
            Tier t = plan.get(k);
            boolean free = config.prices().price(t).isFree();
            Usd estimate = free
                    ? Usd.ZERO
                    : config.prices().cost(t, new Usage(promptTokens, TokenEstimate.DEFAULT_COMPLETION_TOKENS));
            if (!refusals.mayTry(t, free, estimate)) {
                continue;
            }
            if (free || refusals.overLimit(t) || spent.plus(estimate).compareTo(limit) <= 0) {
                return t;
            }
            plan = refusals.refused(estimate, plan, false);
        }
        return null;
    }

    /** Nearest-rank percentile of sorted values; 0 for none. */
    static double percentile(double[] sorted, int p) {
        if (sorted.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }
}
