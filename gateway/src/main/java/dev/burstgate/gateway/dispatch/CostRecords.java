package dev.burstgate.gateway.dispatch;

import dev.burstgate.gateway.routing.RoutedRequest;
import dev.burstgate.gateway.tenant.Tenant;
import dev.burstgate.gateway.usage.AttemptRecord;
import dev.burstgate.gateway.usage.CostEvents;
import dev.burstgate.gateway.usage.CostRecord;
import dev.burstgate.gateway.usage.Outcome;
import dev.burstgate.policies.Tier;
import dev.burstgate.policies.cost.PriceTable;
import dev.burstgate.policies.cost.Usage;
import dev.burstgate.policies.cost.Usd;
import dev.burstgate.policies.routing.RoutingInput;
import dev.burstgate.policies.routing.RoutingRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * The one place a {@link CostRecord} is made: for a request that a tier answered (or that failed, was cut or was
 * cancelled), one answered from the cache, and one refused before any tier was tried. Each is published to the
 * {@link CostEvents} listeners (meters, recent records, the ledger) as soon as it is made.
 */
public final class CostRecords {

    private final PriceTable prices;
    private final CostEvents events;
    private final LongSupplier nanoTime;

    /**
     * @param nanoTime the clock latencies are measured on ({@code System::nanoTime}; tests move their own)
     */
    public CostRecords(PriceTable prices, CostEvents events, LongSupplier nanoTime) {
        this.prices = prices;
        this.events = events;
        this.nanoTime = nanoTime;
    }

    /** The clock latencies are measured on. */
    public long nanoTime() {
        return nanoTime.getAsLong();
    }

    /**
     * A request that went to the tiers.
     *
     * @param answered the attempt that answered (or was cut or cancelled after producing something), or null
     * @param firstByteNanos when the first byte left, on {@link #nanoTime()}; 0 when none did
     * @param serviceTimes how long each tier tried took
     */
    void dispatched(
            RoutedRequest r,
            Outcome outcome,
            List<AttemptRecord> attempts,
            @Nullable AttemptRecord answered,
            long firstByteNanos,
            String reason,
            List<RoutingRecord.ServiceTime> serviceTimes) {
        Usage usage = answered != null ? answered.usage() : Usage.NONE;
        Tier finalTier = answered != null
                ? answered.tier()
                : attempts.isEmpty() ? null : attempts.getLast().tier();
        Usd cost = Usd.ZERO;
        for (AttemptRecord a : attempts) {
            cost = cost.plus(a.cost());
        }
        publish(
                r.requestId(),
                r.tenant().name(),
                r.startTime(),
                r.policy(),
                r.complexity(),
                r.decidedTier(),
                finalTier,
                usage,
                cost,
                answered != null ? prices.baseline(usage) : Usd.ZERO,
                firstByteNanos > 0 ? Duration.ofNanos(firstByteNanos - r.startNanos()) : null,
                r.startNanos(),
                false,
                r.request().stream(),
                outcome,
                reason,
                attempts,
                routing(r.routingInput(), serviceTimes));
    }

    private static @Nullable RoutingRecord routing(
            @Nullable RoutingInput input, List<RoutingRecord.ServiceTime> serviceTimes) {
        return input == null ? null : new RoutingRecord(input, serviceTimes);
    }

    /** A request answered from the response cache by what {@code tier} answered before: free. */
    public void cacheHit(RoutedRequest r, Tier tier, Usage usage) {
        Duration latency = Duration.ofNanos(nanoTime.getAsLong() - r.startNanos());
        publish(
                r.requestId(),
                r.tenant().name(),
                r.startTime(),
                r.policy(),
                r.complexity(),
                r.decidedTier(),
                tier,
                usage,
                Usd.ZERO,
                prices.baseline(usage),
                latency,
                r.startNanos(),
                true,
                false,
                Outcome.OK,
                "cache hit",
                List.of(),
                routing(r.routingInput(), List.of()));
    }

    /** A request refused before any tier was tried (policy, budget or privacy), without the router's inputs. */
    public void rejected(
            String requestId,
            Tenant tenant,
            Instant time,
            String policy,
            double complexity,
            boolean stream,
            String reason,
            long startNanos) {
        rejected(requestId, tenant, time, policy, complexity, stream, reason, startNanos, null);
    }

    /**
     * A request refused before any tier was tried (policy, budget or privacy).
     *
     * @param input what the router saw, or null when not known
     */
    public void rejected(
            String requestId,
            Tenant tenant,
            Instant time,
            String policy,
            double complexity,
            boolean stream,
            String reason,
            long startNanos,
            @Nullable RoutingInput input) {
        publish(
                requestId,
                tenant.name(),
                time,
                policy,
                complexity,
                null,
                null,
                Usage.NONE,
                Usd.ZERO,
                Usd.ZERO,
                null,
                startNanos,
                false,
                stream,
                Outcome.REJECTED,
                reason,
                List.of(),
                routing(input, List.of()));
    }

    private void publish(
            String requestId,
            String tenant,
            Instant time,
            String policy,
            double complexity,
            @Nullable Tier decided,
            @Nullable Tier finalTier,
            Usage usage,
            Usd cost,
            Usd baseline,
            @Nullable Duration timeToFirstByte,
            long startNanos,
            boolean cacheHit,
            boolean stream,
            Outcome outcome,
            String reason,
            List<AttemptRecord> attempts,
            @Nullable RoutingRecord routing) {
        Duration latency = Duration.ofNanos(nanoTime.getAsLong() - startNanos);
        events.publish(new CostRecord(
                requestId,
                tenant,
                time,
                policy,
                complexity,
                decided,
                finalTier,
                usage,
                cost,
                baseline,
                timeToFirstByte,
                latency,
                cacheHit,
                stream,
                outcome,
                reason,
                List.copyOf(attempts),
                routing));
    }
}
