package dev.burstgate.gateway.shadow;

import dev.burstgate.gateway.api.ChatCompletionRequest;
import dev.burstgate.gateway.dispatch.ShadowHook;
import dev.burstgate.gateway.ledger.ShadowHistory;
import dev.burstgate.gateway.routing.RoutedRequest;
import dev.burstgate.gateway.tier.TierBackend;
import dev.burstgate.gateway.tier.UpstreamChunk;
import dev.burstgate.gateway.usage.ShadowRecord;
import dev.burstgate.gateway.usage.ShadowRecordListener;
import dev.burstgate.policies.Tier;
import dev.burstgate.policies.cost.PriceTable;
import dev.burstgate.policies.cost.TokenEstimate;
import dev.burstgate.policies.cost.Usage;
import dev.burstgate.policies.cost.Usd;
import dev.burstgate.policies.policy.Policy;
import dev.burstgate.policies.policy.PolicyRegistry;
import dev.burstgate.policies.policy.PolicyTuning;
import dev.burstgate.policies.shadow.JudgeRubric;
import dev.burstgate.policies.shadow.Judges;
import dev.burstgate.policies.shadow.ShadowAnswer;
import dev.burstgate.policies.shadow.ShadowBudget;
import dev.burstgate.policies.shadow.ShadowPlanner;
import dev.burstgate.policies.shadow.ShadowRules;
import dev.burstgate.policies.shadow.ShadowStatistics;
import dev.burstgate.policies.shadow.Verdict;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Runs shadow comparisons off the client's path. The dispatcher asks it, when an answer starts, whether to watch it
 * ({@link ShadowPlanner}: the policy's pairs, band and rate); a watched answer's text and tool calls are assembled as
 * it passes, and once the answer is complete, the comparison reserves its estimated cost (shadow call plus judge call)
 * in the policy's daily {@link ShadowBudget} — refused: skipped, {@code why="budget"} — and is queued for a worker
 * thread (queue full: dropped, {@code why="queue_full"}). Nothing on the request path blocks, waits or changes a
 * byte of the answer.
 *
 * <p>A worker sends the same body, not streamed, through the stronger tier's {@link TierBackend}, prices the answer
 * with the dispatcher's {@link PriceTable} (the usage it reported, or the same estimate), judges it (exact,
 * structural, or one more priced call to a judge tier with {@link JudgeRubric}), settles the reservation with what both
 * calls cost, and publishes a {@link ShadowRecord} (the ledger keeps it in {@code ledger_shadow}). A call that fails
 * costs nothing and gives the verdict {@code error}. Shadow spend is never charged to a tenant's budget.
 *
 * <p>Statistics and today's spend per policy are rebuilt from the ledger when it starts (on a worker, before any
 * comparison is taken); until that read has finished nothing is shadowed. When the ledger cannot be read, they start
 * empty, and the budget may then be spent once more that day.
 *
 * <p>Meters: {@code burstgate_shadow_calls_total{policy,tier,verdict}}, {@code burstgate_shadow_spend_usd_total{policy}},
 * {@code burstgate_shadow_skipped_total{policy,why}} ({@code budget}, {@code queue_full}, {@code tier_unavailable}).
 */
public final class ShadowRunner implements ShadowHook, SmartLifecycle {

    /** Stops after the web server (its requests may still hand comparisons over) and before the ledger writer. */
    public static final int PHASE = 1024;

    /** The most judged comparisons kept per policy for tuning; older ones are dropped first. */
    public static final int MAX_SAMPLES = 100_000;

    static final String THREAD_PREFIX = "burstgate-shadow-";

    private static final Logger log = LoggerFactory.getLogger(ShadowRunner.class);

    private final PolicyRegistry policies;
    private final Map<Tier, TierBackend> backends;
    private final PriceTable prices;
    private final List<ShadowRecordListener> listeners;
    private final @Nullable ShadowHistory history;
    private final ShadowProperties props;
    private final int defaultCompletionTokens;
    private final InstantSource clock;
    private final SplittableRandom seeds;
    private final MeterRegistry meters;

