package dev.burstgate.gateway.ledger;

import dev.burstgate.gateway.ledger.LedgerJournal.Segment;
import dev.burstgate.gateway.usage.CostRecord;
import dev.burstgate.gateway.usage.CostRecordListener;
import dev.burstgate.gateway.usage.ShadowRecord;
import dev.burstgate.gateway.usage.ShadowRecordListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.web.server.context.WebServerGracefulShutdownLifecycle;
import org.springframework.context.SmartLifecycle;
import org.springframework.dao.DataIntegrityViolationException;

/**
 * Writes every {@link CostRecord} to the ledger database without making the request wait for the database, and
 * without losing a record the gateway has been told about, whatever happens to the database or to the process.
 *
 * <p>{@link #onRecord} first appends the record to the {@link LedgerJournal} (one {@code write()} of one JSON line:
 * when it returns, the record survives {@code kill -9} of the gateway; the journal forces it to the disk within
 * {@code journal.fsync-interval}), then offers it to a bounded queue. One platform thread, {@value #THREAD_NAME},
 * takes batches off the queue (at most {@code batch-size} records, waiting at most {@code flush-interval} for a batch
 * to fill) and inserts each batch in one transaction; a journal segment is deleted once all its records are
 * committed. Inserts are idempotent, so a record written twice is stored once.
 *
 * <p>A record that does not fit the queue (or arrives after the writer stopped) is in the journal only: its segment
 * is replayed — read back and written in batches — as soon as the database takes writes, then deleted. At start every
 * segment left by an earlier run is replayed the same way (records already in the database are skipped), and so is a
 * spill file left by an earlier version of the ledger.
 *
 * <p>The schema is migrated ({@link LedgerSchema}) by this thread before its first write, not at start-up, so the
 * gateway starts while its database is down. When the database fails, the batch is kept and tried again after 100 ms,
 * doubling up to {@code max-backoff}; the outage is logged once when it starts and once when it ends.
 *
 * <p>Stopping ({@link SmartLifecycle}, phase {@link #PHASE}: after the web server has finished its in-flight requests
 * and stopped, and its event loops have shut down) writes what is queued within {@code shutdown-timeout}, then forces
 * the journal to the disk; what was not written stays in the journal for the next start, as does any record arriving
 * after the stop. A record the database refuses on its own (never expected: strings are cut to their columns) is set
 * aside in the journal's rejected file rather than blocking the ledger.
 *
 * <p>Meters: {@code burstgate_ledger_queue_depth}, {@code burstgate_ledger_batch_seconds},
 * {@code burstgate_ledger_records_written_total} (records in committed batches, replayed ones included),
 * {@code burstgate_ledger_overflow_total} (records left to a replay of the journal),
 * {@code burstgate_ledger_replayed_total}, {@code burstgate_ledger_write_failures_total} (failed tries),
 * {@code burstgate_ledger_rejected_total} and {@code burstgate_ledger_lost_total} (records neither in the journal nor
 * written: the journal could not be written and the queue could not take them); and the journal's own.
 */
public final class LedgerWriter implements CostRecordListener, ShadowRecordListener, SmartLifecycle {

    /**
     * Stops after Boot's graceful shutdown ({@link WebServerGracefulShutdownLifecycle#SMART_LIFECYCLE_PHASE}) has let
     * the requests under way finish, after the web server has stopped (1024 below that), and after Spring's
     * {@code ReactorResourceFactory} (phase 0) has shut the Netty event loops down gracefully, so request code still
     * finishing on them (such as publishing its cost record) has run. Starts before all of them.
     */
    public static final int PHASE = -1024;

    static final String THREAD_NAME = "burstgate-ledger-writer";

    private static final Logger log = LoggerFactory.getLogger(LedgerWriter.class);
    private static final long INITIAL_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    /** How long the writer sleeps at most before it looks at its state again. */
    private static final long SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
    /** While a batch fills: how long the writer sleeps between two looks at the queue. */
    private static final long FILL_SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
    /** How long {@link #stop()} waits beyond {@code shutdown-timeout} for a writer stuck in a database call. */
    private static final Duration JOIN_GRACE = Duration.ofSeconds(5);

