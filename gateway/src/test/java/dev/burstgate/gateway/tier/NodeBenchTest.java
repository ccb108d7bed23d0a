package dev.burstgate.gateway.tier;

import static org.assertj.core.api.Assertions.assertThat;

import dev.burstgate.policies.Tier;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Benching endpoints on a clock the test moves: what they asked for, the default, the cap, and when they are back. */
class NodeBenchTest {

    static final Instant START = Instant.parse("2030-01-01T00:00:00Z");
    static final URI A = URI.create("http://node-a:8000");
    static final URI B = URI.create("http://node-b:8000");

    final AtomicReference<Instant> now = new AtomicReference<>(START);
    final InstantSource clock = now::get;
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final NodeBench bench = new NodeBench(clock, Duration.ofSeconds(1), Duration.ofMinutes(5), meters);

    void advance(Duration d) {
        now.set(now.get().plus(d));
    }

    @ParameterizedTest(name = "\"{0}\" -> {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "120 | PT2M",
                "' 7 ' | PT7S",
                "0 | PT0S",
                // IMF-fixdate, 90 s after the clock
                "Tue, 01 Jan 2030 00:01:30 GMT | PT1M30S",
                // the obsolete RFC 850 and asctime forms
                "Tuesday, 01-Jan-30 00:00:10 GMT | PT10S",
                "Tue Jan  1 00:00:05 2030 | PT5S",
                // a date already past: no wait
                "Mon, 31 Dec 2029 23:59:00 GMT | PT0S",
            })
    void readsRetryAfterAsSecondsOrAnHttpDate(String value, Duration expected) {
        assertThat(NodeBench.retryAfter(value, START)).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource({"-5", "soon", "1.5", "'Tue, 01 Jan 2030'", "''"})
    void aRetryAfterThatIsNeitherIsNone(String value) {
        assertThat(NodeBench.retryAfter(value, START)).isNull();
        assertThat(NodeBench.retryAfter(null, START)).isNull();
    }

    @Test
    void aBenchedEndpointIsSkippedUntilItsTimeIsUp() {
        assertThat(bench.bench(Tier.CLOUD, A, Duration.ofSeconds(3), "HTTP 429"))
                .isEqualTo(Duration.ofSeconds(3));

        assertThat(bench.benched(Tier.CLOUD)).containsExactly(A);
        assertThat(bench.benched(Tier.LEGACY)).as("per tier").isEmpty();
        assertThat(bench.soonest(Tier.CLOUD)).isEqualTo(Duration.ofSeconds(3));
        advance(Duration.ofMillis(2_999));
        assertThat(bench.isBenched(Tier.CLOUD, A)).isTrue();
        assertThat(bench.soonest(Tier.CLOUD)).isEqualTo(Duration.ofMillis(1));
        advance(Duration.ofMillis(1));
        assertThat(bench.isBenched(Tier.CLOUD, A)).isFalse();
        assertThat(bench.benched(Tier.CLOUD)).isEmpty();
        assertThat(bench.soonest(Tier.CLOUD)).isNull();
    }

    @Test
    void withoutRetryAfterTheDefaultBenchAppliesAndNoBenchIsLongerThanTheCap() {
        assertThat(bench.bench(Tier.CLOUD, A, null, "HTTP 429")).isEqualTo(Duration.ofSeconds(1));
        assertThat(bench.bench(Tier.CLOUD, B, Duration.ofDays(3), "HTTP 429")).isEqualTo(Duration.ofMinutes(5));
        assertThat(bench.bench(Tier.LEGACY, B, NodeBench.retryAfter("99999999999999999999999", START), "HTTP 429"))
                .isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void theSoonestIsTheFirstEndpointBackAndALongerBenchIsNotShortened() {
        bench.bench(Tier.CLOUD, A, Duration.ofSeconds(30), "HTTP 429");
        bench.bench(Tier.CLOUD, B, Duration.ofSeconds(10), "HTTP 503");
        assertThat(bench.benched(Tier.CLOUD)).containsExactlyInAnyOrder(A, B);
        assertThat(bench.soonest(Tier.CLOUD)).isEqualTo(Duration.ofSeconds(10));

        assertThat(bench.bench(Tier.CLOUD, A, Duration.ofSeconds(2), "HTTP 429"))
                .as("the running bench is longer")
                .isEqualTo(Duration.ofSeconds(30));
        advance(Duration.ofSeconds(10));
        assertThat(bench.benched(Tier.CLOUD)).containsExactly(A);
        assertThat(bench.soonest(Tier.CLOUD)).isEqualTo(Duration.ofSeconds(20));
    }

    @Test
    void aWaitOfZeroBenchesNothing() {
        assertThat(bench.bench(Tier.CLOUD, A, Duration.ZERO, "HTTP 429")).isZero();
        assertThat(bench.benched(Tier.CLOUD)).isEmpty();
        assertThat(meters.find("burstgate.upstream.benches").counter()).isNull();
    }

    @Test
    void countsBenchesAndRetriesPerEndpointAndShowsWhichAreBenched() {
        URI withSecret = URI.create("https://user:hunter22@node-c/v1?api_key=abc123");
        bench.bench(Tier.CLOUD, A, Duration.ofSeconds(2), "HTTP 429");
        bench.bench(Tier.CLOUD, A, Duration.ofSeconds(2), "HTTP 429");
        bench.bench(Tier.CLOUD, withSecret, Duration.ofSeconds(9), "HTTP 429");
        bench.retried(Tier.CLOUD, A, new AttemptFailure(A.toString(), AttemptFailure.Kind.THROTTLED, 429, "x", null));
        bench.retried(
                Tier.CLOUD, A, new AttemptFailure(A.toString(), AttemptFailure.Kind.UPSTREAM_ERROR, 503, "x", null));
        bench.retried(Tier.CLOUD, A, new AttemptFailure(A.toString(), AttemptFailure.Kind.UNREACHABLE, "x", null));

        String a = A.toString();
        assertThat(meters.get("burstgate.upstream.benches")
                        .tags("tier", "cloud", "endpoint", a)
                        .counter()
                        .count())
                .isEqualTo(2);
        for (String reason : new String[] {"throttled", "http_503", "unreachable"}) {
            assertThat(meters.get("burstgate.upstream.retries")
                            .tags("tier", "cloud", "endpoint", a, "reason", reason)
                            .counter()
                            .count())
                    .isEqualTo(1);
        }
        assertThat(meters.get("burstgate.upstream.benched")
                        .tags("endpoint", a)
                        .gauge()
                        .value())
                .isEqualTo(1);
        advance(Duration.ofSeconds(2));
        assertThat(meters.get("burstgate.upstream.benched")
                        .tags("endpoint", a)
                        .gauge()
                        .value())
                .isZero();
        // Tags carry no credentials.
        assertThat(meters.getMeters())
                .allSatisfy(m -> assertThat(m.getId().getTag("endpoint")).doesNotContain("hunter22", "abc123"));
    }
}
