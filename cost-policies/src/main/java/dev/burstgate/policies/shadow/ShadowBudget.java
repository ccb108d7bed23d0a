package dev.burstgate.policies.shadow;

import dev.burstgate.policies.cost.Usd;
import java.time.InstantSource;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One policy's daily shadow budget, per UTC day, as budgets work: a call first reserves its estimated cost, and is
 * refused when spent plus reserved plus the estimate would pass the limit; afterwards it settles the reservation with
 * what it cost (which may be more or less than the estimate). A new day starts from nothing, with the reservations
 * still open carried over. Thread-safe; time comes from an {@link InstantSource}.
 */
public final class ShadowBudget {

    private final Usd limit;
    private final InstantSource clock;
    private LocalDate day;
    private Usd spent = Usd.ZERO;
    private Usd reserved = Usd.ZERO;

    public ShadowBudget(Usd limit, InstantSource clock) {
        this.limit = Objects.requireNonNull(limit, "limit");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.day = today();
    }

    /** An open reservation of {@code amount}. */
    public record Reservation(Usd amount) {}

    public Usd limit() {
        return limit;
    }

    /** A reservation of {@code estimate}, or null when it could pass today's limit. */
    public synchronized @Nullable Reservation reserve(Usd estimate) {
        roll();
        if (spent.plus(reserved).plus(estimate).compareTo(limit) > 0) {
            return null;
        }
        reserved = reserved.plus(estimate);
        return new Reservation(estimate);
    }

    /** Closes {@code r}, charging {@code actual} to today (zero releases it). */
    public synchronized void settle(Reservation r, Usd actual) {
        roll();
        reserved = reserved.minus(r.amount());
        if (reserved.isNegative()) {
            reserved = Usd.ZERO;
        }
        spent = spent.plus(actual);
    }

    /** Adds what was spent on {@code date} before this budget existed (read back from the ledger at start-up). */
    public synchronized void restore(LocalDate date, Usd amount) {
        roll();
        if (date.equals(day)) {
            spent = spent.plus(amount);
        }
    }

    /** Spent today (settled calls). */
    public synchronized Usd spentToday() {
        roll();
        return spent;
    }

    /** Reserved by calls under way. */
    public synchronized Usd reserved() {
        roll();
        return reserved;
    }

    /** The UTC day the figures are for. */
    public synchronized LocalDate day() {
        roll();
        return day;
    }

    private void roll() {
        LocalDate now = today();
        if (!now.equals(day)) {
            day = now;
            spent = Usd.ZERO;
        }
    }

    private LocalDate today() {
        return LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
    }
}
