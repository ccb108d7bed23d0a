package dev.burstgate.gateway.ledger;

import static dev.burstgate.gateway.ledger.LedgerTestData.await;
import static dev.burstgate.gateway.ledger.LedgerTestData.count;
import static dev.burstgate.gateway.ledger.LedgerTestData.props;
import static dev.burstgate.gateway.ledger.LedgerTestData.record;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.zaxxer.hikari.HikariDataSource;
import dev.burstgate.policies.Tier;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;

/** The ledger writer on a real H2 database (PostgreSQL mode, as the gateway runs it by default). */
class LedgerWriterTest {

    /** How long a condition may take to hold; generous, because a shared machine can slow H2's start a lot. */
    static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    HikariDataSource h2;
    LedgerTestData.SwitchableDataSource db;
    PrometheusMeterRegistry meters;
    /** The journal of the writer made last. */
    LedgerJournal journal;

    final List<LedgerWriter> writers = new ArrayList<>();

    @BeforeEach
    void setUp() {
        h2 = LedgerTestData.h2(dir);
        db = new LedgerTestData.SwitchableDataSource(h2);
        meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    }

    @AfterEach
    void tearDown() {
        writers.forEach(LedgerWriter::stop);
        h2.close();
    }

    LedgerWriter writer(LedgerProperties props) {
        return writer(props, meters);
    }

    /** A writer on the test's database, with its journal under the test's directory and Flyway for its schema. */
    LedgerWriter writer(LedgerProperties props, MeterRegistry registry) {
        journal = LedgerTestData.journal(props, dir, registry);
        LedgerSchema schema = new LedgerSchema(Flyway.configure().dataSource(db).load());
        LedgerWriter w = new LedgerWriter(new LedgerStore(db), schema, journal, props, registry);
        writers.add(w);
        return w;
    }

    double meter(String name) {
        return meters.get(name).counter().count();
    }

