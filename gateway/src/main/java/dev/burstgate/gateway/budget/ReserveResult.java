package dev.burstgate.gateway.budget;

/** What {@link BudgetStore#reserve} answers: a granted {@link Reservation} or a {@link Denial}. */
public sealed interface ReserveResult permits Reservation, Denial {}
