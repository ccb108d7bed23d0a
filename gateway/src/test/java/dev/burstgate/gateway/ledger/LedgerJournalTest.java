package dev.burstgate.gateway.ledger;

import static dev.burstgate.gateway.ledger.LedgerTestData.record;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.burstgate.gateway.ledger.LedgerJournal.Segment;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ledger journal on real files: appends, group commit, segments, recovery; time comes from a test clock. */
class LedgerJournalTest {

    static final long SEGMENT = LedgerProperties.Journal.MIN_SEGMENT_SIZE.toBytes();

    @TempDir
    Path dir;

    /** A clock that moves 3 ms every time it is read. */
    final AtomicLong nanos = new AtomicLong();

    final List<LedgerJournal> opened = new ArrayList<>();
    SimpleMeterRegistry meters = new SimpleMeterRegistry();

    @AfterEach
    void tearDown() {
        opened.forEach(LedgerJournal::close);
    }

    LedgerJournal open() throws IOException {
        meters = new SimpleMeterRegistry();
        LedgerJournal j = LedgerJournal.open(
                dir.resolve("journal"),
                dir.resolve("ledger-spill.jsonl"),
                SEGMENT,
                Duration.ofMillis(20),
                () -> nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(3)),
                meters);
        opened.add(j);
        return j;
    }

    long fsyncs() {
        return meters.get("burstgate.ledger.journal.fsync").timer().count();
    }

    static LedgerRecord rec(String id) {
        return LedgerRecord.of(record(id));
    }

    static List<LedgerRecord> readAll(LedgerJournal j, Segment s) throws IOException {
        List<LedgerRecord> read = new ArrayList<>();
        assertThat(j.read(s, 7, read::addAll)).isTrue();
        return read;
    }

    @Test
    void aRecordIsInItsSegmentFileWhenAppendReturns() throws IOException {
        LedgerJournal j = open();
        Segment s = j.append(rec("req_1"));
        // Read through another file handle, as the next process would after a kill -9: no flush, no close.
        List<String> lines = Files.readAllLines(s.path());
        assertThat(lines).hasSize(1);
        assertThat(LedgerJournal.JSON.readValue(lines.get(0), LedgerRecord.class))
                .isEqualTo(rec("req_1"));
        assertThat(s.path()).hasParent(dir.resolve("journal"));
        assertThat(s.path().getFileName().toString()).matches("segment-0+1\\.jsonl");
        assertThat(j.bytes()).isEqualTo(Files.size(s.path()));
    }

    @Test
    void oneGroupCommitForcesEverythingAppendedSinceTheLastAndNothingWhenNothingWasAppended() throws IOException {
        LedgerJournal j = open();
        for (int i = 0; i < 5; i++) {
            j.append(rec("req_" + i));
        }
        assertThat(fsyncs()).isZero();
        j.syncNow();
        assertThat(fsyncs()).isEqualTo(1);
        // Timed by the journal's clock: the force (file, and the directory for the new segment) between two reads.
        assertThat(meters.get("burstgate.ledger.journal.fsync").timer().totalTime(TimeUnit.MILLISECONDS))
                .isEqualTo(3.0);
        j.syncNow();
        assertThat(fsyncs()).as("nothing new to force").isEqualTo(1);
        j.append(rec("req_5"));
        j.append(rec("req_6"));
        j.syncNow();
        assertThat(fsyncs()).isEqualTo(2);
    }

    @Test
    void theSyncThreadForcesAppendsWithinItsInterval() throws IOException {
        meters = new SimpleMeterRegistry();
        LedgerJournal j = LedgerJournal.open(
                dir.resolve("journal"), null, SEGMENT, Duration.ofMillis(5), System::nanoTime, meters);
        opened.add(j);
        j.start();
        j.append(rec("req_1"));
        assertThat(LedgerTestData.await(Duration.ofSeconds(5), () -> fsyncs() >= 1))
                .isTrue();
    }

    @Test
    void afterCloseEachAppendIsForcedBeforeItReturns() throws IOException {
        LedgerJournal j = open();
        j.append(rec("req_1"));
        j.close();
        long forced = fsyncs();
        assertThat(forced).as("close forces what was appended").isEqualTo(1);
        Segment late = j.append(rec("req_late"));
        assertThat(fsyncs()).isEqualTo(forced + 1);
        assertThat(Files.readAllLines(late.path())).hasSize(1);
    }

    @Test
    void startsANewSegmentWhenTheNextLineWouldPassTheSegmentSize() throws IOException {
        LedgerJournal j = open();
        List<Segment> used = new ArrayList<>();
        int n = 0;
        while (used.size() < 3) {
            Segment s = j.append(rec("req_" + n++));
            if (!used.contains(s)) {
                used.add(s);
            }
        }
        j.syncNow();
        assertThat(j.files())
                .containsExactly(
                        used.get(0).path(), used.get(1).path(), used.get(2).path());
        assertThat(used.get(1).id()).isEqualTo(used.get(0).id() + 1);
        int total = 0;
        for (Segment s : used) {
            assertThat(Files.size(s.path())).isLessThanOrEqualTo(SEGMENT);
            total += readAll(j, s).size();
        }
        assertThat(total).isEqualTo(n);
        assertThat(j.bytes())
                .isEqualTo(Files.size(used.get(0).path())
                        + Files.size(used.get(1).path())
                        + Files.size(used.get(2).path()));
    }

    @Test
    void deletesASealedSegmentOnceEveryRecordInItIsSettledAndNeverTheActiveOne() throws IOException {
        LedgerJournal j = open();
        List<Segment> appended = new ArrayList<>();
        do {
            appended.add(j.append(rec("req_" + appended.size())));
        } while (appended.getLast() == appended.getFirst());
        Segment first = appended.getFirst();
        Segment second = appended.getLast();
        List<Segment> ofFirst = appended.subList(0, appended.size() - 1);

        for (Segment s : ofFirst.subList(1, ofFirst.size())) {
            j.settle(s);
        }
        assertThat(j.deleteSettled())
                .as("one record of the first segment is not settled")
                .isZero();
        j.settle(first);
        j.settle(second);
        assertThat(j.deleteSettled()).isEqualTo(1);
        assertThat(first.path()).doesNotExist();
        assertThat(second.path()).as("the active segment takes appends: kept").exists();
        assertThat(j.deleteSettled()).isZero();

        // At stop, an active segment whose records are all settled is sealed, so nothing is left to replay.
        j.sealIfSettled();
        assertThat(j.deleteSettled()).isEqualTo(1);
        assertThat(j.files()).isEmpty();
        assertThat(j.bytes()).isZero();
        assertThat(j.hasPendingReplay()).isFalse();
    }

    @Test
    void keepsASegmentWithARecordInNoQueueUntilItHasBeenReplayed() throws IOException {
        LedgerJournal j = open();
        Segment s = j.append(rec("req_queued"));
        j.append(rec("req_overflowed"));
        j.overflow(s);
        j.settle(s);
        assertThat(j.hasPendingReplay()).isTrue();

        List<Segment> pending = j.pendingReplay();
        assertThat(pending).as("the active segment is sealed for its replay").containsExactly(s);
        Segment next = j.append(rec("req_after"));
        assertThat(next).isNotSameAs(s);
        j.settle(s);
        assertThat(j.deleteSettled())
                .as("settled, but a record is only in the file")
                .isZero();
        assertThat(readAll(j, s)).extracting(LedgerRecord::id).containsExactly("req_queued", "req_overflowed");
        j.replayed(s);
        assertThat(s.path()).doesNotExist();
        assertThat(j.files()).containsExactly(next.path());
        assertThat(j.hasPendingReplay()).isFalse();
    }

    @Test
    void recoversTheSegmentsOfAnEarlierRunForReplayAndSetsACutLastLineAside() throws IOException {
        LedgerJournal earlier = open();
        Segment old = null;
        for (int i = 0; i < 5; i++) {
            old = earlier.append(rec("req_" + i));
        }
        // The process dies (its lock goes with it) in the middle of a write: half a line, no newline.
        earlier.close();
        Files.writeString(old.path(), "{\"id\":\"req_cut_by_a_cr", StandardOpenOption.APPEND);

        LedgerJournal j = open();
        assertThat(j.hasPendingReplay()).isTrue();
        assertThat(j.bytes()).isEqualTo(Files.size(old.path()));
        List<Segment> pending = j.pendingReplay();
        assertThat(pending).hasSize(1);
        assertThat(pending.getFirst().path()).isEqualTo(old.path());
        assertThat(readAll(j, pending.getFirst()))
                .extracting(LedgerRecord::id)
                .containsExactly("req_0", "req_1", "req_2", "req_3", "req_4");
        assertThat(Files.readString(j.rejectedPath())).isEqualTo("{\"id\":\"req_cut_by_a_cr\n");

        Segment fresh = j.append(rec("req_new"));
        assertThat(fresh.id()).isEqualTo(old.id() + 1);
        j.replayed(pending.getFirst());
        assertThat(j.files()).containsExactly(fresh.path());
    }

    @Test
    void refusesADirectoryAnotherJournalHoldsUntilItIsClosed() throws IOException {
        LedgerJournal first = open();
        assertThatThrownBy(this::open)
                .isInstanceOf(IOException.class)
                .hasMessageContaining("in use by another gateway")
                .hasMessageContaining("burstgate.data-dir");
        first.close();
        LedgerJournal second = open();
        assertThatThrownBy(first::start).hasRootCauseInstanceOf(IOException.class);
        second.close();
    }

    @Test
    void setsAsideLinesThatAreNotRecordsAndReadsOn() throws IOException {
        Path journal = Files.createDirectories(dir.resolve("journal"));
        Path file = journal.resolve("segment-0000000000000000007.jsonl");
        String good = new String(LedgerJournal.line(rec("req_good")), StandardCharsets.UTF_8);
        // Zeros, as a file system may leave after a power loss, are skipped as blank.
        Files.writeString(
                file,
                good + "not json\n\n" + "\0\0\0\n"
                        + new String(LedgerJournal.line(rec("req_also")), StandardCharsets.UTF_8));
        LedgerJournal j = open();
        List<Segment> pending = j.pendingReplay();
        assertThat(readAll(j, pending.getFirst())).extracting(LedgerRecord::id).containsExactly("req_good", "req_also");
        assertThat(Files.readAllLines(j.rejectedPath())).containsExactly("not json");
        assertThat(j.append(rec("req_next")).id()).isEqualTo(8);
    }

    @Test
    void readsInBatchesAndStopsWhenTheSinkSaysSo() throws IOException {
        LedgerJournal j = open();
        Segment s = null;
        for (int i = 0; i < 20; i++) {
            s = j.append(rec("req_" + i));
        }
        List<Integer> sizes = new ArrayList<>();
        assertThat(j.read(s, 8, b -> sizes.add(b.size()))).isTrue();
        assertThat(sizes).containsExactly(8, 8, 4);
        List<Integer> stopped = new ArrayList<>();
        assertThat(j.read(s, 8, b -> stopped.add(b.size()) && stopped.size() < 2))
                .isFalse();
        assertThat(stopped).containsExactly(8, 8);
    }

    @Test
    void replaysTheSpillFileOfAnEarlierVersionFirst() throws IOException {
        Path spill = dir.resolve("ledger-spill.jsonl");
        Path movedAside = dir.resolve("ledger-spill.jsonl.replay-0000000000001-000001");
        Files.write(movedAside, LedgerJournal.line(rec("req_moved_aside")));
        Files.write(spill, LedgerJournal.line(rec("req_spilled")));
        Files.createDirectories(dir.resolve("journal"));
        Files.write(dir.resolve("journal/segment-0000000000000000003.jsonl"), LedgerJournal.line(rec("req_segment")));

        LedgerJournal j = open();
        List<String> ids = new ArrayList<>();
        for (Segment s : j.pendingReplay()) {
            readAll(j, s).forEach(r -> ids.add(r.id()));
            j.replayed(s);
        }
        assertThat(ids).containsExactly("req_moved_aside", "req_spilled", "req_segment");
        assertThat(spill).doesNotExist();
        assertThat(movedAside).doesNotExist();
        assertThat(j.files()).isEmpty();
    }

    @Test
    void exposesItsMetersUnderTheirPrometheusNames() throws IOException {
        var prometheus = new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(
                io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
        LedgerJournal j = LedgerJournal.open(
                dir.resolve("journal"), null, SEGMENT, Duration.ofMillis(20), System::nanoTime, prometheus);
        opened.add(j);
        Segment s = j.append(rec("req_1"));
        j.syncNow();
        assertThat(prometheus.scrape())
                .contains(
                        "burstgate_ledger_journal_bytes " + (double) Files.size(s.path()),
                        "burstgate_ledger_journal_segments 1.0",
                        "burstgate_ledger_journal_fsync_seconds_count 1",
                        "burstgate_ledger_journal_failures_total 0.0");
    }
}
