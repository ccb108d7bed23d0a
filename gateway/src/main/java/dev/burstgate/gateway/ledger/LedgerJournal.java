package dev.burstgate.gateway.ledger;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamWriteFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The ledger's local journal: every {@link LedgerRecord} is appended as one JSON line to the current segment file
 * ({@code <dir>/segment-<n>.jsonl}) before it goes anywhere else, so a record survives the gateway process being
 * killed from the moment {@link #append} returns.
 *
 * <p><b>Durability.</b> {@link #append} returns once its line has been handed to the operating system with one
 * {@code write()} (the page cache: it survives {@code kill -9}). One platform thread, {@value #SYNC_THREAD_NAME},
 * forces what was appended to the disk every {@code fsync-interval} (group commit: one {@code fsync} for every record
 * appended since the last one, and for the directory after a new segment was created), so a crash of the machine or
 * a power loss can lose at most the records appended within the last {@code fsync-interval} plus the duration of one
 * {@code fsync}. {@link #close} forces everything; a record appended after it is forced before {@code append} returns.
 *
 * <p><b>Segments.</b> A segment is sealed (no more appends) when the next line would take it past
 * {@code segment-size}, when its records must be replayed ({@link #pendingReplay}), or when the journal closes. A
 * sealed segment is deleted once every record appended to it has been committed to the database ({@link #settle}),
 * or once it has been replayed into the database as a whole ({@link #replayed}). A record that never reaches the
 * writer's queue ({@link #overflow}) is written from its segment by a replay. At {@link #open} every segment left by
 * an earlier run, and a spill file left by an earlier version of the ledger, is recovered for replay: records that
 * are already in the database are skipped by the idempotent insert.
 *
 * <p><b>Reading back.</b> A last line without its newline (a write cut by a crash; never a record whose
 * {@code append} returned) and lines that are not records are set aside in {@code <dir>/rejected.jsonl} for an
 * operator to look at, and reading goes on.
 *
 * <p>A journal holds a lock on {@code <dir>/journal.lock} from {@link #open} to {@link #close}: a second gateway
 * pointed at the same directory would replay and delete segments the first is still appending to, so it fails to
 * open instead.
 *
 * <p>Meters: {@code burstgate_ledger_journal_bytes} and {@code burstgate_ledger_journal_segments} (what the journal
 * holds on disk), {@code burstgate_ledger_journal_fsync_seconds} (each group commit) and
 * {@code burstgate_ledger_journal_failures_total} (appends or forces that failed).
 *
 * <p>Thread safety: {@link #append}, {@link #overflow} and the meters may be called from any thread; {@link #settle},
 * {@link #pendingReplay}, {@link #read}, {@link #replayed} and {@link #deleteSettled} from one thread at a time (the
 * writer's).
 */
final class LedgerJournal implements AutoCloseable {

    /** The line format: JSON with exact decimals, unknown fields ignored (journals outlive versions). */
    static final JsonMapper JSON = JsonMapper.builder()
            .enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    static final String SYNC_THREAD_NAME = "burstgate-ledger-journal";
    static final String SEGMENT_PREFIX = "segment-";
    static final String SEGMENT_SUFFIX = ".jsonl";
    static final String REJECTED_FILE = "rejected.jsonl";
    /** Locked while a journal is open, so two gateways (or two journals) never share one directory. */
    static final String LOCK_FILE = "journal.lock";
    /** The files an earlier version's spill file was moved aside to for replay: {@code <spill-file>.replay-*}. */
    static final String LEGACY_REPLAY_INFIX = ".replay-";

    private static final Logger log = LoggerFactory.getLogger(LedgerJournal.class);
    private static final int READ_CHUNK = 64 * 1024;

    /** One segment file. */
    static final class Segment {
        private final long id;
        private final Path path;
        /** Left by an earlier run (or an earlier version's spill file): replayed as a whole, then deleted. */
        private final boolean recovered;
        // Guarded by the journal's lock.
        private @Nullable FileChannel channel;
        private long size;
        private long appended;
        private boolean sealed;
        /** Bytes known to be on the disk: set by the sync thread, or by an append after {@link #close}. */
        private volatile long synced;
        // The writer thread's.
        private long settled;
        /** Some record of this segment is in no queue: the segment must be replayed before it is deleted. */
        private volatile boolean overflowed;

        private Segment(long id, Path path, boolean recovered, long size) {
            this.id = id;
            this.path = path;
            this.recovered = recovered;
            this.size = size;
            this.sealed = recovered;
            this.overflowed = recovered;
        }

        Path path() {
            return path;
        }

        long id() {
            return id;
        }

        @Override
        public String toString() {
            return path.getFileName().toString();
        }
    }

    /** Receives the records of a replayed segment, a batch at a time; returns false to stop reading. */
    @FunctionalInterface
    interface BatchSink {
        boolean accept(List<LedgerRecord> batch);
    }

    private final Path dir;
    private final Path rejected;
    private final long segmentSize;
    private final long intervalNanos;
    private final LongSupplier nanoTime;

    private final Object lock = new Object();
    /** Every segment not yet deleted, oldest first (recovered ones before new ones). Guarded by {@link #lock}. */
    private final List<Segment> segments = new ArrayList<>();
    /** Sealed segments whose channel is still open: the sync thread forces and closes them. Guarded by {@link #lock}. */
    private final List<Segment> unsynced = new ArrayList<>();

    private @Nullable Segment active;
    private long nextId;
    private boolean dirDirty;
    /** After {@link #close}: no sync thread, so each append forces itself. */
    private boolean closed;

    private volatile long bytes;
    private volatile int segmentCount;

    private final Object syncLock = new Object();
    private final Object rejectLock = new Object();
    private @Nullable FileChannel lockChannel;
    private volatile boolean syncing;
    private @Nullable Thread syncThread;
    private final AtomicBoolean forceFailing = new AtomicBoolean();

    private final Timer fsyncTimer;
    private final Counter failures;

    private LedgerJournal(
            Path dir, long segmentSize, Duration fsyncInterval, LongSupplier nanoTime, MeterRegistry meters) {
        this.dir = dir;
        this.rejected = dir.resolve(REJECTED_FILE);
        this.segmentSize = segmentSize;
        this.intervalNanos = fsyncInterval.toNanos();
        this.nanoTime = nanoTime;
        this.fsyncTimer = Timer.builder("burstgate.ledger.journal.fsync")
                .description(
                        "One group commit of the ledger journal: the fsync of every record appended since the last")
                .register(meters);
        this.failures = Counter.builder("burstgate.ledger.journal.failures")
                .description("Appends to or forces of the ledger journal that failed")
                .register(meters);
        Gauge.builder("burstgate.ledger.journal.bytes", this, j -> j.bytes)
                .baseUnit("bytes")
                .description("Bytes in ledger journal segments not yet deleted")
                .register(meters);
        Gauge.builder("burstgate.ledger.journal.segments", this, j -> j.segmentCount)
                .description("Ledger journal segments not yet deleted")
                .register(meters);
    }

    /**
     * Opens the journal in {@code dir} (created if missing) and recovers for replay every segment found there, and the
     * spill file an earlier version wrote ({@code legacySpillFile} and its moved-aside {@code .replay-*} files).
     * Appends are forced to the disk by {@link #syncNow}, which runs every {@code fsync-interval} once {@link #start}ed.
     *
     * @param nanoTime the clock fsyncs are timed and scheduled by ({@code System::nanoTime})
     */
    static LedgerJournal open(
            Path dir,
            @Nullable Path legacySpillFile,
            long segmentSize,
            Duration fsyncInterval,
            LongSupplier nanoTime,
            MeterRegistry meters)
            throws IOException {
        LedgerJournal j = new LedgerJournal(dir.toAbsolutePath(), segmentSize, fsyncInterval, nanoTime, meters);
        j.lock();
        try {
            j.recover(legacySpillFile);
        } catch (IOException | RuntimeException e) {
            j.unlock();
            throw e;
        }
        return j;
    }

    /** Takes the directory's lock file, or fails when another gateway (or journal) has it. */
    private void lock() throws IOException {
        Files.createDirectories(dir);
        FileChannel ch = FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        boolean locked = false;
        try {
            locked = ch.tryLock() != null;
        } catch (OverlappingFileLockException e) {
            // Held by another journal in this JVM.
        } finally {
            if (!locked) {
                ch.close();
            }
        }
        if (!locked) {
            throw new IOException("the ledger journal " + dir + " is in use by another gateway: each gateway needs a "
                    + "burstgate.data-dir (or burstgate.ledger.journal.dir) of its own");
        }
        lockChannel = ch;
    }

    private void unlock() {
        FileChannel ch = lockChannel;
        lockChannel = null;
        if (ch != null) {
            try {
                ch.close(); // releases the lock
            } catch (IOException e) {
                log.warn("Cannot release the lock of the ledger journal {}: {}", dir, e.toString());
            }
        }
    }

    private void recover(@Nullable Path legacySpillFile) throws IOException {
        long maxId = 0;
        List<Segment> found = new ArrayList<>();
        if (legacySpillFile != null) {
            Path spill = legacySpillFile.toAbsolutePath();
            Path spillDir = spill.getParent();
            if (spillDir != null && Files.isDirectory(spillDir)) {
                List<Path> legacy = new ArrayList<>();
                try (DirectoryStream<Path> s =
                        Files.newDirectoryStream(spillDir, spill.getFileName() + LEGACY_REPLAY_INFIX + "*")) {
                    s.forEach(legacy::add);
                }
                legacy.sort(null);
                if (Files.isRegularFile(spill)) {
                    legacy.add(spill);
                }
                for (Path p : legacy) {
                    found.add(new Segment(0, p, true, Files.size(p)));
                }
            }
        }
        List<Segment> own = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, SEGMENT_PREFIX + "*" + SEGMENT_SUFFIX)) {
            for (Path p : s) {
                long id = segmentId(p);
                if (id <= 0) {
                    log.warn("Ignoring {} in the ledger journal: not a segment name", p);
                    continue;
                }
                own.add(new Segment(id, p, true, Files.size(p)));
                maxId = Math.max(maxId, id);
            }
        }
        own.sort((a, b) -> Long.compare(a.id, b.id));
        found.addAll(own);
        synchronized (lock) {
            segments.addAll(found);
            nextId = maxId + 1;
            long total = 0;
            for (Segment s : found) {
                total += s.size;
            }
            bytes = total;
            segmentCount = segments.size();
        }
        if (!found.isEmpty()) {
            log.info(
                    "The ledger journal {} holds {} files ({} bytes) from an earlier run; they are replayed into the "
                            + "database as soon as it answers",
                    dir,
                    found.size(),
                    bytes);
        }
    }

    static long segmentId(Path p) {
        String name = p.getFileName().toString();
        if (!name.startsWith(SEGMENT_PREFIX) || !name.endsWith(SEGMENT_SUFFIX)) {
            return -1;
        }
        try {
            return Long.parseLong(name, SEGMENT_PREFIX.length(), name.length() - SEGMENT_SUFFIX.length(), 10);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    Path dir() {
        return dir;
    }

    Path rejectedPath() {
        return rejected;
    }

    /** Bytes in segments not yet deleted. */
    long bytes() {
        return bytes;
    }

    // ---- appending -------------------------------------------------------------------------------------------------

    /**
     * Appends {@code record} as one line; returns once the line has been handed to the operating system (and, after
     * {@link #close}, forced to the disk).
     *
     * @return the segment the record is in, for {@link #settle} and {@link #overflow}
     * @throws IOException when the line could not be written; the segment is then sealed, so the next append starts a
     *     new one after whatever part of the line reached the file
     */
    Segment append(LedgerRecord record) throws IOException {
        byte[] line = line(record);
        synchronized (lock) {
            Segment s = active;
            if (s == null || (s.size > 0 && s.size + line.length > segmentSize)) {
                s = rotate();
            }
            FileChannel ch = s.channel;
            if (ch == null) {
                throw new IOException("the ledger journal segment " + s + " is closed");
            }
            ByteBuffer buf = ByteBuffer.wrap(line);
            try {
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                s.size += line.length;
                s.appended++;
                bytes += line.length;
                if (closed) {
                    long start = nanoTime.getAsLong();
                    ch.force(false);
                    forceDirIfDirty();
                    s.synced = s.size;
                    fsyncTimer.record(nanoTime.getAsLong() - start, TimeUnit.NANOSECONDS);
                }
            } catch (IOException e) {
                failures.increment();
                seal(s);
                throw e;
            }
            return s;
        }
    }

    static byte[] line(LedgerRecord record) {
        byte[] json = JSON.writeValueAsBytes(record);
        byte[] line = Arrays.copyOf(json, json.length + 1);
        line[json.length] = '\n';
        return line;
    }

    /** Seals the active segment (if any) and opens a new one. Under {@link #lock}. */
    private Segment rotate() throws IOException {
        Segment old = active;
        if (old != null) {
            seal(old);
        }
        long id = nextId++;
        Path path = dir.resolve(String.format("%s%019d%s", SEGMENT_PREFIX, id, SEGMENT_SUFFIX));
        Files.createDirectories(dir);
        FileChannel ch = FileChannel.open(
                path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        Segment s = new Segment(id, path, false, 0);
        s.channel = ch;
        segments.add(s);
        segmentCount = segments.size();
        active = s;
        dirDirty = true;
        return s;
    }

    /** Under {@link #lock}: no more appends to {@code s}; its channel is forced and closed by the next sync. */
    private void seal(Segment s) {
        if (s.sealed) {
            return;
        }
        s.sealed = true;
        if (active == s) {
            active = null;
        }
        if (s.channel != null) {
            unsynced.add(s);
        }
    }

    // ---- group commit ----------------------------------------------------------------------------------------------

    /** Starts forcing appended records to the disk every {@code fsync-interval}, on {@value #SYNC_THREAD_NAME}. */
    void start() {
        synchronized (syncLock) {
            if (lockChannel == null) {
                try {
                    lock();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            synchronized (lock) {
                closed = false;
            }
            if (syncThread != null) {
                return;
            }
            syncing = true;
            syncThread = Thread.ofPlatform().name(SYNC_THREAD_NAME).daemon(true).start(this::syncLoop);
        }
    }

    private void syncLoop() {
        long next = nanoTime.getAsLong() + intervalNanos;
        while (syncing) {
            long wait = next - nanoTime.getAsLong();
            if (wait > 0) {
                LockSupport.parkNanos(this, wait);
                continue;
            }
            try {
                syncNow();
            } catch (RuntimeException | Error e) {
                log.error(
                        "The ledger journal's sync thread failed; records survive a crash of the gateway but not of the "
                                + "machine until it is restarted",
                        e);
                return;
            }
            next += intervalNanos;
            long now = nanoTime.getAsLong();
            if (next - now < 0) {
                next = now + intervalNanos;
            }
        }
    }

    /**
     * One group commit: forces every record appended so far to the disk (and the directory when a segment was
     * created), and closes sealed segments once forced. Does nothing when nothing was appended since the last one.
     */
    void syncNow() {
        synchronized (syncLock) {
            List<Segment> sealed;
            List<FileChannel> sealedChannels = new ArrayList<>();
            Segment current;
            long currentSize;
            @Nullable FileChannel currentChannel;
            boolean dir;
            synchronized (lock) {
                sealed = new ArrayList<>(unsynced);
                unsynced.clear();
                for (Segment s : sealed) {
                    sealedChannels.add(s.channel);
                    s.channel = null;
                }
                current = active;
                currentSize = current == null ? 0 : current.size;
                currentChannel = current == null ? null : current.channel;
                dir = dirDirty;
                dirDirty = false;
            }
            long start = nanoTime.getAsLong();
            boolean forced = false;
            boolean ok = true;
            for (int i = 0; i < sealed.size(); i++) {
                Segment s = sealed.get(i);
                FileChannel ch = sealedChannels.get(i);
                try (ch) {
                    if (s.size > s.synced) {
                        ch.force(false);
                        forced = true;
                    }
                    s.synced = s.size;
                } catch (IOException e) {
                    ok = forceFailed(s, e);
                }
            }
            if (dir) {
                try {
                    forceDir();
                    forced = true;
                } catch (IOException e) {
                    ok = forceFailed(null, e);
                }
            }
            if (current != null && currentChannel != null && currentSize > current.synced) {
                try {
                    currentChannel.force(false);
                    current.synced = currentSize;
                    forced = true;
                } catch (IOException e) {
                    ok = forceFailed(current, e);
                }
            }
            if (forced) {
                fsyncTimer.record(nanoTime.getAsLong() - start, TimeUnit.NANOSECONDS);
            }
            if (ok && forced && forceFailing.compareAndSet(true, false)) {
                log.info("The ledger journal {} is forced to the disk again", this.dir);
            }
        }
    }

    private boolean forceFailed(@Nullable Segment s, IOException e) {
        failures.increment();
        if (forceFailing.compareAndSet(false, true)) {
            log.error(
                    "Cannot force the ledger journal {} to the disk ({}): records survive a crash of the gateway, not "
                            + "of the machine, until it works again",
                    s == null ? dir : s.path,
                    e.toString());
        }
        return false;
    }

    /** Under {@link #lock} (appends after {@link #close}). */
    private void forceDirIfDirty() throws IOException {
        if (dirDirty) {
            forceDir();
            dirDirty = false;
        }
    }

    private void forceDir() throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }

    /**
     * Stops the sync thread, forces everything to the disk, closes the segments and releases the directory's lock. The
     * journal stays usable: later appends (records arriving during shutdown) are forced before they return, until
     * {@link #start} (which takes the lock again).
     */
    @Override
    public void close() {
        Thread t;
        synchronized (syncLock) {
            syncing = false;
            t = syncThread;
            syncThread = null;
        }
        if (t != null) {
            LockSupport.unpark(t);
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (lock) {
            closed = true;
            Segment a = active;
            if (a != null) {
                seal(a);
            }
        }
        syncNow();
        synchronized (syncLock) {
            unlock();
        }
    }

    // ---- the writer's side -----------------------------------------------------------------------------------------

    /** {@code s} holds a record that is in no queue: it is kept until it has been replayed. */
    void overflow(Segment s) {
        s.overflowed = true;
    }

    /** A record of {@code s} is committed to the database (or set aside as rejected). Writer thread only. */
    void settle(Segment s) {
        s.settled++;
    }

    /** Whether some segment waits for a replay. */
    boolean hasPendingReplay() {
        synchronized (lock) {
            for (Segment s : segments) {
                if (s.overflowed) {
                    return true;
                }
            }
            return false;
        }
    }

    /**
     * The sealed segments that must be replayed, oldest first. When there is none but the active segment must be, it
     * is sealed first (a new one takes the appends), so a segment is read only once nothing more is appended to it.
     */
    List<Segment> pendingReplay() throws IOException {
        synchronized (lock) {
            List<Segment> pending = new ArrayList<>();
            for (Segment s : segments) {
                if (s.sealed && s.overflowed) {
                    pending.add(s);
                }
            }
            Segment a = active;
            if (pending.isEmpty() && a != null && a.overflowed) {
                seal(a);
                pending.add(a);
            }
            return pending;
        }
    }

    /**
     * Reads {@code s} in batches of at most {@code batchSize}. A line that is not a record, and a last line cut short,
     * are set aside in the rejected file.
     *
     * @return true when every batch was accepted
     */
    boolean read(Segment s, int batchSize, BatchSink sink) throws IOException {
        List<LedgerRecord> batch = new ArrayList<>(batchSize);
        ByteArrayOutputStream partial = new ByteArrayOutputStream();
        byte[] buf = new byte[READ_CHUNK];
        try (InputStream in = Files.newInputStream(s.path)) {
            int n;
            while ((n = in.read(buf)) > 0) {
                int start = 0;
                for (int i = 0; i < n; i++) {
                    if (buf[i] != '\n') {
                        continue;
                    }
                    LedgerRecord r;
                    if (partial.size() > 0) {
                        partial.write(buf, start, i - start);
                        r = parse(s, partial.toByteArray(), 0, partial.size());
                        partial.reset();
                    } else {
                        r = parse(s, buf, start, i - start);
                    }
                    start = i + 1;
                    if (r != null) {
                        batch.add(r);
                        if (batch.size() >= batchSize) {
                            if (!sink.accept(batch)) {
                                return false;
                            }
                            batch = new ArrayList<>(batchSize);
                        }
                    }
                }
                partial.write(buf, start, n - start);
            }
        }
        if (partial.size() > 0 && !blank(partial.toByteArray(), 0, partial.size())) {
            String cut = partial.toString(StandardCharsets.UTF_8);
            log.warn(
                    "The last line of {} was cut short (a write interrupted by a crash, so its append never returned): "
                            + "{} bytes set aside in {}",
                    s.path,
                    partial.size(),
                    rejected);
            rejectLine(cut);
        }
        return batch.isEmpty() || sink.accept(batch);
    }

    private @Nullable LedgerRecord parse(Segment s, byte[] b, int off, int len) throws IOException {
        if (blank(b, off, len)) {
            return null;
        }
        try {
            return JSON.readValue(b, off, len, LedgerRecord.class);
        } catch (JacksonException e) {
            log.warn(
                    "A line of {} is not a ledger record ({}); it is set aside in {}",
                    s.path,
                    e.getOriginalMessage(),
                    rejected);
            rejectLine(new String(b, off, len, StandardCharsets.UTF_8));
            return null;
        }
    }

    /** Whitespace or NUL bytes only (a file system may leave zeros after a crash). */
    private static boolean blank(byte[] b, int off, int len) {
        for (int i = off; i < off + len; i++) {
            byte c = b[i];
            if (c != 0 && c != ' ' && c != '\t' && c != '\r' && c != '\n') {
                return false;
            }
        }
        return true;
    }

    /** {@code s} has been replayed into the database as a whole: it is deleted. */
    void replayed(Segment s) throws IOException {
        synchronized (lock) {
            forget(s);
        }
        Files.deleteIfExists(s.path);
    }

    /**
     * Deletes the sealed segments whose every record has been settled.
     *
     * @return how many were deleted
     */
    int deleteSettled() throws IOException {
        List<Segment> done = new ArrayList<>();
        synchronized (lock) {
            for (Segment s : segments) {
                if (s.sealed && !s.overflowed && s.settled >= s.appended) {
                    done.add(s);
                }
            }
            for (Segment s : done) {
                forget(s);
            }
        }
        for (Segment s : done) {
            Files.deleteIfExists(s.path);
        }
        return done.size();
    }

    /**
     * Seals the active segment when every record appended to it has been settled, so that {@link #deleteSettled}
     * leaves nothing to replay at the next start. Writer thread only (or once it has stopped).
     */
    void sealIfSettled() {
        synchronized (lock) {
            Segment a = active;
            if (a != null && !a.overflowed && a.settled >= a.appended) {
                seal(a);
            }
        }
    }

    /** Under {@link #lock}. */
    private void forget(Segment s) {
        s.sealed = true;
        if (active == s) {
            active = null;
        }
        if (segments.remove(s)) {
            bytes -= s.size;
            segmentCount = segments.size();
        }
    }

    /** Sets a record the database refuses aside in the rejected file, forced to the disk. */
    void reject(LedgerRecord record) throws IOException {
        rejectLine(JSON.writeValueAsString(record));
    }

    private void rejectLine(String line) throws IOException {
        synchronized (rejectLock) {
            Files.writeString(
                    rejected,
                    line + "\n",
                    StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND,
                    StandardOpenOption.WRITE,
                    StandardOpenOption.SYNC);
        }
    }

    /** The segment files not yet deleted, oldest first (for tests and logs). */
    List<Path> files() {
        synchronized (lock) {
            return segments.stream().map(Segment::path).toList();
        }
    }
}