    /** A queued record and the journal segment it is in (none when the journal could not take it). */
    private record Queued(LedgerRecord record, @Nullable Segment segment) {}

    private final LedgerStore store;
    private final LedgerSchema schema;
    private final LedgerJournal journal;
    private final ArrayBlockingQueue<Queued> queue;
    private final int batchSize;
    private final long flushIntervalNanos;
    private final long maxBackoffNanos;
    private final Duration shutdownTimeout;
    /** Whether rows keep their routing inputs ({@code burstgate.ledger.routing-inputs}). */
    private final boolean routingInputs;

    private final Timer batchTimer;
    private final Counter written;
    private final Counter overflowed;
    private final Counter replayed;
    private final Counter failures;
    private final Counter rejected;
    private final Counter lost;

    private volatile boolean accepting = true;
    private volatile boolean stopping;
    private volatile long stopDeadline;
    private final AtomicBoolean replayPending = new AtomicBoolean();
    private final AtomicBoolean journalFailing = new AtomicBoolean();
    private @Nullable Thread thread;
    private boolean running;

    // Writer-thread state.
    private boolean outage;
    private long outageStartNanos;
    private long outageFailures;
    private long backoffNanos = INITIAL_BACKOFF_NANOS;
    private long nextAttemptNanos;
    private long nextReplayNanos = System.nanoTime();
    private boolean cleanUpFailing;

    LedgerWriter(
            LedgerStore store,
            LedgerSchema schema,
            LedgerJournal journal,
            LedgerProperties props,
            MeterRegistry meters) {
        this.store = store;
        this.schema = schema;
        this.journal = journal;
        this.queue = new ArrayBlockingQueue<>(props.queueCapacity());
        this.batchSize = props.batchSize();
        this.flushIntervalNanos = props.flushInterval().toNanos();
        this.maxBackoffNanos =
                Math.max(INITIAL_BACKOFF_NANOS, props.maxBackoff().toNanos());
        this.shutdownTimeout = props.shutdownTimeout();
        this.routingInputs = props.routingInputs();
        Gauge.builder("burstgate.ledger.queue.depth", queue, ArrayBlockingQueue::size)
                .description("Cost records waiting for the ledger writer")
                .register(meters);
        this.batchTimer = Timer.builder("burstgate.ledger.batch")
                .description("Time to insert one batch of cost records")
                .register(meters);
        this.written = Counter.builder("burstgate.ledger.records.written")
                .description("Cost records in committed ledger batches, replayed ones included")
                .register(meters);
        this.overflowed = Counter.builder("burstgate.ledger.overflow")
                .description("Cost records that did not fit the writer's queue, written later from the journal")
                .register(meters);
        this.replayed = Counter.builder("burstgate.ledger.replayed")
                .description("Cost records written to the database by a replay of the journal")
                .register(meters);
        this.failures = Counter.builder("burstgate.ledger.write.failures")
                .description("Ledger writes that failed and were retried")
                .register(meters);
        this.rejected = Counter.builder("burstgate.ledger.rejected")
                .description("Cost records the database refused, set aside in the rejected file")
                .register(meters);
        this.lost = Counter.builder("burstgate.ledger.lost")
                .description("Cost records neither in the journal nor written (the journal failed)")
                .register(meters);
    }

    /**
     * Appends the record to the journal — it survives a crash of the gateway from the moment this returns — then
     * queues it for the database, or leaves it to a replay of the journal when the queue is full or the writer has
     * stopped; never waits on the database.
     */
    @Override
    public void onRecord(CostRecord record) {
        accept(LedgerRecord.of(record, routingInputs));
    }

    /** A shadow comparison's row, journalled and queued exactly as a request's record ({@link #onRecord}). */
    @Override
    public void onShadow(ShadowRecord record) {
        accept(LedgerRecord.of(record));
    }