    private final Map<String, PolicyShadow> states = new ConcurrentHashMap<>();
    private final Map<String, ShadowStatistics> statistics = new ConcurrentHashMap<>();
    private final Map<String, Skips> skips = new ConcurrentHashMap<>();
    /** Per policy, the judged comparisons (newest last, at most {@link #MAX_SAMPLES}) that tuning proposes from. */
    private final Map<String, java.util.ArrayDeque<PolicyTuning.Sample>> samples = new ConcurrentHashMap<>();

    private final Map<String, Usd> restoredToday = new ConcurrentHashMap<>();
    private volatile @Nullable LocalDate restoredDay;
    private volatile boolean restored;
    private volatile boolean restoredFromLedger;
    private volatile @Nullable ThreadPoolExecutor workers;

    /**
     * @param history the ledger's shadow rows to rebuild from, or null without a ledger
     * @param seed the seed of the shadow draws
     */
    public ShadowRunner(
            PolicyRegistry policies,
            List<TierBackend> backends,
            PriceTable prices,
            List<ShadowRecordListener> listeners,
            @Nullable ShadowHistory history,
            ShadowProperties props,
            int defaultCompletionTokens,
            InstantSource clock,
            long seed,
            MeterRegistry meters) {
        this.policies = policies;
        Map<Tier, TierBackend> m = new EnumMap<>(Tier.class);
        for (TierBackend b : backends) {
            m.put(b.tier(), b);
        }
        this.backends = Collections.unmodifiableMap(m);
        this.prices = prices;
        this.listeners = List.copyOf(listeners);
        this.history = history;
        this.props = props;
        this.defaultCompletionTokens = defaultCompletionTokens;
        this.clock = clock;
        this.seeds = new SplittableRandom(seed);
        this.meters = meters;
    }

    // ---- the request path ------------------------------------------------------------------------------------------

    @Override
    public @Nullable Watch watch(RoutedRequest routed, Tier served) {
        if (!props.enabled() || !restored || workers == null) {
            return null;
        }
        PolicyShadow state = state(routed.policy());
        if (state == null) {
            return null;
        }
        Tier against = state.planner.pick(served, routed.complexity());
        if (against == null) {
            return null;
        }
        return new Comparison(state, routed, served, against, null);
    }

    /**
     * A local answer the cascade discarded is compared with the answer that replaced it when the policy shadows
     * local answers against that tier, drawn at the same rate as kept local answers (the planner counts it as one more
     * local answer), so that the verdicts cover the confidences below {@code escalate-below} in the proportion they
     * arrive. No tier is asked again: the comparison costs the judge call, if any. Recorded with
     * {@link ShadowRecord#ESCALATION_SEQ}.
     */
    @Override
    public @Nullable Watch escalated(
            RoutedRequest routed, List<ObjectNode> discarded, @Nullable Double confidence, Tier answering) {
        if (!props.enabled() || !restored || workers == null) {
            return null;
        }
        PolicyShadow state = state(routed.policy());
        if (state == null || state.rules.against(Tier.LOCAL) != answering) {
            return null;
        }
        if (state.planner.pick(Tier.LOCAL, routed.complexity()) != answering) {
            return null;
        }
        AnswerText local = new AnswerText();
        discarded.forEach(local::see);
        Comparison c = new Comparison(state, routed, Tier.LOCAL, answering, local);
        if (confidence != null) {
            c.judged(confidence);
        }
        return c;
    }

    /**
     * One watched answer, then one queued comparison: of the served answer with a shadow call to a stronger tier, or,
     * for an escalation, of the discarded local answer with the watched answer that replaced it.
     */
    private final class Comparison implements Watch {
        final PolicyShadow state;
        final RoutedRequest routed;
        final Tier served;
        final Tier against;
        final AnswerText cheaper;
        /** The stronger answer as it passed, for an escalation; null: ask {@link #against} (a shadow call). */
        final @Nullable AnswerText stronger;

        ShadowBudget.@Nullable Reservation reservation;
        volatile @Nullable Double confidence;

