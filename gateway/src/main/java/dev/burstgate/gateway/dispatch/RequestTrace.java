package dev.burstgate.gateway.dispatch;

import dev.burstgate.gateway.api.ApiException;
import dev.burstgate.gateway.budget.Denial;
import dev.burstgate.gateway.routing.RoutedRequest;
import dev.burstgate.gateway.tier.AttemptFailure;
import dev.burstgate.gateway.usage.AttemptRecord;
import dev.burstgate.gateway.usage.Outcome;
import dev.burstgate.policies.Tier;
import dev.burstgate.policies.cost.PriceTable;
import dev.burstgate.policies.cost.Usage;
import dev.burstgate.policies.cost.Usd;
import dev.burstgate.policies.routing.RoutingRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * What one request has gone through so far: its attempts, the attempt under way, the notes that explain a fallback,
 * and whether its answer has started, finished or been cut. One lock guards it all: a request's attempts run one
 * after the other, and only its end (a cancellation) may come from another thread.
 */
final class RequestTrace {

    private static final Logger log = LoggerFactory.getLogger(RequestTrace.class);
    /** The longest {@code X-Burstgate-Reason}. */
    private static final int REASON_LIMIT = 300;

    final RoutedRequest routed;
    final BudgetFlow budget;
    final long promptChars;
    private final PriceTable prices;
    private final LongSupplier nanoTime;
    private final List<AttemptRecord> attempts = new ArrayList<>();
    /** How long each attempt that reached a tier took, for the ledger's routing inputs. */
    private final List<RoutingRecord.ServiceTime> serviceTimes = new ArrayList<>(2);

    private final StringBuilder notes = new StringBuilder();
    /** Why a cascade discarded the local answer ({@code local confidence 0.41 < 0.55}), or null. */
    private @Nullable String escalation;
    /** The local answer a cascade discarded (its chunks, or the whole completion), for a shadow comparison. */
    private @Nullable Discarded discarded;

    private @Nullable AttemptMeter current;
    private @Nullable AttemptRecord answered;
    private @Nullable Throwable lastFailure;
    private boolean started;
    private boolean finished;
    private boolean cut;
    private boolean published;
    private boolean contextExceeded;
    /** The shortest wait of the throttled tiers that failed, while every tier that failed was throttled. */
    private @Nullable Duration throttledFor;
    /** Whether a tier failed otherwise than throttled. */
    private boolean failedOtherwise;

    private long firstByteNanos;

    /** @param nanoTime the clock attempts are timed on */
    RequestTrace(RoutedRequest routed, BudgetFlow budget, PriceTable prices, LongSupplier nanoTime) {
        this.routed = routed;
        this.budget = budget;
        this.prices = prices;
        this.nanoTime = nanoTime;
        this.promptChars = routed.promptChars();
    }

    synchronized AttemptMeter begin(AttemptMeter meter) {
        meter.startNanos = nanoTime.getAsLong();
        current = meter;
        return meter;
    }

    /** The attempt under way ended (answered when {@code ok}): its service time. */
    private void timed(AttemptMeter meter, boolean ok) {
        long ms = Math.max(0, (nanoTime.getAsLong() - meter.startNanos) / 1_000_000);
        serviceTimes.add(new RoutingRecord.ServiceTime(meter.tier, ms, ok));
    }

    /** How long each attempt that reached a tier took, in order. */
    synchronized List<RoutingRecord.ServiceTime> serviceTimes() {
        return List.copyOf(serviceTimes);
    }

    synchronized @Nullable AttemptMeter current() {
        return current;
    }

    /** Marks the answer as started (its first byte is about to leave); true only the first time. */
    synchronized boolean start(long nanos) {
        if (started) {
            return false;
        }
        started = true;
        firstByteNanos = nanos;
        return true;
    }

    synchronized boolean started() {
        return started;
    }

    synchronized long firstByteNanos() {
        return firstByteNanos;
    }

    /** Marks the record as published; true only the first time. */
    synchronized boolean publishOnce() {
        if (published) {
            return false;
        }
        published = true;
        return true;
    }

    /** The attempt under way answered (or was cut or cancelled after producing something): prices it, once. */
    synchronized void finish(Outcome outcome, Usage usage, boolean estimated, @Nullable String error) {
        finish(outcome, usage, estimated, error, null, false, null);
    }