    private void accept(LedgerRecord r) {
        Segment s = journal(r);
        if (accepting && queue.offer(new Queued(r, s))) {
            return;
        }
        if (s != null) {
            journal.overflow(s);
            overflowed.increment();
            replayPending.set(true);
            return;
        }
        // The journal's failure is logged once (see journal(r)); each record lost to it is counted.
        lost.increment();
        if (log.isDebugEnabled()) {
            log.debug("Request {} is not in the ledger: the journal cannot be written and the queue is full", r.id());
        }
    }

    private @Nullable Segment journal(LedgerRecord r) {
        try {
            Segment s = journal.append(r);
            if (journalFailing.get() && journalFailing.compareAndSet(true, false)) {
                log.info("The ledger journal {} is writable again", journal.dir());
            }
            return s;
        } catch (IOException | RuntimeException e) {
            if (journalFailing.compareAndSet(false, true)) {
                log.error(
                        "Cannot append to the ledger journal {} ({}): until it works, records are only in memory, lost if "
                                + "the gateway dies before they are written or when the queue is full (burstgate_ledger_lost_total; "
                                + "first: {})",
                        journal.dir(),
                        e.toString(),
                        r.id());
            }
            return null;
        }
    }

    /** Records waiting in the queue. */
    public int queueDepth() {
        return queue.size();
    }

    /** The journal's directory. */
    public Path journalDir() {
        return journal.dir();
    }

    // ---- lifecycle -------------------------------------------------------------------------------------------------

    @Override
    public synchronized void start() {
        if (running) {
            return;
        }
        accepting = true;
        stopping = false;
        journal.start();
        replayPending.set(journal.hasPendingReplay());
        Thread t = Thread.ofPlatform().name(THREAD_NAME).daemon(true).unstarted(this::run);
        thread = t;
        running = true;
        t.start();
    }

    @Override
    public synchronized void stop() {
        if (!running) {
            return;
        }
        accepting = false;
        stopDeadline = System.nanoTime() + shutdownTimeout.toNanos();
        stopping = true;
        boolean finished = true;
        Thread t = thread;
        if (t != null) {
            try {
                finished = t.join(shutdownTimeout.plus(JOIN_GRACE));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                finished = false;
            }
        }
        if (finished) {
            // Everything written: nothing is left for the next start to replay.
            journal.sealIfSettled();
            cleanUp();
        } else {
            log.warn(
                    "The ledger writer did not finish within {}; what it holds stays in the journal {} for the next start",
                    shutdownTimeout,
                    journal.dir());
        }
        journal.close();
        running = false;
        thread = null;
    }

