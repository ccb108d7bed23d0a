package dev.burstgate.gateway.budget;

import dev.burstgate.policies.cost.Usd;
import java.time.LocalDate;
import java.time.YearMonth;
import java.util.Objects;

/**
 * Money set aside for one attempt, counted as reserved in the UTC day and month it was taken in until it is
 * {@linkplain BudgetStore#settle settled} with the actual cost or {@linkplain BudgetStore#release released}. It settles
 * against those periods even when a new day or month has begun since.
 *
 * @param tenant whose budget it draws on
 * @param id unique id of the reservation
 * @param nanos the reserved amount in nano-dollars
 * @param day the UTC day it counts against
 * @param month the UTC month it counts against
 */
public record Reservation(String tenant, String id, long nanos, LocalDate day, YearMonth month)
        implements ReserveResult {

    public Reservation {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(day, "day");
        Objects.requireNonNull(month, "month");
        if (nanos < 0) {
            throw new IllegalArgumentException("nanos must be >= 0 but was " + nanos);
        }
    }

    /** The reserved amount. */
    public Usd amount() {
        return NanoUsd.usd(nanos);
    }
}