    /**
     * As {@link #finish(Outcome, Usage, boolean, String)}, with the time the attempt ended (null: not measured),
     * whether a cascade judged (and kept) its answer, and the confidence it judged it by (null: none measured).
     */
    synchronized void finish(
            Outcome outcome,
            Usage usage,
            boolean estimated,
            @Nullable String error,
            @Nullable Long endNanos,
            boolean judged,
            @Nullable Double confidence) {
        AttemptMeter meter = current;
        if (finished || meter == null) {
            return;
        }
        finished = true;
        AttemptRecord rec = new AttemptRecord(
                meter.tier,
                meter.endpoint != null ? meter.endpoint : "?",
                outcome,
                usage,
                estimated,
                prices.cost(meter.tier, usage),
                error,
                judged,
                confidence,
                endNanos == null ? null : Duration.ofNanos(Math.max(0, endNanos - meter.startNanos)));
        attempts.add(rec);
        answered = rec;
        timed(meter, outcome == Outcome.OK);
        meter.closeClaim(rec.cost());
    }

    /**
     * A cascade discarded the answer of the attempt under way: it is billed (its claim settled with its cost) and
     * recorded as {@link Outcome#ESCALATED} with its confidence and latency; the request goes on with the next tier.
     *
     * @param why short and client-safe, e.g. {@code local confidence 0.41 < 0.55}
     */
    synchronized void escalated(
            AttemptMeter meter,
            Usage usage,
            boolean estimated,
            @Nullable Double confidence,
            long endNanos,
            String why) {
        Usd cost = prices.cost(meter.tier, usage);
        attempts.add(new AttemptRecord(
                meter.tier,
                meter.endpoint != null ? meter.endpoint : "?",
                Outcome.ESCALATED,
                usage,
                estimated,
                cost,
                why,
                true,
                confidence,
                Duration.ofNanos(Math.max(0, endNanos - meter.startNanos))));
        timed(meter, true);
        meter.closeClaim(cost);
        escalation = why;
        current = null;
    }

    /**
     * A local answer a cascade discarded: what it said and the confidence it was judged by (null: none measured).
     *
     * @param chunks the answer's chunks, or its one completion
     */
    record Discarded(List<ObjectNode> chunks, @Nullable Double confidence) {
        Discarded {
            chunks = List.copyOf(chunks);
        }
    }

    /** Keeps the answer the cascade just discarded, for a comparison with the one that replaces it. */
    synchronized void discarded(List<ObjectNode> chunks, @Nullable Double confidence) {
        discarded = new Discarded(chunks, confidence);
    }

    /** The last local answer a cascade discarded, or null. */
    synchronized @Nullable Discarded discarded() {
        return discarded;
    }

    synchronized void cut() {
        cut = true;
    }

    /** How a request that was not cancelled ended, from what it went through. */
    synchronized Outcome outcome() {
        if (cut) {
            return Outcome.CUT;
        }
        if (!finished) {
            return budget.lastDenial() != null ? Outcome.REJECTED : Outcome.ERROR;
        }
        return fellBack() ? Outcome.FALLBACK : Outcome.OK;
    }

    /** Whether a tier other than the one that answered was tried or skipped (tries inside one tier are no fallback). */
    private boolean fellBack() {
        Tier tier = answered != null ? answered.tier() : null;
        for (AttemptRecord a : attempts) {
            if (a.tier() != tier) {
                return true;
            }
        }
        return false;
    }

    synchronized boolean finished() {
        return finished;
    }

    synchronized @Nullable AttemptRecord answered() {
        return answered;
    }

    synchronized List<AttemptRecord> attempts() {
        return List.copyOf(attempts);
    }

    synchronized Usd totalCost() {
        Usd sum = Usd.ZERO;
        for (AttemptRecord a : attempts) {
            sum = sum.plus(a.cost());
        }
        return sum;
    }

    synchronized @Nullable Throwable lastFailure() {
        return lastFailure;
    }

    synchronized boolean contextExceeded() {
        return contextExceeded;
    }

    /**
     * When every tier that failed was throttled ({@link AttemptFailure.Kind#THROTTLED}), the shortest wait they asked
     * for (zero when they named none); else null.
     */
    synchronized @Nullable Duration throttledFor() {
        return failedOtherwise ? null : throttledFor;
    }

    synchronized boolean triedNothing() {
        return attempts.isEmpty()
                || attempts.stream().allMatch(a -> a.endpoint().equals("-"));
    }

    // ---- what happened to tiers that did not answer
    // ------------------------------------------------------------------

    synchronized void skipped(Tier tier, String why) {
        attempts.add(new AttemptRecord(tier, "-", Outcome.ERROR, Usage.NONE, false, Usd.ZERO, why));
        note(tier, "not tried: " + why);
    }

