package dev.burstgate.gateway.dispatch;

import dev.burstgate.gateway.api.ApiException;
import dev.burstgate.gateway.budget.BudgetStore;
import dev.burstgate.gateway.budget.Denial;
import dev.burstgate.gateway.routing.RoutedRequest;
import dev.burstgate.gateway.tier.AnswerConfidence;
import dev.burstgate.gateway.tier.AttemptFailure;
import dev.burstgate.gateway.tier.TierBackend;
import dev.burstgate.gateway.tier.UpstreamChunk;
import dev.burstgate.gateway.usage.Outcome;
import dev.burstgate.policies.Tier;
import dev.burstgate.policies.budget.BudgetRefusals;
import dev.burstgate.policies.capability.RequestNeeds;
import dev.burstgate.policies.capability.TierCapabilities;
import dev.burstgate.policies.cost.PriceTable;
import dev.burstgate.policies.cost.Usage;
import dev.burstgate.policies.cost.Usd;
import dev.burstgate.policies.policy.Policy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Answers a routed request: tries its tiers in order, falls back to the next one only while nothing has reached the
 * client, reads usage from what passes through, prices every billed attempt, and emits {@link AnswerEvent}s for the
 * response writer. No HTTP here: the events say what to write.
 *
 * <p>Budgets: before each attempt on a priced tier, {@link BudgetFlow} reserves the attempt's estimated cost (prompt
 * tokens estimated from the characters, completion tokens the request's {@code max_tokens} or the configured default;
 * exact for per-query prices); the attempt settles the reservation with its billed cost (answered, cut or cancelled)
 * or releases it (failed before producing anything). After a refusal the request goes on only with the tiers the
 * policy's exhausted-action allows; when nothing answered because of a refusal the client gets 402
 * {@code budget_exhausted}.
 *
 * <p>Failures before the first byte go on to the next tier, except a tier's refusal of the request as invalid (400:
 * the request is at fault, no other tier is tried). When every tier that may answer refused the prompt as too long,
 * the answer is 400 {@code context_length_exceeded}; when every tier tried was throttled ({@link
 * AttemptFailure.Kind#THROTTLED}: all its endpoints asked to wait), 429 {@code upstream_rate_limited} with the
 * {@code Retry-After} of the first to come back. Tries inside a tier (a pool node replaced by another) each get an
 * attempt row, at no cost. A stream cut after its first byte ends with a {@link
 * AnswerEvent.Cut}, never a clean end.
 *
 * <p>Cascades: when the route carries the policy's cascade, a non-streamed answer of the local tier is read whole,
 * with the engine's confidence, before anything is sent; an answer below {@code escalate-below} (or, with
 * {@code structural}, of the wrong shape) is billed, recorded as {@link Outcome#ESCALATED} with its confidence, and
 * the request goes on down the plan as after a failure before the first byte; {@code X-Burstgate-Reason} then says
 * why ({@code local confidence 0.41 < 0.55 → cloud}). A kept answer's attempt records the confidence too.
 *
 * <p>The request's one cost record ({@link CostRecords}) is made before the events that end an answer are emitted,
 * so a ledger that journals it has it on disk before the answer's last bytes are written; a request that ends
 * otherwise (an error, a cancellation) gets it when it ends.
 */
public final class Dispatcher {

    private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

    private final Map<Tier, TierBackend> backends;
    private final PriceTable prices;
    private final TierCapabilities capabilities;
    private final BudgetStore budgets;
    private final CostRecords records;
    private final int defaultCompletionTokens;
    private final java.util.concurrent.atomic.AtomicBoolean unmeasuredWarned =
            new java.util.concurrent.atomic.AtomicBoolean();
    private final ShadowHook shadows;

    /**
     * @param budgets where attempts reserve and settle their cost
     * @param defaultCompletionTokens completion tokens assumed in an estimate when the request names no {@code max_tokens}
     */
    public Dispatcher(
            List<TierBackend> backends,
            PriceTable prices,
            BudgetStore budgets,
            CostRecords records,
            int defaultCompletionTokens) {
        this(backends, prices, budgets, records, defaultCompletionTokens, TierCapabilities.UNRESTRICTED);
    }

    /**
     * @param capabilities what each tier serves: a tier in a request's plan that cannot serve it (the local tier a
     *     budget at 100 % adds) is skipped, as the router skips it
     */
    public Dispatcher(
            List<TierBackend> backends,
            PriceTable prices,
            BudgetStore budgets,
            CostRecords records,
            int defaultCompletionTokens,
            TierCapabilities capabilities) {
        this(backends, prices, budgets, records, defaultCompletionTokens, capabilities, ShadowHook.OFF);
    }

    /**
     * @param shadows told of each complete answer it asked to watch ({@link ShadowHook})
     */
    public Dispatcher(
            List<TierBackend> backends,
            PriceTable prices,
            BudgetStore budgets,
            CostRecords records,
            int defaultCompletionTokens,
            TierCapabilities capabilities,
            ShadowHook shadows) {
        this.shadows = shadows;
        this.capabilities = capabilities;
        Map<Tier, TierBackend> m = new EnumMap<>(Tier.class);
        for (TierBackend b : backends) {
            m.put(b.tier(), b);
        }
        this.backends = Collections.unmodifiableMap(m);
        this.prices = prices;
        this.budgets = budgets;
        this.records = records;
        if (defaultCompletionTokens < 1) {
            throw new IllegalArgumentException(
                    "defaultCompletionTokens must be >= 1 but was " + defaultCompletionTokens);
        }
        this.defaultCompletionTokens = defaultCompletionTokens;
    }

    public Map<Tier, TierBackend> backends() {
        return backends;
    }

    /** The events of {@code routed}'s answer; cold: subscribing sends the request, cancelling abandons it. */
    public Flux<AnswerEvent> dispatch(RoutedRequest routed) {
        return Flux.defer(() -> {
            BudgetFlow budget = new BudgetFlow(
                    budgets,
                    routed.tenant().name(),
                    new BudgetRefusals(routed.onExhausted()),
                    routed.tiers(),
                    routed.request().forcedTier() != null);
            RequestTrace trace = new RequestTrace(routed, budget, prices, records::nanoTime);
            Flux<AnswerEvent> events = routed.request().stream() ? stream(trace) : complete(trace);
            return events.doFinally(signal -> publish(trace, signal == SignalType.CANCEL));
        });
    }

    // ---- non-streaming ------------------------------------------------------------------------------------------

    private Flux<AnswerEvent> complete(RequestTrace t) {
        return attempts(t, 0).next().switchIfEmpty(Mono.error(() -> noTier(t))).flatMapMany(answer -> {
            ObjectNode body = answer.chunk().json();
            AttemptMeter meter = meter(t);
            Usage usage = meter.usage(t.promptChars, false);
            t.finish(Outcome.OK, usage, meter.estimated(), null, records.nanoTime(), meter.judged, meter.judgedBy);
            Usd cost = t.totalCost();
            fillUsage(body.putObject("usage"), usage, cost);
            t.start(records.nanoTime());
            publish(t, false);
            ShadowHook.Watch shadow = watch(t, answer.tier());
            ShadowHook.Watch replaced = watchEscalation(t, answer.tier());
            return Flux.<AnswerEvent>just(
                            new AnswerEvent.Started(answer.tier(), t.reason(answer.tier()), false),
                            new AnswerEvent.Completion(body, cost))
                    .doOnComplete(() -> {
                        shadowed(shadow, body, meter.judgedBy);
                        shadowed(replaced, body, null);
                    });
        });
    }

    // ---- streaming ----------------------------------------------------------------------------------------------

    private Flux<AnswerEvent> stream(RequestTrace t) {
        boolean includeUsage = t.routed.request().includeUsage();
        AtomicReference<@Nullable ObjectNode> template = new AtomicReference<>();
        AtomicReference<ShadowHook.@Nullable Watch> shadow = new AtomicReference<>();
        AtomicReference<ShadowHook.@Nullable Watch> replaced = new AtomicReference<>();
        return attempts(t, 0)
                .concatMap(answer -> {
                    ObjectNode chunk = answer.chunk().json();
                    Flux<AnswerEvent> head = Flux.empty();
                    if (t.start(records.nanoTime())) {
                        head = Flux.just(new AnswerEvent.Started(answer.tier(), t.reason(answer.tier()), false));
                        shadow.set(watch(t, answer.tier()));
                        replaced.set(watchEscalation(t, answer.tier()));
                    }
                    seen(shadow.get(), chunk);
                    seen(replaced.get(), chunk);
                    template.compareAndSet(null, chunk);
                    if (chunk.remove("usage") != null && chunk.path("choices").isEmpty()) {
                        return head;
                    }
                    return head.concatWith(Mono.just(new AnswerEvent.Chunk(chunk)));
                })
                .switchIfEmpty(Mono.error(() -> noTier(t)))
                .concatWith(Mono.fromSupplier(() -> {
                    AttemptMeter meter = meter(t);
                    Usage usage = meter.usage(t.promptChars, true);
                    t.finish(
                            Outcome.OK,
                            usage,
                            meter.estimated(),
                            null,
                            records.nanoTime(),
                            meter.judged,
                            meter.judgedBy);
                    publish(t, false);
                    return new AnswerEvent.StreamEnd(
                            includeUsage ? usageChunk(template.get(), usage, t.totalCost()) : null);
                }))
                .doOnComplete(() -> {
                    AttemptMeter meter = t.current();
                    shadowed(shadow.get(), null, meter == null ? null : meter.judgedBy);
                    shadowed(replaced.get(), null, null);
                })
                .onErrorResume(e -> {
                    if (!t.started()) {
                        return Flux.error(e instanceof ApiException ? e : noTier(t));
                    }
                    // After the first byte: bill what was produced, end with an error event, and no [DONE].
                    AttemptMeter meter = meter(t);
                    t.finish(Outcome.CUT, meter.usage(t.promptChars, true), meter.estimated(), Failures.detail(e));
                    t.cut();
                    log.warn(
                            "request {}: the {} tier failed mid-stream: {}",
                            t.routed.requestId(),
                            meter.tier.label(),
                            Failures.detail(e));
                    return Flux.just(new AnswerEvent.Cut(new ApiException(
                            HttpStatus.BAD_GATEWAY,
                            "api_error",
                            "stream_cut",
                            null,
                            "The " + meter.tier.label() + " tier failed mid-stream: it " + Failures.publicMessage(e)
                                    + ".")));
                });
    }

    // ---- shadowing: once the answer is complete, never in its way -------------------------------------------

    private ShadowHook.@Nullable Watch watch(RequestTrace t, Tier served) {
        try {
            return shadows.watch(t.routed, served);
        } catch (RuntimeException e) {
            log.warn("request {}: shadowing failed to start: {}", t.routed.requestId(), e.toString());
            return null;
        }
    }

    /** A watch of the answer that replaces a local answer the cascade discarded, or null. */
    private ShadowHook.@Nullable Watch watchEscalation(RequestTrace t, Tier answering) {
        RequestTrace.Discarded d = t.discarded();
        if (d == null || answering == Tier.LOCAL) {
            return null;
        }
        try {
            return shadows.escalated(t.routed, d.chunks(), d.confidence(), answering);
        } catch (RuntimeException e) {
            log.warn("request {}: shadowing an escalation failed to start: {}", t.routed.requestId(), e.toString());
            return null;
        }
    }

    private static void seen(ShadowHook.@Nullable Watch watch, ObjectNode chunk) {
        if (watch != null) {
            try {
                watch.see(chunk);
            } catch (RuntimeException e) {
                log.warn("shadowing failed to read a chunk: {}", e.toString());
            }
        }
    }

    /**
     * The answer is complete: a non-streamed {@code body} is shown first, then the confidence a cascade kept it by
     * (when measured).
     */
    private static void shadowed(
            ShadowHook.@Nullable Watch watch, @Nullable ObjectNode body, @Nullable Double confidence) {
        if (watch == null) {
            return;
        }
        try {
            if (body != null) {
                watch.see(body);
            }
            if (confidence != null) {
                watch.judged(confidence);
            }
            watch.complete();
        } catch (RuntimeException e) {
            log.warn("shadowing failed to take a complete answer: {}", e.toString());
        }
    }

    private ObjectNode usageChunk(@Nullable ObjectNode template, Usage usage, Usd cost) {
        ObjectNode chunk = JsonNodeFactory.instance.objectNode();
        if (template != null) {
            chunk.set("id", template.get("id"));
            chunk.put("object", "chat.completion.chunk");
            chunk.set("created", template.get("created"));
            chunk.set("model", template.get("model"));
        }
        chunk.putArray("choices");
        fillUsage(chunk.putObject("usage"), usage, cost);
        return chunk;
    }

    private static void fillUsage(ObjectNode u, Usage usage, Usd cost) {
        u.put("prompt_tokens", usage.promptTokens());
        u.put("completion_tokens", usage.completionTokens());
        u.put("total_tokens", usage.totalTokens());
        u.put("cost", cost.amount());
    }

    private static AttemptMeter meter(RequestTrace t) {
        AttemptMeter meter = t.current();
        if (meter == null) {
            throw new IllegalStateException("an answer without an attempt");
        }
        return meter;
    }

    // ---- attempts and fallback ----------------------------------------------------------------------------------

    /** A chunk of the answer with the tier it came from. */
    private record Answer(Tier tier, UpstreamChunk chunk) {}

    private Flux<Answer> attempts(RequestTrace t, int index) {
        List<Tier> plan = t.budget.plan();
        if (index >= plan.size()) {
            return Flux.error(noTier(t));
        }
        Tier tier = plan.get(index);
        TierBackend backend = backends.get(tier);
        if (backend == null || !backend.available()) {
            t.skipped(tier, backend == null ? "tier disabled" : "tier unavailable");
            return attempts(t, index + 1);
        }
        TierCapabilities.Lack lack =
                capabilities.lack(tier, new RequestNeeds(t.routed.request().needs(), t.routed.estimatedPromptTokens()));
        if (lack != null) {
            t.skipped(tier, lack.note());
            return attempts(t, index + 1);
        }
        boolean free = prices.price(tier).isFree();
        Usd estimate = free ? Usd.ZERO : estimate(t.routed, tier);
        return t.budget.admit(tier, free, estimate).flatMapMany(admission -> switch (admission) {
            case BudgetFlow.Admission.Granted g -> attempt(t, index, tier, backend, g);
            case BudgetFlow.Admission.Skipped s -> attempts(t, index + 1);
            case BudgetFlow.Admission.Refused r -> {
                t.denied(tier, r.denial());
                yield attempts(t, index + 1);
            }
            case BudgetFlow.Admission.StoreFailed f -> {
                t.budgetFailed(tier, f.cause());
                yield attempts(t, index + 1);
            }
        });
    }

    /** One attempt on {@code tier}, holding the admission's claim until it is billed or has failed. */
    private Flux<Answer> attempt(
            RequestTrace t, int index, Tier tier, TierBackend backend, BudgetFlow.Admission.Granted admission) {
        return Flux.defer(() -> {
            AttemptMeter meter = t.begin(new AttemptMeter(tier, admission.claim(), records.nanoTime()));
            Policy.Cascade cascade = t.routed.cascade();
            if (cascade != null && tier == Tier.LOCAL) {
                if (!t.routed.request().stream()) {
                    return cascade(t, index, backend, meter, cascade);
                }
                Policy.StreamBuffer buffer = cascade.streamBuffer();
                if (buffer != null) {
                    return bufferedCascade(t, index, backend, meter, cascade, buffer);
                }
            }
            return backend.call(t.routed.request(), t.routed.requestId(), failure -> t.retried(meter, failure))
                    .doOnNext(meter::see)
                    .map(c -> new Answer(tier, c))
                    .onErrorResume(e -> {
                        if (meter.produced) {
                            return Flux.error(e);
                        }
                        return failedBeforeFirstByte(t, index, meter, e);
                    });
        });
    }

    /** The attempt under way failed before anything reached the client: the next tier, or the request's error. */
    private Flux<Answer> failedBeforeFirstByte(RequestTrace t, int index, AttemptMeter meter, Throwable e) {
        t.failed(meter, e);
        if (e instanceof AttemptFailure af && af.kind() == AttemptFailure.Kind.REFUSED) {
            // The request is at fault, not the tier: no other tier is tried, nothing is billed.
            return Flux.error(ApiException.badRequest(
                    "invalid_request",
                    null,
                    "The " + meter.tier.label() + " tier " + af.publicMessage() + "; check the request's parameters."));
        }
        return attempts(t, index + 1);
    }

    /**
     * A non-streamed local attempt under a cascade: the whole answer with the engine's confidence, judged before
     * anything reaches the client. Kept, it is the answer; escalated, it is billed and recorded as
     * {@link Outcome#ESCALATED} and the request goes on with the next tier, as after a failure before the first byte.
     */
    private Flux<Answer> cascade(
            RequestTrace t, int index, TierBackend backend, AttemptMeter meter, Policy.Cascade cascade) {
        return backend.callScored(t.routed.request(), t.routed.requestId())
                .doOnNext(meter::see)
                .collectList()
                .flatMapMany(
                        chunks -> {
                            if (chunks.isEmpty()) {
                                return failedBeforeFirstByte(
                                        t, index, meter, new IllegalStateException("the local tier sent no answer"));
                            }
                            UpstreamChunk answer = chunks.getLast();
                            AnswerConfidence confidence = meter.confidence;
                            unmeasured(t, backend, cascade, confidence);
                            String why = CascadeCheck.escalation(
                                    cascade,
                                    t.routed.request(),
                                    CascadeCheck.Answer.ofCompletion(answer.json()),
                                    confidence);
                            Double judged = confidence == null ? null : confidence.signal(cascade.signal());
                            if (why == null) {
                                meter.judged = true;
                                meter.judgedBy = judged;
                                return Flux.fromIterable(chunks).map(c -> new Answer(meter.tier, c));
                            }
                            Usage usage = meter.usage(t.promptChars, false);
                            t.escalated(meter, usage, meter.estimated(), judged, records.nanoTime(), why);
                            t.discarded(List.of(answer.json()), judged);
                            return attempts(t, index + 1);
                        },
                        e -> failedBeforeFirstByte(t, index, meter, e),
                        () -> Flux.<Answer>empty());
    }

    /**
     * Says once, in the log, that a cascade's {@code escalate-below} escalates nothing because the local tier measured
     * no confidence (the bundled in-process engine cannot; runner mode can), so that an operator does not take the
     * threshold for working.
     */
    private void unmeasured(
            RequestTrace t, TierBackend backend, Policy.Cascade cascade, @Nullable AnswerConfidence confidence) {
        if (confidence == null
                && !backend.measuresConfidence()
                && cascade.escalateBelow() > 0
                && unmeasuredWarned.compareAndSet(false, true)) {
            log.warn(
                    "Policy {} cascades on confidence (escalate-below {}), but the local tier measures no confidence: "
                            + "only its structural check escalates",
                    t.routed.policy(),
                    cascade.escalateBelow());
        }
    }

    /** A streamed local answer held back for a cascade was judged unsure: the attempt ends, the next tier answers. */
    private static final class Escalation extends RuntimeException {
        final String why;

        Escalation(String why) {
            super(why, null, false, false);
            this.why = why;
        }
    }

    /**
     * A streamed local attempt under a cascade with a stream buffer: its chunks are held back until the answer is
     * complete (the engine's usage chunk has arrived), then judged like a non-streamed answer: kept, they are released
     * and the stream goes on; escalated, the attempt is billed and recorded and the next tier answers. When the answer
     * outgrows the buffer first ({@code max-tokens} content chunks, or {@code max-ms} since the attempt started,
     * checked as each chunk arrives), what is held is released and the rest streams as it comes, unjudged.
     */
    private Flux<Answer> bufferedCascade(
            RequestTrace t,
            int index,
            TierBackend backend,
            AttemptMeter meter,
            Policy.Cascade cascade,
            Policy.StreamBuffer buffer) {
        List<UpstreamChunk> held = new ArrayList<>();
        boolean[] released = {false};
        long deadline = meter.startNanos + buffer.maxMs() * 1_000_000L;
        return backend.callScored(t.routed.request(), t.routed.requestId())
                .doOnNext(meter::see)
                .<Answer>concatMap(c -> {
                    if (released[0]) {
                        return Mono.just(new Answer(meter.tier, c));
                    }
                    held.add(c);
                    if (c.json().get("usage") instanceof ObjectNode) {
                        AnswerConfidence confidence = meter.confidence;
                        unmeasured(t, backend, cascade, confidence);
                        String why = CascadeCheck.escalation(
                                cascade, t.routed.request(), CascadeCheck.Answer.ofChunks(held), confidence);
                        if (why != null) {
                            return Flux.<Answer>error(new Escalation(why));
                        }
                        meter.judged = true;
                        meter.judgedBy = confidence == null ? null : confidence.signal(cascade.signal());
                        return release(meter.tier, held, released);
                    }
                    if (meter.contentChunks >= buffer.maxTokens() || records.nanoTime() - deadline > 0) {
                        return release(meter.tier, held, released);
                    }
                    return Flux.<Answer>empty();
                })
                .onErrorResume(e -> {
                    if (e instanceof Escalation escalation) {
                        AnswerConfidence confidence = meter.confidence;
                        Double judged = confidence == null ? null : confidence.signal(cascade.signal());
                        t.escalated(
                                meter,
                                meter.usage(t.promptChars, true),
                                meter.estimated(),
                                judged,
                                records.nanoTime(),
                                escalation.why);
                        t.discarded(held.stream().map(UpstreamChunk::json).toList(), judged);
                        return attempts(t, index + 1);
                    }
                    if (released[0]) {
                        return Flux.error(e);
                    }
                    return failedBeforeFirstByte(t, index, meter, e);
                });
    }

    private static Flux<Answer> release(Tier tier, List<UpstreamChunk> held, boolean[] released) {
        released[0] = true;
        List<Answer> out = new ArrayList<>(held.size());
        held.forEach(c -> out.add(new Answer(tier, c)));
        held.clear();
        return Flux.fromIterable(out);
    }

    /** What an attempt on {@code tier} may cost at most, as far as the request tells. */
    Usd estimate(RoutedRequest routed, Tier tier) {
        Integer max = routed.request().maxTokens();
        return prices.cost(
                tier, new Usage(routed.estimatedPromptTokens(), max != null ? max : defaultCompletionTokens));
    }

    private static ApiException noTier(RequestTrace t) {
        Denial denial = t.budget.lastDenial();
        if (denial != null) {
            return ApiException.budgetExhausted("Budget exhausted for tenant '" + denial.tenant() + "': "
                    + denial.message() + " (" + t.summary() + ").");
        }
        Throwable last = t.lastFailure();
        if (last instanceof ApiException api) {
            return api;
        }
        if (t.contextExceeded()
                && last instanceof AttemptFailure af
                && af.kind() == AttemptFailure.Kind.CONTEXT_EXCEEDED) {
            return new ApiException(
                    HttpStatus.BAD_REQUEST,
                    "invalid_request_error",
                    "context_length_exceeded",
                    "messages",
                    "The prompt is longer than the context of every tier that may answer it (" + t.summary() + ").");
        }
        Duration throttled = t.throttledFor();
        if (throttled != null && last instanceof AttemptFailure af && af.kind() == AttemptFailure.Kind.THROTTLED) {
            // Whole seconds, rounded up: a client that waits that long finds an endpoint back.
            long seconds = Math.max(1, (throttled.toMillis() + 999) / 1000);
            return new ApiException(
                            HttpStatus.TOO_MANY_REQUESTS,
                            "rate_limit_error",
                            "upstream_rate_limited",
                            null,
                            "Every tier tried is rate limited upstream; retry after " + seconds + " s (" + t.summary()
                                    + ").")
                    .withHeader(HttpHeaders.RETRY_AFTER, Long.toString(seconds));
        }
        if (t.triedNothing()) {
            return ApiException.noTier(
                    HttpStatus.SERVICE_UNAVAILABLE,
                    "no_tier_available",
                    "No tier is available for this request (" + t.summary() + ").");
        }
        if (last instanceof AttemptFailure af && af.timeout()) {
            return ApiException.timeout("Every tier tried timed out (" + t.summary() + ").");
        }
        return ApiException.noTier(
                HttpStatus.BAD_GATEWAY, "upstream_failed", "No tier could answer (" + t.summary() + ").");
    }

    // ---- the cost record ----------------------------------------------------------------------------------------

    /** Publishes the request's cost record, once; {@code cancelled} when the client went away. */
    private void publish(RequestTrace t, boolean cancelled) {
        if (!t.publishOnce()) {
            return;
        }
        Outcome outcome;
        if (cancelled && !t.finished()) {
            // The client went away before the answer was complete: what was produced is billed.
            AttemptMeter meter = t.current();
            if (meter != null && meter.produced) {
                t.finish(
                        Outcome.CANCELLED,
                        meter.usage(t.promptChars, t.routed.request().stream()),
                        meter.estimated(),
                        "client went away");
            }
            outcome = Outcome.CANCELLED;
        } else {
            outcome = t.outcome();
        }
        var answered = t.answered();
        var attempts = t.attempts();
        Tier finalTier = answered != null
                ? answered.tier()
                : attempts.isEmpty() ? null : attempts.getLast().tier();
        t.budget.closeAll();
        records.dispatched(
                t.routed, outcome, attempts, answered, t.firstByteNanos(), t.reason(finalTier), t.serviceTimes());
    }
}
