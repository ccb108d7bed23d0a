package dev.burstgate.gateway.budget;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;

/** The UTC day and month of an instant, and when they end. */
final class Periods {

    private Periods() {}

    static LocalDate day(Instant now) {
        return LocalDate.ofInstant(now, ZoneOffset.UTC);
    }

    static YearMonth month(Instant now) {
        return YearMonth.from(day(now));
    }

    /** The first instant after {@code day}, plus {@code after}. */
    static Instant endOf(LocalDate day, Duration after) {
        return day.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant().plus(after);
    }

    /** The first instant after {@code month}, plus {@code after}. */
    static Instant endOf(YearMonth month, Duration after) {
        return month.plusMonths(1)
                .atDay(1)
                .atStartOfDay(ZoneOffset.UTC)
                .toInstant()
                .plus(after);
    }
}