    synchronized void denied(Tier tier, Denial denial) {
        attempts.add(new AttemptRecord(tier, "-", Outcome.REJECTED, Usage.NONE, false, Usd.ZERO, "budget exhausted"));
        note(tier, "refused by budget: " + denial.message());
    }

    synchronized void budgetFailed(Tier tier, Throwable e) {
        lastFailure = e;
        log.warn(
                "request {}: the budget store failed while reserving for the {} tier: {}",
                routed.requestId(),
                tier.label(),
                Failures.detail(e));
        attempts.add(new AttemptRecord(
                tier,
                "-",
                Outcome.ERROR,
                Usage.NONE,
                false,
                Usd.ZERO,
                "budget store unavailable: " + Failures.detail(e)));
        note(tier, "not tried: the budget store is unavailable");
    }

    /**
     * A try inside the attempt under way failed before producing anything and another followed (a pool node replaced
     * by another): recorded at no cost; the attempt, and its claim, go on.
     */
    synchronized void retried(AttemptMeter meter, AttemptFailure f) {
        attempts.add(new AttemptRecord(
                meter.tier, f.endpoint(), Outcome.ERROR, Usage.NONE, false, Usd.ZERO, Failures.detail(f)));
    }

    /** The attempt under way failed before producing anything: recorded at no cost, its claim released. */
    synchronized void failed(AttemptMeter meter, Throwable e) {
        lastFailure = e;
        String endpoint =
                e instanceof AttemptFailure af ? af.endpoint() : meter.endpoint != null ? meter.endpoint : "?";
        String detail = Failures.detail(e);
        if (e instanceof AttemptFailure af && af.kind() == AttemptFailure.Kind.THROTTLED) {
            Duration wait = af.retryAfter() != null ? af.retryAfter() : Duration.ZERO;
            throttledFor = throttledFor == null || wait.compareTo(throttledFor) < 0 ? wait : throttledFor;
        } else {
            failedOtherwise = true;
        }
        if (e instanceof AttemptFailure af) {
            contextExceeded |= af.kind() == AttemptFailure.Kind.CONTEXT_EXCEEDED;
            // Busy and throttled tiers fail fast, maybe many times a second: the meters show them, not the log.
            if (af.kind() == AttemptFailure.Kind.BUSY
                    || af.kind() == AttemptFailure.Kind.CONTEXT_EXCEEDED
                    || af.kind() == AttemptFailure.Kind.THROTTLED) {
                log.debug(
                        "request {}: the {} tier {}: {}",
                        routed.requestId(),
                        meter.tier.label(),
                        af.publicMessage(),
                        detail);
            } else {
                log.warn(
                        "request {}: the {} tier {}: {}",
                        routed.requestId(),
                        meter.tier.label(),
                        af.publicMessage(),
                        detail);
            }
        } else if (!(e instanceof ApiException)) {
            log.warn("request {}: the {} tier failed: {}", routed.requestId(), meter.tier.label(), detail, e);
        }
        attempts.add(new AttemptRecord(meter.tier, endpoint, Outcome.ERROR, Usage.NONE, false, Usd.ZERO, detail));
        timed(meter, false);
        note(meter.tier, Failures.publicMessage(e));
        meter.closeClaim(Usd.ZERO);
    }

    /** A client-safe note: "cloud answered an error (HTTP 503)". */
    private void note(Tier tier, String what) {
        if (!notes.isEmpty()) {
            notes.append("; ");
        }
        notes.append(tier.label()).append(' ').append(what);
    }

    /**
     * Why the request went where it went: the router's reason, then why a cascade escalated
     * ({@code local confidence 0.41 < 0.55 → cloud}), then the fallback notes when there are any.
     */
    synchronized String reason(@Nullable Tier finalTier) {
        if (finalTier == null || (notes.isEmpty() && escalation == null)) {
            return routed.reason();
        }
        String r = routed.reason();
        if (escalation != null) {
            r += "; " + escalation + " → " + finalTier.label();
        }
        if (!notes.isEmpty()) {
            r += "; fallback to " + finalTier.label() + " (" + notes + ")";
        }
        return r.length() > REASON_LIMIT ? r.substring(0, REASON_LIMIT) + "…" : r;
    }

    /** The notes alone, for an error message: "local is busy; cloud answered an error (HTTP 503)". */
    synchronized String summary() {
        return notes.isEmpty() ? "no tier tried" : notes.toString();
    }
}