        Comparison(
                PolicyShadow state, RoutedRequest routed, Tier served, Tier against, @Nullable AnswerText discarded) {
            this.state = state;
            this.routed = routed;
            this.served = served;
            this.against = against;
            this.cheaper = discarded != null ? discarded : new AnswerText();
            this.stronger = discarded != null ? new AnswerText() : null;
        }

        boolean escalation() {
            return stronger != null;
        }

        @Override
        public void see(ObjectNode chunkOrCompletion) {
            AnswerText s = stronger;
            (s != null ? s : cheaper).see(chunkOrCompletion);
        }

        @Override
        public void judged(double value) {
            if (served == Tier.LOCAL && value >= 0.0 && value <= 1.0) {
                confidence = value;
            }
        }

        @Override
        public void complete() {
            String policy = state.policy.name();
            ShadowBudget.Reservation r = state.budget.reserve(estimate(this));
            if (r == null) {
                skipped(policy, "budget");
                return;
            }
            reservation = r;
            ThreadPoolExecutor pool = workers;
            try {
                if (pool == null) {
                    throw new RejectedExecutionException("stopped");
                }
                pool.execute(() -> run(this));
            } catch (RejectedExecutionException e) {
                state.budget.settle(r, Usd.ZERO);
                skipped(policy, "queue_full");
            }
        }
    }

    /**
     * What a comparison may cost at most: the shadow call (none for an escalation), and the judge call when a tier
     * judges.
     */
    private Usd estimate(Comparison c) {
        Integer max = c.routed.request().maxTokens();
        long completion = max != null ? max : defaultCompletionTokens;
        Usd cost = c.escalation()
                ? Usd.ZERO
                : prices.cost(c.against, new Usage(c.routed.estimatedPromptTokens(), completion));
        if (c.state.rules.judge() instanceof ShadowRules.Judge.ByTier(Tier judge)) {
            long chars = JudgeRubric.SYSTEM.length() + c.routed.promptChars() + c.cheaper.chars();
            long prompt = TokenEstimate.promptTokens(chars) + completion;
            cost = cost.plus(prices.cost(judge, new Usage(prompt, props.judgeMaxTokens())));
        }
        return cost;
    }

    // ---- a worker --------------------------------------------------------------------------------------------------

