package dev.burstgate.gateway.ledger;

import com.zaxxer.hikari.HikariDataSource;
import dev.burstgate.gateway.usage.AttemptRecord;
import dev.burstgate.gateway.usage.CostRecord;
import dev.burstgate.gateway.usage.Outcome;
import dev.burstgate.policies.Tier;
import dev.burstgate.policies.cost.Usage;
import dev.burstgate.policies.cost.Usd;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.flywaydb.core.Flyway;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DelegatingDataSource;

/** Databases, records and waits shared by the ledger tests. */
final class LedgerTestData {

    private LedgerTestData() {}

    /** An H2 file database in PostgreSQL mode under {@code dir}, as the gateway configures it by default, migrated. */
    static HikariDataSource h2(Path dir) {
        HikariDataSource ds = h2WithoutSchema(dir);
        migrate(ds);
        return ds;
    }

    /** The same H2 file database, with no ledger tables yet. */
    static HikariDataSource h2WithoutSchema(Path dir) {
        HikariDataSource ds = new HikariDataSource();
        ds.setJdbcUrl("jdbc:h2:file:" + dir.resolve("ledger/burstgate")
                + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;DB_CLOSE_ON_EXIT=FALSE");
        ds.setMaximumPoolSize(4);
        ds.setConnectionTimeout(2000);
        return ds;
    }

    /** A small pool on a started PostgreSQL container, migrated. */
    static HikariDataSource postgres(org.testcontainers.postgresql.PostgreSQLContainer container) {
        HikariDataSource ds = new HikariDataSource();
        ds.setJdbcUrl(container.getJdbcUrl());
        ds.setUsername(container.getUsername());
        ds.setPassword(container.getPassword());
        ds.setMaximumPoolSize(2);
        migrate(ds);
        return ds;
    }

    static void migrate(DataSource ds) {
        Flyway.configure().dataSource(ds).load().migrate();
    }

    static LedgerProperties props(
            int queueCapacity, int batchSize, Duration flushInterval, Duration maxBackoff, Duration shutdownTimeout) {
        return new LedgerProperties(
                true,
                queueCapacity,
                batchSize,
                flushInterval,
                maxBackoff,
                shutdownTimeout,
                null,
                LedgerProperties.Journal.ofDefaults(null),
                true);
    }

    /** The journal of {@code props} under {@code dataDir}, as the gateway opens it. */
    static LedgerJournal journal(
            LedgerProperties props, Path dataDir, io.micrometer.core.instrument.MeterRegistry meters) {
        try {
            return LedgerJournal.open(
                    props.journal().dir(dataDir),
                    props.spillFile(dataDir),
                    props.journal().segmentSize().toBytes(),
                    props.journal().fsyncInterval(),
                    System::nanoTime,
                    meters);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A request answered by {@code tier} after one failed attempt on the tier below it (two attempts). */
    static CostRecord record(
            String id,
            String tenant,
            Instant time,
            String policy,
            @Nullable Tier tier,
            String cost,
            String baseline,
            long prompt,
            long completion) {
        Usage usage = new Usage(prompt, completion);
        List<AttemptRecord> attempts = tier == null
                ? List.of()
                : List.of(
                        new AttemptRecord(
                                Tier.LOCAL, "in-process", Outcome.ERROR, Usage.NONE, false, Usd.ZERO, "queue full"),
                        new AttemptRecord(tier, "http://node-1:8000", Outcome.OK, usage, false, Usd.of(cost), null));
        return new CostRecord(
                id,
                tenant,
                time,
                policy,
                0.42,
                tier,
                tier,
                usage,
                Usd.of(cost),
                Usd.of(baseline),
                tier == null ? null : Duration.ofMillis(12),
                Duration.ofMillis(250),
                false,
                true,
                tier == null ? Outcome.REJECTED : Outcome.FALLBACK,
                "complexity 0.42 -> " + tier,
                attempts);
    }

    /** A shadow comparison of {@code requestId}'s local answer with legacy, judged not acceptable. */
    static dev.burstgate.gateway.usage.ShadowRecord shadow(
            String requestId, int seq, String cost, @org.jspecify.annotations.Nullable Double confidence) {
        return shadow(requestId, seq, cost, confidence, false);
    }

    /**
     * The same, with a $0.18 judge call in {@code cost}, and tokens legacy reported or ({@code usageEstimated}) an
     * estimate.
     */
    static dev.burstgate.gateway.usage.ShadowRecord shadow(
            String requestId,
            int seq,
            String cost,
            @org.jspecify.annotations.Nullable Double confidence,
            boolean usageEstimated) {
        return new dev.burstgate.gateway.usage.ShadowRecord(
                requestId,
                seq,
                Instant.parse("2026-11-29T10:00:01.123456Z"),
                "balanced",
                Tier.LOCAL,
                Tier.LEGACY,
                0.4375,
                confidence,
                dev.burstgate.policies.shadow.Verdict.NOT_ACCEPTABLE,
                "tier:cloud",
                Usd.of(cost),
                Usd.of("0.18"),
                new Usage(17, 4),
                usageEstimated,
                Duration.ofMillis(2_034));
    }

    /** {@code r} with the routing inputs {@code routing}. */
    static CostRecord withRouting(CostRecord r, dev.burstgate.policies.routing.RoutingRecord routing) {
        return new CostRecord(
                r.requestId(),
                r.tenant(),
                r.time(),
                r.policy(),
                r.complexity(),
                r.decidedTier(),
                r.finalTier(),
                r.usage(),
                r.cost(),
                r.baseline(),
                r.timeToFirstByte(),
                r.latency(),
                r.cacheHit(),
                r.stream(),
                r.outcome(),
                r.reason(),
                r.attempts(),
                routing);
    }

    static CostRecord record(String id) {
        return record(
                id, "acme", Instant.parse("2026-11-29T10:00:00Z"), "balanced", Tier.CLOUD, "0.18", "1.10", 20, 10);
    }

    static long count(DataSource ds, String table) {
        Long n = new JdbcTemplate(ds).queryForObject("SELECT COUNT(*) FROM " + table, Long.class);
        return n == null ? 0 : n;
    }

    /** Polls {@code condition} every 20 ms until it holds (true) or {@code timeout} passes (false). */
    static boolean await(Duration timeout, BooleanSupplier condition) {
        try {
            Awaitility.await()
                    .atMost(timeout)
                    .pollDelay(Duration.ZERO)
                    .pollInterval(Duration.ofMillis(20))
                    .until(condition::getAsBoolean);
            return true;
        } catch (ConditionTimeoutException e) {
            return false;
        }
    }

    /** A real database that can be switched off: while down, every new connection fails as a network error would. */
    static final class SwitchableDataSource extends DelegatingDataSource {
        volatile boolean down;

        SwitchableDataSource(DataSource target) {
            super(target);
        }

        @Override
        public Connection getConnection() throws SQLException {
            if (down) {
                throw new SQLTransientConnectionException(
                        "connection refused (database switched off by the test)", "08001");
            }
            return super.getConnection();
        }
    }
}
