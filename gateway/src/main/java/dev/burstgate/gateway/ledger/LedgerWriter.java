package dev.burstgate.gateway.ledger;

import dev.burstgate.gateway.usage.CostRecord;
import dev.burstgate.gateway.usage.CostRecordListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.web.server.context.WebServerGracefulShutdownLifecycle;
import org.springframework.context.SmartLifecycle;
import org.springframework.dao.DataIntegrityViolationException;

/**
 * Writes every {@link CostRecord} to the ledger database without making the request wait for it.
 *
 * <p>{@link #onRecord} only offers the record to a bounded queue; when the queue is full the record is appended to
 * the spill file instead (flushed to the operating system before {@code onRecord} returns). One platform thread,
 * {@value #THREAD_NAME}, takes batches off the queue (at most {@code batch-size} records, waiting at most
 * {@code flush-interval} for a batch to fill) and inserts each batch in one transaction. Inserts are idempotent, so
 * a batch written twice is stored once.
 *
 * <p>When the database fails, the batch is kept and tried again after 100 ms, doubling up to {@code max-backoff};
 * the outage is logged once when it starts and once when it ends. Meanwhile records keep queueing and spill when the
 * queue is full. Once the database answers again the spill file is moved aside and replayed (a spill file left by an
 * earlier run is replayed at start), then deleted.
 *
 * <p>Stopping ({@link SmartLifecycle}, phase {@link #PHASE}: after the web server has finished its in-flight requests
 * and stopped, and its event loops have shut down) writes what is queued within {@code shutdown-timeout}; what cannot be written goes to the spill file,
 * forced to the disk, as does any record arriving after the stop. A record the database refuses on its own (never
 * expected: strings are cut to their columns) is set aside in {@code <spill-file>.rejected} rather than blocking the
 * ledger.
 *
 * <p>Meters: {@code burstgate_ledger_queue_depth}, {@code burstgate_ledger_batch_seconds},
 * {@code burstgate_ledger_records_written_total} (records in committed batches, replayed ones included),
 * {@code burstgate_ledger_spilled_total}, {@code burstgate_ledger_replayed_total},
 * {@code burstgate_ledger_write_failures_total} (failed tries), {@code burstgate_ledger_rejected_total} and
 * {@code burstgate_ledger_lost_total} (records neither written nor spilled: the spill file could not be written).
 */
public final class LedgerWriter implements CostRecordListener, SmartLifecycle {

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

  private final LedgerStore store;
  private final SpillFile spill;
  private final ArrayBlockingQueue<LedgerRecord> queue;
  private final int batchSize;
  private final long flushIntervalNanos;
  private final long maxBackoffNanos;
  private final Duration shutdownTimeout;

  private final Timer batchTimer;
  private final Counter written;
  private final Counter spilled;
  private final Counter replayed;
  private final Counter failures;
  private final Counter rejected;
  private final Counter lost;

  private volatile boolean accepting = true;
  private volatile boolean stopping;
  private volatile boolean closed;
  private volatile long stopDeadline;
  /** The batch the writer holds, spilled by {@link #stop()} if the writer does not finish in time. */
  private volatile List<LedgerRecord> inFlight = List.of();
  private final AtomicBoolean spillPending = new AtomicBoolean();
  private final AtomicBoolean spillFailing = new AtomicBoolean();
  private @Nullable Thread thread;
  private boolean running;

  // Writer-thread state.
  private boolean outage;
  private long outageStartNanos;
  private long outageFailures;
  private long backoffNanos = INITIAL_BACKOFF_NANOS;
  private long nextAttemptNanos;
  private long nextReplayNanos = System.nanoTime();