    private void run(Comparison c) {
        String policy = c.state.policy.name();
        ShadowBudget.Reservation r = java.util.Objects.requireNonNull(c.reservation, "reservation");
        TierBackend backend = backends.get(c.against);
        ShadowRules.Judge judge = c.state.rules.judge();
        TierBackend judgeBackend = judge instanceof ShadowRules.Judge.ByTier(Tier t) ? backends.get(t) : null;
        if ((!c.escalation() && (backend == null || !backend.available()))
                || (judge instanceof ShadowRules.Judge.ByTier && (judgeBackend == null || !judgeBackend.available()))) {
            c.state.budget.settle(r, Usd.ZERO);
            skipped(policy, "tier_unavailable");
            return;
        }
        Instant time = clock.instant();
        long start = System.nanoTime();
        Usd cost = Usd.ZERO;
        Usd judgeCost = Usd.ZERO;
        Usage usage = Usage.NONE;
        boolean usageEstimated = true;
        Verdict verdict;
        long latencyNanos;
        try {
            AnswerText stronger = c.stronger;
            if (stronger == null) {
                ChatCompletionRequest request = unstreamed(c.routed.request());
                stronger = call(java.util.Objects.requireNonNull(backend), request, c.routed.requestId());
                usage = usage(stronger, c.routed.promptChars());
                usageEstimated = stronger.reported() == null;
                // Priced from the tokens the shadow tier reported: a legacy call so measures what legacy would charge.
                cost = prices.cost(c.against, usage);
            }
            latencyNanos = System.nanoTime() - start;
            ShadowAnswer cheap = c.cheaper.answer();
            ShadowAnswer strong = stronger.answer();
            verdict = switch (judge) {
                case ShadowRules.Judge.Exact() -> Judges.exact(cheap, strong);
                case ShadowRules.Judge.Structural() -> Judges.structural(cheap, strong);
                case ShadowRules.Judge.ByTier(Tier t) -> {
                    ChatCompletionRequest ask = judgeRequest(c.routed.request(), cheap, strong);
                    AnswerText said = call(java.util.Objects.requireNonNull(judgeBackend), ask, c.routed.requestId());
                    judgeCost = prices.cost(t, usage(said, ask.promptChars()));
                    yield JudgeRubric.parse(said.answer().text());
                }
            };
        } catch (RuntimeException e) {
            latencyNanos = System.nanoTime() - start;
            verdict = Verdict.ERROR;
            log.debug(
                    "request {}: shadow comparison on {} failed: {}",
                    c.routed.requestId(),
                    c.against.label(),
                    e.toString());
        }
        Usd total = cost.plus(judgeCost);
        c.state.budget.settle(r, total);
        statistics(policy).record(c.routed.complexity(), c.confidence, verdict);
        sample(policy, c.routed.complexity(), c.served, c.against, verdict, c.confidence, c.escalation());
        Counter.builder("burstgate.shadow.calls")
                .description("Shadow comparisons, by the tier compared with and the verdict")
                .tags("policy", policy, "tier", c.against.label(), "verdict", verdict.label())
                .register(meters)
                .increment();
        Counter.builder("burstgate.shadow.spend.usd")
                .description("What shadow and judge calls cost (never billed to a tenant)")
                .tag("policy", policy)
                .register(meters)
                .increment(total.amount().doubleValue());
        ShadowRecord record = new ShadowRecord(
                c.routed.requestId(),
                c.escalation() ? ShadowRecord.ESCALATION_SEQ : 0,
                time,
                policy,
                c.served,
                c.against,
                c.routed.complexity(),
                c.confidence,
                verdict,
                judge.key(),
                total,
                judgeCost,
                usage,
                usageEstimated,
                Duration.ofNanos(latencyNanos));
        for (ShadowRecordListener l : listeners) {
            try {
                l.onShadow(record);
            } catch (RuntimeException e) {
                log.error(
                        "shadow record listener {} failed for request {}",
                        l.getClass().getSimpleName(),
                        record.requestId(),
                        e);
            }
        }
    }

    private AnswerText call(TierBackend backend, ChatCompletionRequest request, String requestId) {
        List<UpstreamChunk> chunks =
                backend.call(request, requestId).collectList().block(props.callTimeout());
        AnswerText answer = new AnswerText();
        if (chunks != null) {
            for (UpstreamChunk chunk : chunks) {
                answer.see(chunk.json());
            }
        }
        return answer;
    }

    private static Usage usage(AnswerText answer, long promptChars) {
        Usage reported = answer.reported();
        return reported != null
                ? reported
                : new Usage(TokenEstimate.promptTokens(promptChars), TokenEstimate.ofChars(answer.chars()));
    }

    /** The client's request as one JSON answer: {@code stream} and {@code stream_options} left out of the body. */
    static ChatCompletionRequest unstreamed(ChatCompletionRequest r) {
        ObjectNode body = r.body().deepCopy();
        body.remove("stream");
        body.remove("stream_options");
        return new ChatCompletionRequest(
                body,
                r.model(),
                r.forcedTier(),
                r.messages(),
                r.needs(),
                false,
                false,
                r.maxTokens(),
                r.temperature(),
                r.topP(),
                r.stop(),
                r.seed());
    }

    private ChatCompletionRequest judgeRequest(ChatCompletionRequest asked, ShadowAnswer cheap, ShadowAnswer strong) {
        StringBuilder question = new StringBuilder();
        for (ChatCompletionRequest.Message m : asked.messages()) {
            if (!question.isEmpty()) {
                question.append('\n');
            }
            question.append(m.role()).append(": ").append(m.content());
        }
        String prompt = JudgeRubric.prompt(question.toString(), cheap, strong);
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.put("model", "auto");
        var messages = body.putArray("messages");
        messages.addObject().put("role", "system").put("content", JudgeRubric.SYSTEM);
        messages.addObject().put("role", "user").put("content", prompt);
        body.put("temperature", 0);
        body.put("max_tokens", props.judgeMaxTokens());
        return new ChatCompletionRequest(
                body,
                "auto",
                null,
                List.of(
                        new ChatCompletionRequest.Message("system", JudgeRubric.SYSTEM),
                        new ChatCompletionRequest.Message("user", prompt)),
                Map.of(),
                false,
                false,
                props.judgeMaxTokens(),
                0.0,
                null,
                List.of(),
                null);
    }