    @Override
    public synchronized boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }

    // ---- the writer thread -----------------------------------------------------------------------------------------

    private void run() {
        try {
            while (!stopping) {
                if (!schema.isReady()) {
                    migrate();
                    continue;
                }
                if (replayPending.get() && readyToTry() && System.nanoTime() - nextReplayNanos >= 0) {
                    replay();
                    continue;
                }
                List<Queued> batch = collect();
                if (batch.isEmpty()) {
                    cleanUp();
                } else if (write(batch)) {
                    cleanUp();
                }
            }
            drain();
        } catch (RuntimeException | Error e) {
            log.error(
                    "The ledger writer failed; records stay in the journal {} and are written at the next start",
                    journal.dir(),
                    e);
            accepting = false;
        }
    }

    /** After stop: writes what is queued until the deadline; what is left stays in the journal. */
    private void drain() {
        while (!schema.isReady()) {
            if (!migrate()) {
                return;
            }
        }
        List<Queued> batch = new ArrayList<>(batchSize);
        while (queue.drainTo(batch, batchSize) > 0) {
            if (!write(batch)) {
                return;
            }
            batch = new ArrayList<>(batchSize);
        }
    }

    /**
     * One try to migrate the schema, when the next try is due.
     *
     * @return false when stopping and the shutdown deadline passed
     */
    private boolean migrate() {
        if (!awaitNextAttempt()) {
            return false;
        }
        try {
            schema.ensure();
            reachable();
        } catch (RuntimeException e) {
            failures.increment();
            unreachable(e);
        }
        return true;
    }

    /** Waits for a first record (briefly), then fills a batch for at most {@code flush-interval}. */
    private List<Queued> collect() {
        try {
            Queued first = queue.poll(SLICE_NANOS, TimeUnit.NANOSECONDS);
            if (first == null) {
                return List.of();
            }
            List<Queued> batch = new ArrayList<>(Math.min(batchSize, queue.size() + 1));
            batch.add(first);
            queue.drainTo(batch, batchSize - 1);
            long deadline = System.nanoTime() + flushIntervalNanos;
            // Fill the batch by sleeping in short slices and draining, not by waiting on the queue: a thread waiting on
            // the
            // queue is woken by every offer, which costs the request threads a wake-up call per record.
            while (batch.size() < batchSize && !stopping) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                LockSupport.parkNanos(Math.min(left, FILL_SLICE_NANOS));
                queue.drainTo(batch, batchSize - batch.size());
            }
            return batch;
        } catch (InterruptedException e) {
            // Nobody interrupts this thread on purpose; the flag is cleared and the state is looked at again.
            return List.of();
        }
    }

    /**
     * Writes {@code batch}, trying again with backoff while the database fails, and settles its records in the
     * journal.
     *
     * @return false when stopping and the shutdown deadline passed before the batch could be written (its records stay
     *     in the journal)
     */
    private boolean write(List<Queued> batch) {
        while (true) {
            if (!awaitNextAttempt()) {
                return false;
            }
            try {
                insert(records(batch));
                settle(batch);
                return true;
            } catch (DataIntegrityViolationException e) {
                failures.increment();
                reachable();
                if (batch.size() == 1) {
                    if (reject(batch.get(0).record(), e)) {
                        settle(batch);
                    }
                    return true;
                }
                // One record spoils the batch: write them one by one and set aside the one the database refuses.
                for (Queued q : batch) {
                    if (!write(List.of(q))) {
                        return false;
                    }
                }
                return true;
            } catch (RuntimeException e) {
                failures.increment();
                unreachable(e);
            }
        }
    }

    private static List<LedgerRecord> records(List<Queued> batch) {
        List<LedgerRecord> records = new ArrayList<>(batch.size());
        for (Queued q : batch) {
            records.add(q.record());
        }
        return records;
    }

    private void settle(List<Queued> batch) {
        for (Queued q : batch) {
            Segment s = q.segment();
            if (s != null) {
                journal.settle(s);
            }
        }
    }

    /** Deletes the journal segments whose records are all in the database. */
    private void cleanUp() {
        try {
            journal.deleteSettled();
            if (cleanUpFailing) {
                cleanUpFailing = false;
                log.info("Written ledger journal segments are deleted again");
            }
        } catch (IOException e) {
            if (!cleanUpFailing) {
                cleanUpFailing = true;
                log.error(
                        "Cannot delete a written ledger journal segment in {} ({}); it is replayed (and skipped) at the "
                                + "next start",
                        journal.dir(),
                        e.toString());
            }
        }
    }

    private void insert(List<LedgerRecord> batch) {
        long start = System.nanoTime();
        store.insert(batch);
        batchTimer.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        written.increment(batch.size());
        reachable();
    }

    /** Sleeps until the next try is due; false when stopping and the shutdown deadline comes first. */
    private boolean awaitNextAttempt() {
        while (true) {
            long now = System.nanoTime();
            if (stopping && now - stopDeadline >= 0) {
                return false;
            }
            long wait = nextAttemptNanos - now;
            if (!outage || wait <= 0) {
                return true;
            }
            sleep(Math.min(wait, SLICE_NANOS));
        }
    }

    private boolean readyToTry() {
        return !outage || System.nanoTime() - nextAttemptNanos >= 0;
    }

    private void unreachable(RuntimeException e) {
        long now = System.nanoTime();
        if (!outage) {
            outage = true;
            outageStartNanos = now;
            outageFailures = 0;
            backoffNanos = INITIAL_BACKOFF_NANOS;
            log.warn(
                    "The ledger database is unavailable ({}). Records are kept in the journal {} (and up to {} in memory) "
                            + "until it answers; retrying with backoff up to {} ms.",
                    describe(e),
                    journal.dir(),
                    queue.remainingCapacity() + queue.size(),
                    TimeUnit.NANOSECONDS.toMillis(maxBackoffNanos));
        } else if (log.isDebugEnabled()) {
            log.debug("Ledger write failed again: {}", describe(e));
        }
        outageFailures++;
        nextAttemptNanos = now + backoffNanos;
        backoffNanos = Math.min(backoffNanos * 2, maxBackoffNanos);
    }

    private void reachable() {
        if (outage) {
            outage = false;
            log.info(
                    "The ledger database is available again after {} ms and {} failed tries; {} records queued.",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - outageStartNanos),
                    outageFailures,
                    queue.size());
        }
        backoffNanos = INITIAL_BACKOFF_NANOS;
    }

    private static String describe(Exception e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == e ? e.toString() : e.getClass().getSimpleName() + ": " + root;
    }

    // ---- replay ----------------------------------------------------------------------------------------------------

    /** Writes every journal segment that holds records in no queue to the database, deleting each once written. */
    private void replay() {
        replayPending.set(false);
        try {
            for (Segment s : journal.pendingReplay()) {
                long[] count = {0};
                boolean done = journal.read(s, batchSize, batch -> {
                    if (!replayBatch(batch)) {
                        return false;
                    }
                    count[0] += batch.size();
                    // Keep the queue moving while a long segment is replayed.
                    List<Queued> fresh = new ArrayList<>(batchSize);
                    if (!stopping && queue.drainTo(fresh, batchSize) > 0 && !write(fresh)) {
                        return false;
                    }
                    return !stopping;
                });
                if (!done) {
                    replayPending.set(true);
                    return;
                }
                journal.replayed(s);
                log.info("Replayed {} ledger records from {}", count[0], s.path());
            }
            // Records may have overflowed into the segment taking appends while older ones were replayed (or waited for
            // the database): that segment's turn is next.
            if (journal.hasPendingReplay()) {
                replayPending.set(true);
            }
        } catch (IOException e) {
            log.error(
                    "Cannot replay the ledger journal {}: {}; trying again in {} ms",
                    journal.dir(),
                    e.toString(),
                    TimeUnit.NANOSECONDS.toMillis(maxBackoffNanos));
            nextReplayNanos = System.nanoTime() + maxBackoffNanos;
            replayPending.set(true);
        }
    }

    /** One try of a replayed batch; false (the segment is kept for later) when the database fails. */
    private boolean replayBatch(List<LedgerRecord> batch) {
        try {
            insert(batch);
            replayed.increment(batch.size());
            return true;
        } catch (DataIntegrityViolationException e) {
            failures.increment();
            for (LedgerRecord r : batch) {
                try {
                    insert(List.of(r));
                    replayed.increment();
                } catch (DataIntegrityViolationException refused) {
                    failures.increment();
                    if (!reject(r, refused)) {
                        nextReplayNanos = System.nanoTime() + maxBackoffNanos;
                        return false;
                    }
                } catch (RuntimeException down) {
                    failures.increment();
                    unreachable(down);
                    return false;
                }
            }
            return true;
        } catch (RuntimeException e) {
            failures.increment();
            unreachable(e);
            return false;
        }
    }

    /** Sets {@code r} aside in the rejected file; false when that file cannot be written (the record stays put). */
    private boolean reject(LedgerRecord r, DataIntegrityViolationException e) {
        rejected.increment();
        log.error(
                "The ledger database refused request {} ({}); it is set aside in {}",
                r.id(),
                e.getMostSpecificCause().getMessage(),
                journal.rejectedPath());
        try {
            journal.reject(r);
            return true;
        } catch (IOException io) {
            log.error(
                    "Cannot write {}: {}; request {} stays in the journal and is tried again at the next start",
                    journal.rejectedPath(),
                    io.toString(),
                    r.id());
            return false;
        }
    }

    private static void sleep(long nanos) {
        try {
            TimeUnit.NANOSECONDS.sleep(nanos);
        } catch (InterruptedException e) {
            // See collect(): the state is looked at again.
        }
    }
}
