package dev.burstgate.gateway.ledger;

import dev.burstgate.gateway.usage.AttemptRecord;
import dev.burstgate.gateway.usage.CostRecord;
import dev.burstgate.gateway.usage.ShadowRecord;
import dev.burstgate.policies.cost.Usd;
import dev.burstgate.policies.routing.RoutingRecord;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One ledger row and its attempt rows, exactly as they are written: strings cut to their column widths (never in the
 * middle of a character) and free of NUL characters, times in microseconds, money at most {@value #MONEY_SCALE}
 * decimals. Also the line format of the spill file (JSON, one record per line).
 *
 * <p>A record with a {@link #shadow()} is one {@code ledger_shadow} row instead ({@link #of(ShadowRecord)}): its
 * {@code id}, {@code time}, {@code policy}, {@code complexity}, tokens, {@code costUsd} and {@code latencyMs} are the
 * shadow row's, the other request fields are placeholders and no request row is written. Shadow rows so travel the
 * journal, the queue and the batches as request rows do, and are as durable. A journal line without the field (an
 * earlier version's) is a request row.
 *
 * @param routingInputs what the router saw and the attempts' service times, in the JSON form of {@link RoutingRecord}
 *     (the {@code routing_inputs} column, which the policy lab replays); null when not recorded. Journal lines written
 *     before it existed read as null.
 */
record LedgerRecord(
        String id,
        String tenant,
        Instant time,
        String policy,
        double complexity,
        @Nullable String decidedTier,
        @Nullable String finalTier,
        long promptTokens,
        long completionTokens,
        BigDecimal costUsd,
        BigDecimal baselineUsd,
        BigDecimal savingUsd,
        @Nullable Long ttfbMs,
        long latencyMs,
        boolean cacheHit,
        boolean stream,
        String outcome,
        String reason,
        List<Attempt> attempts,
        @Nullable Shadow shadow,
        @Nullable String routingInputs) {

    /** Decimals kept of a USD amount: the scale of the {@code NUMERIC} money columns. */
    static final int MONEY_SCALE = 12;

    static final int ID_WIDTH = 64;
    static final int NAME_WIDTH = 200;
    static final int ENDPOINT_WIDTH = 300;
    static final int TEXT_WIDTH = 500;

    LedgerRecord {
        attempts = attempts == null ? List.of() : List.copyOf(attempts);
    }

    /** A request's record without routing inputs. */
    LedgerRecord(
            String id,
            String tenant,
            Instant time,
            String policy,
            double complexity,
            @Nullable String decidedTier,
            @Nullable String finalTier,
            long promptTokens,
            long completionTokens,
            BigDecimal costUsd,
            BigDecimal baselineUsd,
            BigDecimal savingUsd,
            @Nullable Long ttfbMs,
            long latencyMs,
            boolean cacheHit,
            boolean stream,
            String outcome,
            String reason,
            List<Attempt> attempts) {
        this(
                id,
                tenant,
                time,
                policy,
                complexity,
                decidedTier,
                finalTier,
                promptTokens,
                completionTokens,
                costUsd,
                baselineUsd,
                savingUsd,
                ttfbMs,
                latencyMs,
                cacheHit,
                stream,
                outcome,
                reason,
                attempts,
                null,
                null);
    }

    /**
     * One attempt row; its {@code seq} is its index in {@link #attempts}. Rows (and journal lines) written before
     * cascades existed read as not {@code judged}, without a {@code confidence} or a {@code latencyMs}.
     */
    record Attempt(
            String tier,
            String endpoint,
            String outcome,
            long promptTokens,
            long completionTokens,
            boolean usageEstimated,
            BigDecimal costUsd,
            @Nullable String error,
            Boolean judged,
            @Nullable Double confidence,
            @Nullable Long latencyMs) {

        Attempt {
            // Absent from journal lines written before cascades existed (the reader passes null): not judged.
            judged = Boolean.TRUE.equals(judged);
        }

        /** An attempt no cascade judged, without a latency. */
        Attempt(
                String tier,
                String endpoint,
                String outcome,
                long promptTokens,
                long completionTokens,
                boolean usageEstimated,
                BigDecimal costUsd,
                @Nullable String error) {
            this(
                    tier,
                    endpoint,
                    outcome,
                    promptTokens,
                    completionTokens,
                    usageEstimated,
                    costUsd,
                    error,
                    false,
                    null,
                    null);
        }
    }

    /**
     * The {@code ledger_shadow} columns that are not request columns.
     *
     * @param usageEstimated whether the tokens are an estimate rather than the shadow tier's own count; null in journal
     *     lines written before the field existed (unknown: {@code NULL} in the column)
     */
    record Shadow(
            int seq,
            String servedTier,
            String shadowTier,
            @Nullable Double confidence,
            String verdict,
            String judge,
            BigDecimal judgeCostUsd,
            @Nullable Boolean usageEstimated) {}

    /** The outcome placeholder of a shadow row. */
    static final String SHADOW = "shadow";

    static final int JUDGE_WIDTH = 32;

    static LedgerRecord of(ShadowRecord r) {
        Double confidence = r.confidence();
        return new LedgerRecord(
                r.requestId(),
                "",
                r.time().truncatedTo(ChronoUnit.MICROS),
                clip(r.policy(), NAME_WIDTH),
                Double.isFinite(r.complexity()) ? r.complexity() : 0.0,
                null,
                null,
                r.usage().promptTokens(),
                r.usage().completionTokens(),
                money(r.cost()),
                BigDecimal.ZERO,
                BigDecimal.ZERO,
                null,
                r.latency().toMillis(),
                false,
                false,
                SHADOW,
                "",
                List.of(),
                new Shadow(
                        r.seq(),
                        r.servedTier().label(),
                        r.shadowTier().label(),
                        confidence != null && Double.isFinite(confidence) ? confidence : null,
                        r.verdict().label(),
                        clip(r.judge(), JUDGE_WIDTH),
                        money(r.judgeCost()),
                        r.usageEstimated()),
                null);
    }

    /** The row of {@code r}, with its routing inputs when it has them. */
    static LedgerRecord of(CostRecord r) {
        return of(r, true);
    }

    /**
     * The row of {@code r}.
     *
     * @param routingInputs whether to keep its routing inputs ({@code burstgate.ledger.routing-inputs})
     */
    static LedgerRecord of(CostRecord r, boolean routingInputs) {
        @Nullable RoutingRecord routing = routingInputs ? r.routing() : null;
        List<Attempt> attempts = new ArrayList<>(r.attempts().size());
        for (AttemptRecord a : r.attempts()) {
            attempts.add(new Attempt(
                    a.tier().label(),
                    clip(a.endpoint(), ENDPOINT_WIDTH),
                    a.outcome().label(),
                    a.usage().promptTokens(),
                    a.usage().completionTokens(),
                    a.usageEstimated(),
                    money(a.cost()),
                    a.error() == null ? null : clip(a.error(), TEXT_WIDTH),
                    a.judged(),
                    a.confidence() == null || !Double.isFinite(a.confidence()) ? null : a.confidence(),
                    a.latency() == null ? null : a.latency().toMillis()));
        }
        Duration ttfb = r.timeToFirstByte();
        return new LedgerRecord(
                r.requestId(),
                clip(r.tenant(), NAME_WIDTH),
                r.time().truncatedTo(ChronoUnit.MICROS),
                clip(r.policy(), NAME_WIDTH),
                Double.isFinite(r.complexity()) ? r.complexity() : 0.0,
                r.decidedTier() == null ? null : r.decidedTier().label(),
                r.finalTier() == null ? null : r.finalTier().label(),
                r.usage().promptTokens(),
                r.usage().completionTokens(),
                money(r.cost()),
                money(r.baseline()),
                money(r.saving()),
                ttfb == null ? null : ttfb.toMillis(),
                r.latency().toMillis(),
                r.cacheHit(),
                r.stream(),
                r.outcome().label(),
                clip(r.reason(), TEXT_WIDTH),
                attempts,
                null,
                routing != null ? routing.toJson() : null);
    }

    /** The amount with at most {@value #MONEY_SCALE} decimals (half-even beyond them; prices are never that fine). */
    static BigDecimal money(Usd usd) {
        BigDecimal a = usd.amount();
        return a.scale() > MONEY_SCALE ? a.setScale(MONEY_SCALE, RoundingMode.HALF_EVEN) : a;
    }

    /**
     * {@code s} without NUL characters (PostgreSQL text cannot hold them), cut to at most {@code width} chars with an
     * ellipsis when longer; a surrogate pair is never split.
     */
    static String clip(String s, int width) {
        if (s.indexOf('\0') >= 0) {
            s = s.replace("\0", "");
        }
        if (s.length() <= width) {
            return s;
        }
        int end = width - 1;
        if (Character.isHighSurrogate(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(0, end) + '\u2026';
    }
}
