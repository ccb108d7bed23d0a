package dev.burstgate.gateway.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.burstgate.gateway.routing.RequestIds;
import dev.burstgate.gateway.testsupport.DataServices;
import dev.burstgate.gateway.usage.CostRecord;
import dev.burstgate.policies.Tier;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * Ledger writer throughput into PostgreSQL (Testcontainers): cost records with two attempts each, offered by two
 * threads as fast as they can, until all are committed. Default settings (batch 500, flush 100 ms). Target: at least
 * 5,000 records/s. Tagged {@code benchmark}, so not part of {@code verify}; run it alone with
 *
 * <pre>
 * ./mvnw -o -pl gateway verify -Pbench -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dfailsafe.failIfNoSpecifiedTests=false -Dit.test=LedgerWriterBenchmarkIT
 * </pre>
 *
 * ({@code -Dledger.bench.records=200000} for a longer run; {@code -Dledger.bench.rewrite=true} adds the PostgreSQL
 * driver's {@code reWriteBatchedInserts=true} to the URL).
 */
@Tag("benchmark")
class LedgerWriterBenchmarkIT {

    static final int RECORDS = Integer.getInteger("ledger.bench.records", 100_000);
    static final int WARM_UP = 20_000;
    static final int PRODUCERS = 2;
    static final double TARGET_PER_SECOND = 5_000;

    @Test
    void writesAtLeastFiveThousandRecordsWithTwoAttemptsPerSecondIntoPostgres() throws Exception {
        try (PostgreSQLContainer pg = DataServices.postgres();
                HikariDataSource ds = new HikariDataSource()) {
            pg.start();
            boolean rewrite = Boolean.getBoolean("ledger.bench.rewrite");
            ds.setJdbcUrl(pg.getJdbcUrl() + (rewrite ? "&reWriteBatchedInserts=true" : ""));
            ds.setUsername(pg.getUsername());
            ds.setPassword(pg.getPassword());
            LedgerTestData.migrate(ds);
            Path dir = Files.createTempDirectory("burstgate-ledger-bench");
            LedgerProperties props = new LedgerProperties(
                    true,
                    RECORDS + WARM_UP,
                    500,
                    Duration.ofMillis(100),
                    Duration.ofSeconds(5),
                    Duration.ofSeconds(30),
                    null,
                    LedgerProperties.Journal.ofDefaults(null),
                    true);
            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            LedgerWriter writer = new LedgerWriter(
                    new LedgerStore(ds),
                    new LedgerSchema(null),
                    LedgerTestData.journal(props, dir, meters),
                    props,
                    meters);
            writer.start();
            try {
                offer(writer, WARM_UP);
                assertThat(LedgerTestData.await(Duration.ofMinutes(2), () -> written(meters) >= WARM_UP))
                        .isTrue();

                long start = System.nanoTime();
                offer(writer, RECORDS);
                long offered = System.nanoTime();
                assertThat(LedgerTestData.await(Duration.ofMinutes(5), () -> written(meters) >= WARM_UP + RECORDS))
                        .isTrue();
                double seconds = (System.nanoTime() - start) / 1e9;
                double perSecond = RECORDS / seconds;
                var batches = meters.get("burstgate.ledger.batch").timer();
                System.out.printf(
                        Locale.ROOT,
                        "LEDGER BENCHMARK: %,d records (2 attempts each) in %.2f s = %,.0f records/s "
                                + "(%,.0f rows/s; offering took %.3f s; %d batches, mean %.1f ms; rewrite=%s; overflow=%.0f)%n",
                        RECORDS,
                        seconds,
                        perSecond,
                        perSecond * 3,
                        (offered - start) / 1e9,
                        batches.count(),
                        batches.mean(java.util.concurrent.TimeUnit.MILLISECONDS),
                        rewrite,
                        meters.get("burstgate.ledger.overflow").counter().count());
                assertThat(LedgerTestData.count(ds, "ledger_request")).isEqualTo(WARM_UP + RECORDS);
                assertThat(LedgerTestData.count(ds, "ledger_attempt")).isEqualTo(2L * (WARM_UP + RECORDS));
                assertThat(perSecond).isGreaterThanOrEqualTo(TARGET_PER_SECOND);
            } finally {
                writer.stop();
            }
        }
    }

    private static double written(SimpleMeterRegistry meters) {
        return meters.get("burstgate.ledger.records.written").counter().count();
    }

    private static void offer(LedgerWriter writer, int count) throws InterruptedException {
        Instant now = Instant.now();
        List<Thread> threads = new ArrayList<>();
        for (int p = 0; p < PRODUCERS; p++) {
            int producer = p;
            threads.add(Thread.ofPlatform().start(() -> {
                for (int i = producer; i < count; i += PRODUCERS) {
                    Instant at = now.plusNanos(i * 1000L);
                    // Ids as the gateway makes them (time first), so the primary key grows at its end as in production.
                    CostRecord r = LedgerTestData.record(
                            RequestIds.next(at.toEpochMilli()),
                            i % 3 == 0 ? "acme" : "beta",
                            at,
                            "balanced",
                            Tier.CLOUD,
                            "0.18",
                            "1.10",
                            200 + i % 50,
                            50 + i % 20);
                    writer.onRecord(r);
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
    }
}