    // ---- per policy ------------------------------------------------------------------------------------------------

    /** One policy version's planner, with the policy's budget (kept across reloads of the same limit). */
    private final class PolicyShadow {
        final Policy policy;
        final ShadowRules rules;
        final ShadowPlanner planner;
        final ShadowBudget budget;

        PolicyShadow(Policy policy, ShadowRules rules, @Nullable PolicyShadow before) {
            this.policy = policy;
            this.rules = rules;
            this.planner = new ShadowPlanner(
                    rules, policy.thresholds().cloudAt(), policy.thresholds().legacyAt(), nextRandom());
            if (before != null && before.budget.limit().equals(rules.dailyBudget())) {
                this.budget = before.budget;
            } else {
                this.budget = new ShadowBudget(rules.dailyBudget(), clock);
                if (before != null) {
                    budget.restore(
                            before.budget.day(), before.budget.spentToday().plus(before.budget.reserved()));
                } else {
                    LocalDate day = restoredDay;
                    Usd spent = restoredToday.get(policy.name());
                    if (day != null && spent != null) {
                        budget.restore(day, spent);
                    }
                }
            }
        }
    }

    private synchronized SplittableRandom nextRandom() {
        return seeds.split();
    }

    /** The shadow state of the policy named {@code name} as it is now, or null when it shadows nothing. */
    private @Nullable PolicyShadow state(String name) {
        Policy policy = policies.find(name).orElse(null);
        ShadowRules rules = policy == null ? null : policy.shadow();
        if (policy == null || rules == null) {
            return null;
        }
        PolicyShadow current = states.get(name);
        if (current != null && current.policy == policy) {
            return current;
        }
        synchronized (states) {
            PolicyShadow before = states.get(name);
            if (before != null && before.policy == policy) {
                return before;
            }
            PolicyShadow fresh = new PolicyShadow(policy, rules, before);
            states.put(name, fresh);
            return fresh;
        }
    }

    private ShadowStatistics statistics(String policy) {
        return java.util.Objects.requireNonNull(statistics.computeIfAbsent(policy, p -> new ShadowStatistics()));
    }

    /** Comparisons skipped since start, by reason. */
    record Skips(AtomicLong budget, AtomicLong queueFull, AtomicLong tierUnavailable) {
        Skips() {
            this(new AtomicLong(), new AtomicLong(), new AtomicLong());
        }
    }

    private void skipped(String policy, String why) {
        Skips s = java.util.Objects.requireNonNull(skips.computeIfAbsent(policy, p -> new Skips()));
        switch (why) {
            case "budget" -> s.budget.incrementAndGet();
            case "queue_full" -> s.queueFull.incrementAndGet();
            default -> s.tierUnavailable.incrementAndGet();
        }
        Counter.builder("burstgate.shadow.skipped")
                .description("Shadow comparisons not made: over the daily shadow budget, queue full, tier unavailable")
                .tags("policy", policy, "why", why)
                .register(meters)
                .increment();
    }

    // ---- what the admin endpoint shows -----------------------------------------------------------------------------

    /** One policy's shadow figures now. */
    record View(
            @Nullable ShadowRules rules,
            LocalDate day,
            Usd spentToday,
            Usd reserved,
            ShadowStatistics.Snapshot statistics,
            long skippedBudget,
            long skippedQueueFull,
            long skippedTierUnavailable,
            boolean fromLedger) {}