  LedgerWriter(LedgerStore store, SpillFile spill, LedgerProperties props, MeterRegistry meters) {
    this.store = store;
    this.spill = spill;
    this.queue = new ArrayBlockingQueue<>(props.queueCapacity());
    this.batchSize = props.batchSize();
    this.flushIntervalNanos = props.flushInterval().toNanos();
    this.maxBackoffNanos = Math.max(INITIAL_BACKOFF_NANOS, props.maxBackoff().toNanos());
    this.shutdownTimeout = props.shutdownTimeout();
    Gauge.builder("burstgate.ledger.queue.depth", queue, ArrayBlockingQueue::size)
        .description("Cost records waiting for the ledger writer").register(meters);
    this.batchTimer = Timer.builder("burstgate.ledger.batch").description("Time to insert one batch of cost records")
        .register(meters);
    this.written = Counter.builder("burstgate.ledger.records.written")
        .description("Cost records in committed ledger batches, replayed ones included").register(meters);
    this.spilled = Counter.builder("burstgate.ledger.spilled")
        .description("Cost records appended to the spill file").register(meters);
    this.replayed = Counter.builder("burstgate.ledger.replayed")
        .description("Cost records written to the database from the spill file").register(meters);
    this.failures = Counter.builder("burstgate.ledger.write.failures")
        .description("Ledger writes that failed and were retried").register(meters);
    this.rejected = Counter.builder("burstgate.ledger.rejected")
        .description("Cost records the database refused, set aside in the rejected file").register(meters);
    this.lost = Counter.builder("burstgate.ledger.lost")
        .description("Cost records neither written nor spilled (the spill file failed)").register(meters);
  }

  /** Queues the record, or spills it when the queue is full or the writer has stopped; never waits on the database. */
  @Override
  public void onRecord(CostRecord record) {
    LedgerRecord r = LedgerRecord.of(record);
    if (accepting && queue.offer(r)) {
      if (closed) {
        // stop() swept the queue between our check and our offer: do it again.
        sweepQueueToSpill();
      }
      return;
    }
    spill(List.of(r), closed);
  }

  /** Records waiting in the queue. */
  public int queueDepth() {
    return queue.size();
  }

  /** The spill file. */
  public Path spillFile() {
    return spill.path();
  }

  // ---- lifecycle -------------------------------------------------------------------------------------------------