    /** Segment files in the journal directory. */
    List<Path> segmentFiles() {
        try (var files = Files.list(dir.resolve(LedgerProperties.DEFAULT_JOURNAL_DIR_NAME))) {
            return files.filter(f -> f.getFileName().toString().startsWith(LedgerJournal.SEGMENT_PREFIX))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Records in the journal's segment files. */
    long journalLines() {
        long n = 0;
        for (Path f : segmentFiles()) {
            try {
                n += lines(f);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        return n;
    }

    @Test
    void writesEveryRecordWithItsAttemptsInBatchesOfAtMostTheBatchSize() {
        LedgerWriter w = writer(props(1000, 7, Duration.ofMillis(50), Duration.ofSeconds(1), Duration.ofSeconds(5)));
        w.start();
        for (int i = 0; i < 100; i++) {
            w.onRecord(record("req_" + i));
        }
        assertThat(await(WAIT, () -> count(h2, "ledger_request") == 100)).isTrue();
        assertThat(count(h2, "ledger_attempt")).isEqualTo(200);
        assertThat(meter("burstgate.ledger.records.written")).isEqualTo(100);
        assertThat(meters.get("burstgate.ledger.batch").timer().count()).isGreaterThanOrEqualTo(15); // ceil(100 / 7)
        assertThat(meter("burstgate.ledger.overflow")).isZero();
        assertThat(meter("burstgate.ledger.replayed")).isZero();
        assertThat(journalLines()).as("every record went through the journal").isEqualTo(100);
        w.stop();
        assertThat(segmentFiles()).as("all written: nothing left to replay").isEmpty();
    }

    @Test
    void aRecordIsInTheJournalFileWhenOnRecordReturns() throws IOException {
        // Not started: nothing takes records off the queue, so only the journal can have it.
        LedgerWriter w = writer(props(10, 10, Duration.ofMillis(10), Duration.ofSeconds(1), Duration.ofSeconds(5)));
        w.onRecord(record("req_durable"));
        assertThat(segmentFiles()).hasSize(1);
        assertThat(Files.readString(segmentFiles().getFirst()))
                .startsWith("{\"id\":\"req_durable\"")
                .endsWith("\n");
        assertThat(w.queueDepth()).isEqualTo(1);
    }

    @Test
    void deletesEachJournalSegmentOnceAllItsRecordsAreWritten() {
        LedgerProperties small = new LedgerProperties(
                true,
                1000,
                50,
                Duration.ofMillis(10),
                Duration.ofSeconds(1),
                Duration.ofSeconds(5),
                null,
                new LedgerProperties.Journal(null, Duration.ofMillis(10), LedgerProperties.Journal.MIN_SEGMENT_SIZE),
                true);
        LedgerWriter w = writer(small);
        w.start();
        for (int i = 0; i < 1000; i++) { // about 600 bytes each: ten segments of 64 KB
            w.onRecord(record("req_" + i));
        }
        assertThat(await(WAIT, () -> count(h2, "ledger_request") == 1000)).isTrue();
        assertThat(await(WAIT, () -> segmentFiles().size() == 1))
                .as("only the segment still taking appends")
                .isTrue();
        assertThat(journal.files()).containsExactlyElementsOf(segmentFiles());
        assertThat(LedgerJournal.segmentId(segmentFiles().getFirst()))
                .as("segments were started and deleted")
                .isGreaterThanOrEqualTo(6);
        assertThat(meter("burstgate.ledger.replayed")).isZero();
    }

    @Test
    void migratesTheSchemaOnceTheDatabaseAnswersAndKeepsTheRecordsMeanwhile() throws IOException {
        h2.close();
        Path fresh = Files.createDirectories(dir.resolve("fresh"));
        h2 = LedgerTestData.h2WithoutSchema(fresh);
        db = new LedgerTestData.SwitchableDataSource(h2);
        db.down = true;
        LedgerWriter w = writer(props(10, 10, Duration.ofMillis(10), Duration.ofMillis(100), Duration.ofSeconds(5)));
        w.start();
        for (int i = 0; i < 30; i++) {
            w.onRecord(record("req_" + i));
        }
        assertThat(await(WAIT, () -> meter("burstgate.ledger.write.failures") >= 2))
                .isTrue();
        assertThat(meter("burstgate.ledger.overflow"))
                .as("30 records, a queue of 10")
                .isEqualTo(20);
        assertThat(journalLines()).isEqualTo(30);

        db.down = false;
        assertThat(await(WAIT, () -> tableExists() && count(h2, "ledger_request") == 30))
                .isTrue();
        assertThat(meter("burstgate.ledger.replayed")).isGreaterThanOrEqualTo(20);
    }

    private boolean tableExists() {
        Long n = new JdbcTemplate(h2)
                .queryForObject(
                        "SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'ledger_request'",
                        Long.class);
        return n != null && n == 1;
    }

    @Test
    void storesEveryFieldExactlyAndNoPromptText() {
        LedgerWriter w = writer(props(10, 10, Duration.ofMillis(10), Duration.ofSeconds(1), Duration.ofSeconds(5)));
        w.start();
        Instant at = Instant.parse("2026-11-29T23:59:59.123456789Z");
        w.onRecord(record("req_exact", "acme", at, "cost-saver", Tier.CLOUD, "0.000000123456789012", "1.10", 1234, 56));
        w.onRecord(record("req_rejected", "acme", at, "cost-saver", null, "0", "0", 0, 0));
        assertThat(await(WAIT, () -> count(h2, "ledger_request") == 2)).isTrue();
        JdbcTemplate jdbc = new JdbcTemplate(h2);
        Map<String, Object> row = jdbc.queryForMap("SELECT * FROM ledger_request WHERE id = 'req_exact'");
        assertThat(row.keySet())
                .containsExactlyInAnyOrder(
                        "id",
                        "tenant",
                        "ts",
                        "policy",
                        "complexity",
                        "decided_tier",
                        "final_tier",
                        "prompt_tokens",
                        "completion_tokens",
                        "cost_usd",
                        "baseline_usd",
                        "saving_usd",
                        "ttfb_ms",
                        "latency_ms",
                        "cache_hit",
                        "stream",
                        "outcome",
                        "reason",
                        // what the router saw, as JSON: no prompt text (RoutingRecordTest)
                        "routing_inputs");
        assertThat(((BigDecimal) row.get("cost_usd"))).isEqualByComparingTo("0.000000123457");
        assertThat(((BigDecimal) row.get("baseline_usd"))).isEqualByComparingTo("1.10");
        assertThat(((BigDecimal) row.get("saving_usd"))).isEqualByComparingTo("1.099999876543");
        assertThat(jdbc.queryForObject("SELECT ts FROM ledger_request WHERE id = 'req_exact'", OffsetDateTime.class)
                        .toInstant())
                .isEqualTo(Instant.parse("2026-11-29T23:59:59.123456Z"));
        assertThat(row.get("final_tier")).isEqualTo("cloud");
        assertThat(row.get("outcome")).isEqualTo("fallback");
        assertThat(row.get("ttfb_ms")).isEqualTo(12L);
        assertThat(row.get("prompt_tokens")).isEqualTo(1234L);
        Map<String, Object> rejected = jdbc.queryForMap("SELECT * FROM ledger_request WHERE id = 'req_rejected'");
        assertThat(rejected.get("final_tier")).isNull();
        assertThat(rejected.get("ttfb_ms")).isNull();
        assertThat(rejected.get("outcome")).isEqualTo("rejected");
        List<Map<String, Object>> attempts = jdbc.queryForList(
                "SELECT seq, tier, endpoint, outcome, error FROM ledger_attempt WHERE request_id = 'req_exact' ORDER BY seq");
        assertThat(attempts).extracting(a -> a.get("tier")).containsExactly("local", "cloud");
        assertThat(attempts).extracting(a -> a.get("outcome")).containsExactly("error", "ok");
        assertThat(attempts.get(0).get("error")).isEqualTo("queue full");
    }

    @Test
    void writingTheSameRecordsAgainKeepsOneRowPerRequestAndAttempt() {
        LedgerStore store = new LedgerStore(h2);
        List<LedgerRecord> batch = new ArrayList<>();
        for (int i = 0; i < 120; i++) { // more than one multi-row statement
            batch.add(LedgerRecord.of(record("req_" + i)));
        }
        store.insert(batch);
        store.insert(batch);
        store.insert(batch.subList(5, 10));
        List<LedgerRecord> twice = new ArrayList<>(batch.subList(0, 60));
        twice.addAll(batch.subList(0, 60));
        twice.add(LedgerRecord.of(record("req_twice_in_one_batch")));
        twice.add(LedgerRecord.of(record("req_twice_in_one_batch")));
        store.insert(twice);
        assertThat(count(h2, "ledger_request")).isEqualTo(121);
        assertThat(count(h2, "ledger_attempt")).isEqualTo(242);

        LedgerWriter w = writer(props(100, 50, Duration.ofMillis(10), Duration.ofSeconds(1), Duration.ofSeconds(5)));
        w.start();
        w.onRecord(record("req_3"));
        w.onRecord(record("req_new"));
        assertThat(await(WAIT, () -> meter("burstgate.ledger.records.written") == 2))
                .isTrue();
        assertThat(count(h2, "ledger_request")).isEqualTo(122);
        assertThat(count(h2, "ledger_attempt")).isEqualTo(244);
    }

    @Test
    void leavesWhatTheQueueCannotHoldToTheJournalAndReplaysItOnceTheDatabaseAnswersAgain() throws IOException {
        ListAppender<ILoggingEvent> logs = capture();
        try {
            db.down = true;
            LedgerWriter w = writer(props(5, 2, Duration.ofMillis(10), Duration.ofMillis(200), Duration.ofSeconds(5)));
            w.start();
            for (int i = 0; i < 50; i++) {
                w.onRecord(record("req_" + i));
            }
            // At most the queue and the batch in hand are in memory; everything is in the journal.
            assertThat(meter("burstgate.ledger.overflow")).isGreaterThanOrEqualTo(50 - 5 - 2);
            assertThat(journalLines()).isEqualTo(50);
            assertThat(await(WAIT, () -> meter("burstgate.ledger.write.failures") >= 4))
                    .isTrue();
            assertThat(count(h2, "ledger_request")).isZero();
            w.onRecord(record("req_during_outage"));

            db.down = false;
            assertThat(await(WAIT, () -> count(h2, "ledger_request") == 51)).isTrue();
            assertThat(await(WAIT, () -> journalLines() == 0))
                    .as("replayed segments are deleted")
                    .isTrue();
            assertThat(meter("burstgate.ledger.replayed")).isGreaterThanOrEqualTo(meter("burstgate.ledger.overflow"));
            assertThat(count(h2, "ledger_attempt")).isEqualTo(102);
            // One warning when the outage starts, one line when it ends: not one per retry.
            assertThat(logs.list).filteredOn(e -> e.getLevel() == Level.WARN).hasSize(1);
            assertThat(logs.list)
                    .filteredOn(e -> e.getFormattedMessage().contains("available again"))
                    .hasSize(1);
        } finally {
            release(logs);
        }
    }

    @Test
    void replaysTheJournalAndASpillFileLeftByAnEarlierRunWhenItStarts() throws IOException {
        // An earlier version's spill file, one of its moved-aside files (a replay cut short by a crash) and a line cut
        // by a crash; and segments of an earlier run killed with records in them, one already written.
        Files.writeString(dir.resolve("ledger-spill.jsonl.replay-0000000000001-000001"), lines("req_spilled_", 0, 10));
        Files.writeString(
                dir.resolve("ledger-spill.jsonl"), lines("req_spilled_", 10, 30) + "{\"id\":\"req_cut_by_a_cr");
        Path journalDir = Files.createDirectories(dir.resolve(LedgerProperties.DEFAULT_JOURNAL_DIR_NAME));
        Files.writeString(journalDir.resolve("segment-0000000000000000004.jsonl"), lines("req_journal_", 0, 20));
        Files.writeString(
                journalDir.resolve("segment-0000000000000000005.jsonl"),
                lines("req_journal_", 20, 25) + "{\"id\":\"req_journal_cut");
        new LedgerStore(h2).insert(List.of(LedgerRecord.of(record("req_journal_3"))));

        LedgerWriter w = writer(props(100, 8, Duration.ofMillis(10), Duration.ofSeconds(1), Duration.ofSeconds(5)));
        w.start();
        assertThat(await(WAIT, () -> count(h2, "ledger_request") == 55)).isTrue();
        assertThat(await(WAIT, () -> segmentFiles().isEmpty())).isTrue();
        assertThat(dir.resolve("ledger-spill.jsonl")).doesNotExist();
        assertThat(dir.resolve("ledger-spill.jsonl.replay-0000000000001-000001"))
                .doesNotExist();
        assertThat(meter("burstgate.ledger.replayed")).isEqualTo(55);
        assertThat(Files.readString(journal.rejectedPath())).contains("req_cut_by_a_cr", "req_journal_cut");
        w.onRecord(record("req_new"));
        assertThat(journal.files())
                .singleElement()
                .satisfies(f -> assertThat(f.getFileName().toString()).isEqualTo("segment-0000000000000000006.jsonl"));
    }

    @Test
    void replaysWhatOverflowedWhileAnEarlierReplayWaitedForTheDatabase() throws IOException {
        // A segment of an earlier run waits for its replay when the database goes down; meanwhile records overflow
        // into the segment taking appends. Both must be written once it answers.
        Path journalDir = Files.createDirectories(dir.resolve(LedgerProperties.DEFAULT_JOURNAL_DIR_NAME));
        Files.writeString(journalDir.resolve("segment-0000000000000000001.jsonl"), lines("req_earlier_", 0, 10));
        db.down = true;
        LedgerWriter w = writer(props(5, 2, Duration.ofMillis(10), Duration.ofMillis(100), Duration.ofSeconds(5)));
        w.start();
        for (int i = 0; i < 20; i++) {
            w.onRecord(record("req_" + i));
        }
        assertThat(meter("burstgate.ledger.overflow")).isEqualTo(15);
        assertThat(await(WAIT, () -> meter("burstgate.ledger.write.failures") >= 2))
                .isTrue();

        db.down = false;
        assertThat(await(WAIT, () -> count(h2, "ledger_request") == 30)).isTrue();
        assertThat(await(WAIT, () -> journalLines() == 0)).isTrue();
    }

    private static String lines(String prefix, int from, int to) {
        StringBuilder b = new StringBuilder();
        for (int i = from; i < to; i++) {
            b.append(new String(LedgerJournal.line(LedgerRecord.of(record(prefix + i))), StandardCharsets.UTF_8));
        }
        return b.toString();
    }

    @Test
    void stopWritesEverythingQueuedToTheDatabase() {
        // A long flush interval: without the drain on stop, these records would still be waiting for their batch.
        LedgerWriter w =
                writer(props(5000, 10_000, Duration.ofSeconds(30), Duration.ofSeconds(1), Duration.ofSeconds(10)));
        w.start();
        for (int i = 0; i < 2000; i++) {
            w.onRecord(record("req_" + i));
        }
        w.stop();
        assertThat(count(h2, "ledger_request")).isEqualTo(2000);
        assertThat(count(h2, "ledger_attempt")).isEqualTo(4000);
        assertThat(segmentFiles()).isEmpty();
        assertThat(w.isRunning()).isFalse();
    }

    @Test
    void stopLeavesWhatItCannotWriteInTimeInTheJournalAsWellAsRecordsArrivingAfterItAndTheNextStartWritesThem() {
        db.down = true;
        LedgerWriter w = writer(props(100, 5, Duration.ofMillis(10), Duration.ofMillis(100), Duration.ofMillis(300)));
        w.start();
        for (int i = 0; i < 20; i++) {
            w.onRecord(record("req_" + i));
        }
        long start = System.nanoTime();
        w.stop();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
        assertThat(journalLines()).isEqualTo(20);
        w.onRecord(record("req_late"));
        assertThat(journalLines()).isEqualTo(21);
        assertThat(meter("burstgate.ledger.overflow")).isEqualTo(1);

        db.down = false;
        LedgerWriter next = writer(
                props(100, 5, Duration.ofMillis(10), Duration.ofMillis(100), Duration.ofSeconds(5)),
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        next.start();
        assertThat(await(WAIT, () -> count(h2, "ledger_request") == 21)).isTrue();
        assertThat(await(WAIT, () -> segmentFiles().isEmpty())).isTrue();
    }

    @Test
    void setsAsideARecordTheDatabaseRefusesAndWritesTheRestOfItsBatch() throws IOException {
        LedgerWriter w = writer(props(100, 10, Duration.ofMillis(200), Duration.ofSeconds(1), Duration.ofSeconds(5)));
        w.start();
        for (int i = 0; i < 5; i++) {
            // NUMERIC(24, 12) holds less than a trillion dollars.
            String cost = i == 2 ? "9999999999999" : "0.18";
            w.onRecord(record(
                    "req_" + i,
                    "acme",
                    Instant.parse("2026-11-29T10:00:00Z"),
                    "balanced",
                    Tier.CLOUD,
                    cost,
                    "1.10",
                    1,
                    1));
        }
        assertThat(await(WAIT, () -> count(h2, "ledger_request") == 4)).isTrue();
        assertThat(await(
                        WAIT,
                        () -> meters.get("burstgate.ledger.rejected").counter().count() == 1))
                .isTrue();
        assertThat(Files.readString(journal.rejectedPath())).contains("req_2").doesNotContain("req_1");
        w.onRecord(record("req_after"));
        assertThat(await(WAIT, () -> count(h2, "ledger_request") == 5)).isTrue();
    }

    @Test
    void exposesItsMetersUnderTheirPrometheusNames() {
        LedgerWriter w = writer(props(10, 10, Duration.ofMillis(10), Duration.ofSeconds(1), Duration.ofSeconds(5)));
        w.onRecord(record("req_1"));
        String scrape = meters.scrape();
        assertThat(scrape)
                .contains(
                        "burstgate_ledger_queue_depth 1.0",
                        "burstgate_ledger_batch_seconds_count 0",
                        "burstgate_ledger_records_written_total 0.0",
                        "burstgate_ledger_overflow_total 0.0",
                        "burstgate_ledger_replayed_total 0.0",
                        "burstgate_ledger_write_failures_total 0.0",
                        "burstgate_ledger_rejected_total 0.0",
                        "burstgate_ledger_lost_total 0.0",
                        "burstgate_ledger_journal_segments 1.0",
                        "burstgate_ledger_journal_fsync_seconds_count 0",
                        "burstgate_ledger_journal_failures_total 0.0");
        assertThat(scrape).containsPattern("burstgate_ledger_journal_bytes [1-9][0-9]{2,}\\.0");
    }

    @Test
    void stopsAfterTheWebServerAndItsEventLoops() {
        assertThat(LedgerWriter.PHASE)
                .isLessThan(
                        org.springframework.boot.web.server.context.WebServerGracefulShutdownLifecycle
                                        .SMART_LIFECYCLE_PHASE
                                - 1024);
        assertThat(LedgerWriter.PHASE)
                .isLessThan(new org.springframework.http.client.ReactorResourceFactory().getPhase());
    }

    private static long lines(Path file) throws IOException {
        try (var s = Files.lines(file)) {
            return s.filter(l -> !l.isBlank()).count();
        }
    }

    private static ListAppender<ILoggingEvent> capture() {
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        ((Logger) LoggerFactory.getLogger(LedgerWriter.class)).addAppender(appender);
        return appender;
    }

    private static void release(ListAppender<ILoggingEvent> appender) {
        ((Logger) LoggerFactory.getLogger(LedgerWriter.class)).detachAppender(appender);
    }
}