    /** The figures of the policy named {@code name} (which must exist). */
    View view(String name) {
        PolicyShadow state = state(name);
        Skips found = skips.get(name);
        Skips s = found != null ? found : new Skips();
        LocalDate today = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
        Usd spent = Usd.ZERO;
        Usd reserved = Usd.ZERO;
        if (state != null) {
            spent = state.budget.spentToday();
            reserved = state.budget.reserved();
            today = state.budget.day();
        } else if (today.equals(restoredDay)) {
            Usd restoredSpend = restoredToday.get(name);
            spent = restoredSpend != null ? restoredSpend : Usd.ZERO;
        }
        return new View(
                state == null ? null : state.rules,
                today,
                spent,
                reserved,
                statistics(name).snapshot(),
                s.budget.get(),
                s.queueFull.get(),
                s.tierUnavailable.get(),
                restoredFromLedger);
    }

    // ---- lifecycle -------------------------------------------------------------------------------------------------

    @Override
    public synchronized void start() {
        if (workers != null) {
            return;
        }
        AtomicInteger n = new AtomicInteger();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(
                props.workers(),
                props.workers(),
                60,
                TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(props.queueCapacity() + 1),
                r -> Thread.ofPlatform()
                        .daemon(true)
                        .name(THREAD_PREFIX + n.incrementAndGet())
                        .unstarted(r),
                new ThreadPoolExecutor.AbortPolicy());
        workers = pool;
        // The first task, ahead of any comparison: nothing is shadowed until it has run.
        pool.execute(this::restore);
    }

    private void restore() {
        try {
            if (history != null) {
                LocalDate today = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
                long rows = history.read(Instant.EPOCH, r -> {
                    statistics(r.policy()).record(r.complexity(), r.confidence(), r.verdict());
                    sample(
                            r.policy(),
                            r.complexity(),
                            r.servedTier(),
                            r.shadowTier(),
                            r.verdict(),
                            r.confidence(),
                            r.seq() == ShadowRecord.ESCALATION_SEQ);
                    if (LocalDate.ofInstant(r.time(), ZoneOffset.UTC).equals(today)) {
                        restoredToday.merge(r.policy(), r.cost(), Usd::plus);
                    }
                });
                restoredDay = today;
                restoredFromLedger = true;
                if (rows > 0) {
                    log.info("Shadow statistics rebuilt from {} ledger rows", rows);
                }
            }
        } catch (RuntimeException e) {
            log.warn(
                    "Cannot read the shadow comparisons back from the ledger ({}); shadow statistics and today's shadow "
                            + "spend start from nothing",
                    e.toString());
        } finally {
            restored = true;
        }
    }

    @Override
    public synchronized void stop() {
        ThreadPoolExecutor pool = workers;
        workers = null;
        if (pool == null) {
            return;
        }
        pool.shutdown();
        try {
            if (!pool.awaitTermination(5, TimeUnit.SECONDS)) {
                List<Runnable> dropped = pool.shutdownNow();
                log.warn("{} shadow comparisons were not made: the gateway stopped", dropped.size());
            }
        } catch (InterruptedException e) {
            pool.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public boolean isRunning() {
        return workers != null;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }

    private void sample(
            String policy,
            double score,
            Tier served,
            Tier against,
            Verdict verdict,
            @Nullable Double confidence,
            boolean escalation) {
        if (verdict == Verdict.ERROR) {
            return;
        }
        Double local = served == Tier.LOCAL && confidence != null && confidence >= 0.0 && confidence <= 1.0
                ? confidence
                : null;
        var kept = samples.computeIfAbsent(policy, k -> new java.util.ArrayDeque<>());
        synchronized (kept) {
            if (kept.size() >= MAX_SAMPLES) {
                kept.removeFirst();
            }
            kept.addLast(new PolicyTuning.Sample(
                    score, served, against, verdict == Verdict.ACCEPTABLE, local, escalation && served == Tier.LOCAL));
        }
    }

    /** The judged comparisons of a policy kept for tuning, oldest first (errors left out). */
    public List<PolicyTuning.Sample> samples(String policy) {
        var kept = samples.get(policy);
        if (kept == null) {
            return List.of();
        }
        synchronized (kept) {
            return List.copyOf(kept);
        }
    }

    /** Whether the ledger has been read back (or found unreadable) and comparisons may be taken. */
    public boolean ready() {
        return restored;
    }
}