  @Override
  public synchronized void start() {
    if (running) {
      return;
    }
    accepting = true;
    stopping = false;
    closed = false;
    try {
      spillPending.set(spill.hasPending());
    } catch (IOException e) {
      log.warn("Cannot look at the ledger spill file {}: {}", spill.path(), e.toString());
      spillPending.set(true);
    }
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
    Thread t = thread;
    if (t != null) {
      try {
        if (!t.join(shutdownTimeout.plus(JOIN_GRACE))) {
          log.warn("The ledger writer did not finish within {}; spilling the batch it holds", shutdownTimeout);
          spill(inFlight, true);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        spill(inFlight, true);
      }
    }
    closed = true;
    sweepQueueToSpill();
    try {
      spill.close();
    } catch (IOException e) {
      log.error("Cannot force the ledger spill file {} to the disk: {}", spill.path(), e.toString());
    }
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
        if (spillPending.get() && readyToTry() && System.nanoTime() - nextReplayNanos >= 0) {
          replay();
          continue;
        }
        List<LedgerRecord> batch = collect();
        if (!batch.isEmpty()) {
          writeOrSpill(batch);
        }
      }
      drain();
    } catch (RuntimeException | Error e) {
      log.error("The ledger writer failed; records go to the spill file {} until restart", spill.path(), e);
      accepting = false;
      spill(inFlight, true);
      inFlight = List.of();
      sweepQueueToSpill();
    }
  }

  /** After stop: writes what is queued until the deadline, spilling what is left. */
  private void drain() {
    List<LedgerRecord> batch = new ArrayList<>(batchSize);
    while (queue.drainTo(batch, batchSize) > 0) {
      writeOrSpill(batch);
      batch = new ArrayList<>(batchSize);
    }
  }

  private void writeOrSpill(List<LedgerRecord> batch) {
    inFlight = batch;
    if (!write(batch)) {
      spill(batch, true);
    }
    inFlight = List.of();
  }

  /** Waits for a first record (briefly), then fills a batch for at most {@code flush-interval}. */
  private List<LedgerRecord> collect() {
    try {
      LedgerRecord first = queue.poll(SLICE_NANOS, TimeUnit.NANOSECONDS);
      if (first == null) {
        return List.of();
      }
      List<LedgerRecord> batch = new ArrayList<>(Math.min(batchSize, queue.size() + 1));
      batch.add(first);
      queue.drainTo(batch, batchSize - 1);
      long deadline = System.nanoTime() + flushIntervalNanos;
      // Fill the batch by sleeping in short slices and draining, not by waiting on the queue: a thread waiting on the
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
   * Writes {@code batch}, trying again with backoff while the database fails.
   *
   * @return false when stopping and the shutdown deadline passed before the batch could be written
   */
  private boolean write(List<LedgerRecord> batch) {
    while (true) {
      if (!awaitNextAttempt()) {
        return false;
      }
      try {
        insert(batch);
        return true;
      } catch (DataIntegrityViolationException e) {
        failures.increment();
        reachable();
        if (batch.size() == 1) {
          reject(batch.get(0), e);
          return true;
        }
        // One record spoils the batch: write them one by one and set aside the one the database refuses.
        for (int i = 0; i < batch.size(); i++) {
          if (!write(List.of(batch.get(i)))) {
            spill(batch.subList(i, batch.size()), true);
            return true;
          }
        }
        return true;
      } catch (RuntimeException e) {
        failures.increment();
        unreachable(e);
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
      log.warn("The ledger database is unavailable ({}). Records wait in the queue (capacity {}) and then go to {}; "
              + "retrying with backoff up to {} ms.", describe(e), queue.remainingCapacity() + queue.size(),
          spill.path(), TimeUnit.NANOSECONDS.toMillis(maxBackoffNanos));
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
      log.info("The ledger database is available again after {} ms and {} failed tries; {} records queued.",
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - outageStartNanos), outageFailures, queue.size());
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

  // ---- spill and replay ------------------------------------------------------------------------------------------

  /** Moves the spill file aside and writes every moved-aside file to the database, deleting each once written. */
  private void replay() {
    spillPending.set(false);
    try {
      // Files moved aside earlier go first; the spill file is moved aside only when none is left, so an outage
      // that lasts leaves one or two files rather than one per try.
      List<Path> files = spill.replayFiles();
      if (files.isEmpty()) {
        spill.rotate();
        files = spill.replayFiles();
      }
      for (Path file : files) {
        long[] count = {0};
        boolean done = spill.read(file, batchSize, batch -> {
          if (!replayBatch(batch)) {
            return false;
          }
          count[0] += batch.size();
          // Keep the queue moving while a long file is replayed.
          List<LedgerRecord> fresh = new ArrayList<>(batchSize);
          if (!stopping && queue.drainTo(fresh, batchSize) > 0) {
            writeOrSpill(fresh);
          }
          return !stopping;
        });
        if (!done) {
          spillPending.set(true);
          return;
        }
        Files.delete(file);
        log.info("Replayed {} ledger records from {}", count[0], file);
      }
      if (spill.hasPending()) {
        spillPending.set(true);
      }
    } catch (IOException e) {
      log.error("Cannot replay the ledger spill file {}: {}; trying again in {} ms", spill.path(), e.toString(),
          TimeUnit.NANOSECONDS.toMillis(maxBackoffNanos));
      nextReplayNanos = System.nanoTime() + maxBackoffNanos;
      spillPending.set(true);
    }
  }

  /** One try of a replayed batch; false (the file is kept for later) when the database fails. */
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
          reject(r, refused);
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

  private void reject(LedgerRecord r, DataIntegrityViolationException e) {
    rejected.increment();
    log.error("The ledger database refused request {} ({}); it is set aside in {}", r.id(),
        e.getMostSpecificCause().getMessage(), spill.rejectedPath());
    try {
      spill.reject(r);
    } catch (IOException io) {
      lost.increment();
      log.error("Cannot write {}: {}; request {} is not in the ledger", spill.rejectedPath(), io.toString(), r.id());
    }
  }

  private void sweepQueueToSpill() {
    List<LedgerRecord> left = new ArrayList<>();
    queue.drainTo(left);
    spill(left, true);
  }

  private void spill(Collection<LedgerRecord> records, boolean sync) {
    if (records.isEmpty()) {
      return;
    }
    try {
      spill.append(records, sync);
      spilled.increment(records.size());
      spillPending.set(true);
      if (spillFailing.compareAndSet(true, false)) {
        log.info("The ledger spill file {} is writable again", spill.path());
      }
    } catch (IOException e) {
      lost.increment(records.size());
      if (spillFailing.compareAndSet(false, true)) {
        log.error("Cannot write the ledger spill file {}: {}; records are lost until it is writable (first: {})",
            spill.path(), e.toString(), records.iterator().next().id());
      }
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
