package dev.burstgate.gateway.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.burstgate.gateway.routing.RequestIds;
import dev.burstgate.gateway.usage.CostRecord;
import dev.burstgate.policies.Tier;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@link LedgerWriter#onRecord} costs the request that calls it, now that it appends the record to the journal
 * before it returns: nanoseconds per call, timed call by call, with the writer running (into the embedded H2 ledger,
 * the gateway's default) and the journal's group commit forcing the file every 20 ms (the default). Compared with
 * what the same call cost before the journal — build the ledger row, offer it to the queue — timed the same way, one
 * thread and four calling at once, each as fast as it can. Target: at most 50 µs added at the median. Tagged
 * {@code benchmark}, so not part of {@code verify}; run it alone with
 *
 * <pre>
 * ./mvnw -o -pl gateway -am verify -Pbench -Dtest=LedgerJournalBenchmarkTest -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dit.test=none -Dfailsafe.failIfNoSpecifiedTests=false
 * </pre>
 *
 * ({@code -Dledger.bench.calls=400000} for a longer run.)
 */
@Tag("benchmark")
class LedgerJournalBenchmarkTest {

    static final int CALLS = Integer.getInteger("ledger.bench.calls", 200_000);
    static final int WARM_UP = 100_000;
    static final long TARGET_ADDED_P50_NANOS = TimeUnit.MICROSECONDS.toNanos(50);

    @TempDir
    Path dir;

    /** Per-call times of one run, in nanoseconds. */
    record Run(String name, int threads, long[] nanos) {
        long percentile(double p) {
            return nanos[Math.min(nanos.length - 1, (int) Math.ceil(p / 100 * nanos.length) - 1)];
        }

        double mean() {
            return Arrays.stream(nanos).average().orElse(0);
        }

        String line() {
            return String.format(
                    Locale.ROOT,
                    "%-28s %d thread(s) %,9d calls: mean %,7.0f ns  p50 %,7d  p90 %,7d  p99 %,8d  "
                            + "p99.9 %,9d  max %,11d",
                    name,
                    threads,
                    nanos.length,
                    mean(),
                    percentile(50),
                    percentile(90),
                    percentile(99),
                    percentile(99.9),
                    nanos[nanos.length - 1]);
        }
    }

    @Test
    void onRecordAddsAtMostFiftyMicrosecondsAtTheMedianWithTheGroupCommitRunning() throws Exception {
        List<Run> runs = new ArrayList<>();
        try (HikariDataSource h2 = LedgerTestData.h2(dir)) {
            for (int threads : new int[] {1, 4}) {
                // Before the journal: build the row and offer it to the queue.
                ArrayBlockingQueue<LedgerRecord> queue = new ArrayBlockingQueue<>(WARM_UP + CALLS);
                runs.add(time("queue only (before)", threads, r -> queue.offer(LedgerRecord.of(r))));

                SimpleMeterRegistry meters = new SimpleMeterRegistry();
                LedgerProperties props = new LedgerProperties(
                        true,
                        WARM_UP + CALLS,
                        500,
                        Duration.ofMillis(100),
                        Duration.ofSeconds(5),
                        Duration.ofSeconds(30),
                        null,
                        LedgerProperties.Journal.ofDefaults(null),
                        true);
                Path data = dir.resolve("run-" + threads);
                LedgerJournal journal = LedgerTestData.journal(props, data, meters);
                LedgerWriter writer = new LedgerWriter(
                        new LedgerStore(h2),
                        new LedgerSchema(Flyway.configure().dataSource(h2).load()),
                        journal,
                        props,
                        meters);
                writer.start();
                try {
                    Run run = time("onRecord (journal + queue)", threads, writer::onRecord);
                    runs.add(run);
                    Timer fsync = meters.get("burstgate.ledger.journal.fsync").timer();
                    System.out.printf(
                            Locale.ROOT,
                            "  group commits during the run: %d, mean %.2f ms, max %.2f ms; overflow %.0f%n",
                            fsync.count(),
                            fsync.mean(TimeUnit.MILLISECONDS),
                            fsync.max(TimeUnit.MILLISECONDS),
                            meters.get("burstgate.ledger.overflow").counter().count());
                    assertThat(fsync.count())
                            .as("the group commit ran during the measurement")
                            .isPositive();
                } finally {
                    writer.stop();
                }
            }
        }
        System.out.println("LEDGER JOURNAL BENCHMARK (ns per call, " + System.getProperty("os.arch") + ", "
                + Runtime.getRuntime().availableProcessors() + " CPUs)");
        runs.forEach(r -> System.out.println("  " + r.line()));
        for (int i = 0; i < runs.size(); i += 2) {
            Run before = runs.get(i);
            Run after = runs.get(i + 1);
            long added = after.percentile(50) - before.percentile(50);
            System.out.printf(
                    Locale.ROOT,
                    "  %d thread(s): added at p50 %,d ns, at p99 %,d ns%n",
                    after.threads(),
                    added,
                    after.percentile(99) - before.percentile(99));
            assertThat(added)
                    .as("added at the median with %d thread(s)", after.threads())
                    .isLessThanOrEqualTo(TARGET_ADDED_P50_NANOS);
        }
    }

    /** Calls {@code call} {@link #WARM_UP} times, then {@link #CALLS} times timed one by one, spread over threads. */
    static Run time(String name, int threads, Consumer<CostRecord> call) throws Exception {
        CostRecord[] records = records(WARM_UP + CALLS);
        long[] nanos = new long[CALLS];
        CyclicBarrier measured = new CyclicBarrier(threads);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int first = t;
            workers.add(Thread.ofPlatform().name("bench-" + t).start(() -> {
                for (int i = first; i < WARM_UP; i += threads) {
                    call.accept(records[i]);
                }
                try {
                    measured.await();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                for (int i = first; i < CALLS; i += threads) {
                    CostRecord r = records[WARM_UP + i];
                    long start = System.nanoTime();
                    call.accept(r);
                    nanos[i] = System.nanoTime() - start;
                }
            }));
        }
        for (Thread w : workers) {
            w.join();
        }
        Arrays.sort(nanos);
        return new Run(name, threads, nanos);
    }

    /** Records as the gateway makes them: time-ordered ids, two attempts each. */
    static CostRecord[] records(int n) {
        Instant now = Instant.now();
        CostRecord[] records = new CostRecord[n];
        for (int i = 0; i < n; i++) {
            Instant at = now.plusNanos(i * 1000L);
            records[i] = LedgerTestData.record(
                    RequestIds.next(at.toEpochMilli()),
                    i % 3 == 0 ? "acme" : "beta",
                    at,
                    "balanced",
                    Tier.CLOUD,
                    "0.18",
                    "1.10",
                    200 + i % 50,
                    50 + i % 20);
        }
        return records;
    }
}
