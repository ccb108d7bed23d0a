package dev.burstgate.gateway.tier;

import dev.burstgate.policies.Tier;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Remote endpoints that asked to be left alone for a while, and the per-endpoint meters of retries and benches.
 *
 * <p>An endpoint that answers HTTP 429 is benched for its {@code Retry-After} (seconds or an HTTP date), or for
 * {@code throttle-bench} when it gives none; one that answers 502, 503 or 504 with a {@code Retry-After} is benched
 * for that too. No bench is longer than {@code max-throttle-bench}. While benched, an endpoint is not chosen (the other
 * nodes of its pool are); when every endpoint of a tier is benched, the tier is throttled until the first of them is
 * back ({@link #soonest}). A bench is no breaker failure: it leaves the endpoint's circuit breaker alone.
 *
 * <p>Meters, tagged {@code tier} and {@code endpoint}: {@code burstgate.upstream.retries} (attempts on the endpoint
 * that failed before their first byte and were sent to another endpoint, or to the same one again; tagged {@code
 * reason}), {@code burstgate.upstream.benches} (times the endpoint was benched) and {@code burstgate.upstream.benched}
 * (1 while it is).
 */
public final class NodeBench {

    private static final Logger log = LoggerFactory.getLogger(NodeBench.class);
    /** The forms of an HTTP date: IMF-fixdate, and the obsolete RFC 850 and asctime forms (RFC 9110, 5.6.7). */
    private static final List<DateTimeFormatter> HTTP_DATES = List.of(
            DateTimeFormatter.RFC_1123_DATE_TIME,
            DateTimeFormatter.ofPattern("EEEE, dd-MMM-yy HH:mm:ss zzz", Locale.US),
            DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss yyyy", Locale.US).withZone(ZoneOffset.UTC));

    private final InstantSource clock;
    private final Duration defaultBench;
    private final Duration maxBench;
    private final MeterRegistry meters;
    /** When each benched endpoint is back; an entry in the past is no bench (removed when next looked at). */
    private final ConcurrentMap<Node, Instant> benched = new ConcurrentHashMap<>();
    /** The meters of each endpoint, made on first use. */
    private final ConcurrentMap<Node, Counter> benches = new ConcurrentHashMap<>();

    private final ConcurrentMap<Node, Map<String, Counter>> retries = new ConcurrentHashMap<>();

    /** One endpoint of one tier. */
    private record Node(Tier tier, URI endpoint) {}

    /**
     * @param defaultBench the bench of a 429 without {@code Retry-After}
     * @param maxBench the longest bench, whatever an endpoint asks for
     */
    public NodeBench(InstantSource clock, Duration defaultBench, Duration maxBench, MeterRegistry meters) {
        if (defaultBench.isNegative() || maxBench.isNegative()) {
            throw new IllegalArgumentException("benches cannot be negative: " + defaultBench + ", " + maxBench);
        }
        this.clock = clock;
        this.defaultBench = defaultBench.compareTo(maxBench) > 0 ? maxBench : defaultBench;
        this.maxBench = maxBench;
        this.meters = meters;
    }

    /**
     * Benches {@code endpoint} of {@code tier} for {@code wait} (at most {@code max-throttle-bench}), or for the default
     * bench when it is null; a bench already running longer is kept. Nothing happens for a wait of zero.
     *
     * @return how long the endpoint is now benched (zero when it is not)
     */
    public Duration bench(Tier tier, URI endpoint, @Nullable Duration wait, String why) {
        Duration d = wait == null ? defaultBench : wait.compareTo(maxBench) > 0 ? maxBench : wait;
        Instant now = clock.instant();
        if (d.isNegative() || d.isZero()) {
            return remaining(new Node(tier, endpoint), now);
        }
        Node node = new Node(tier, endpoint);
        Instant until = benched.merge(node, now.plus(d), (a, b) -> a.isAfter(b) ? a : b);
        benchCounter(node).increment();
        log.info(
                "{} tier: endpoint {} benched for {} ms ({})",
                tier.label(),
                tag(endpoint),
                Duration.between(now, until).toMillis(),
                why);
        return Duration.between(now, until);
    }

    /** The endpoints of {@code tier} that are benched now. */
    public Set<URI> benched(Tier tier) {
        if (benched.isEmpty()) {
            return Set.of();
        }
        Instant now = clock.instant();
        Set<URI> out = new HashSet<>();
        for (Map.Entry<Node, Instant> e : benched.entrySet()) {
            if (e.getKey().tier() != tier) {
                continue;
            }
            if (e.getValue().isAfter(now)) {
                out.add(e.getKey().endpoint());
            } else {
                benched.remove(e.getKey(), e.getValue());
            }
        }
        return out;
    }

    /** Whether {@code endpoint} of {@code tier} is benched now. */
    public boolean isBenched(Tier tier, URI endpoint) {
        return remaining(new Node(tier, endpoint), clock.instant()).isPositive();
    }

    /** How long until the first benched endpoint of {@code tier} is back; null when none is benched. */
    public @Nullable Duration soonest(Tier tier) {
        if (benched.isEmpty()) {
            return null;
        }
        Instant now = clock.instant();
        Instant first = null;
        for (Map.Entry<Node, Instant> e : benched.entrySet()) {
            Instant until = e.getValue();
            if (e.getKey().tier() == tier && until.isAfter(now) && (first == null || until.isBefore(first))) {
                first = until;
            }
        }
        return first == null ? null : Duration.between(now, first);
    }

    private Duration remaining(Node node, Instant now) {
        Instant until = benched.get(node);
        return until == null || !until.isAfter(now) ? Duration.ZERO : Duration.between(now, until);
    }

    /** Counts a retry caused by {@code failure} on {@code endpoint} of {@code tier}. */
    public void retried(Tier tier, URI endpoint, AttemptFailure failure) {
        Node node = new Node(tier, endpoint);
        String reason = reason(failure);
        retries.computeIfAbsent(node, n -> new ConcurrentHashMap<>())
                .computeIfAbsent(
                        reason,
                        r -> Counter.builder("burstgate.upstream.retries")
                                .description(
                                        "attempts on an endpoint that failed before their first byte and were tried again "
                                                + "on another endpoint of the tier (or the same one, when it could not be reached)")
                                .tag("tier", tier.label())
                                .tag("endpoint", tag(endpoint))
                                .tag("reason", r)
                                .register(meters))
                .increment();
    }

    private Counter benchCounter(Node node) {
        return benches.computeIfAbsent(node, n -> {
            Gauge.builder("burstgate.upstream.benched", this, b -> b.isBenched(n.tier(), n.endpoint()) ? 1 : 0)
                    .description("1 while the endpoint is benched (it asked to be left alone: HTTP 429, Retry-After)")
                    .tag("tier", n.tier().label())
                    .tag("endpoint", tag(n.endpoint()))
                    .strongReference(true)
                    .register(meters);
            return Counter.builder("burstgate.upstream.benches")
                    .description("times the endpoint was benched (HTTP 429, or Retry-After on 502, 503, 504)")
                    .tag("tier", n.tier().label())
                    .tag("endpoint", tag(n.endpoint()))
                    .register(meters);
        });
    }

    /** The endpoint as a meter tag and in the log: without user information or secret-looking query parameters. */
    private static String tag(URI endpoint) {
        return Redaction.redact(endpoint.toString(), List.of());
    }

    /** A short, bounded word for what failed: {@code throttled}, {@code http_503}, {@code unreachable}... */
    static String reason(AttemptFailure f) {
        if (f.kind() == AttemptFailure.Kind.THROTTLED) {
            return "throttled";
        }
        if (f.kind() == AttemptFailure.Kind.UPSTREAM_ERROR && f.status() > 0) {
            return "http_" + f.status();
        }
        return f.kind().name().toLowerCase(Locale.ROOT);
    }

    /** A {@code Retry-After} value as a wait from now ({@link #retryAfter(String, Instant)}). */
    public @Nullable Duration retryAfter(@Nullable String value) {
        return retryAfter(value, clock.instant());
    }

    /**
     * A {@code Retry-After} value as a wait from {@code now}: delay-seconds ({@code 120}) or an HTTP date ({@code Wed,
     * 21 Oct 2015 07:28:00 GMT}, or the obsolete RFC 850 and asctime forms). A date in the past is a wait of zero;
     * null for a value that is neither, or for none.
     */
    public static @Nullable Duration retryAfter(@Nullable String value, Instant now) {
        if (value == null) {
            return null;
        }
        String v = value.strip();
        if (v.isEmpty()) {
            return null;
        }
        if (v.chars().allMatch(c -> c >= '0' && c <= '9')) {
            try {
                return Duration.ofSeconds(Long.parseLong(v));
            } catch (NumberFormatException | ArithmeticException e) {
                // More digits than a long holds: as long as can be, the maximum bench caps it.
                return Duration.ofSeconds(Long.MAX_VALUE);
            }
        }
        Instant date = httpDate(v);
        if (date == null) {
            return null;
        }
        return date.isAfter(now) ? Duration.between(now, date) : Duration.ZERO;
    }

    private static @Nullable Instant httpDate(String v) {
        for (DateTimeFormatter f : HTTP_DATES) {
            try {
                return ZonedDateTime.parse(v, f).toInstant();
            } catch (DateTimeParseException e) {
                // the next form
            }
        }
        return null;
    }
}
