package dev.burstgate.gateway.ledger;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamWriteFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The ledger's local overflow: an append-only file of JSON lines, one {@link LedgerRecord} each. Every append reaches
 * the operating system before it returns; {@link #sync} forces it to the disk.
 *
 * <p>To replay, the file is first moved aside ({@link #rotate}, to {@code <name>.replay-<time>-<n>}), so records
 * spilled meanwhile go to a new file; a moved-aside file is deleted only once all of it is in the database, and one
 * left behind by a crash is found again by {@link #replayFiles}. Lines that cannot be read back (a line cut by a
 * crash) and records the database refuses go to {@code <name>.rejected} for an operator to look at.
 */
final class SpillFile {

  /** The spill line format: JSON with exact decimals, unknown fields ignored (files outlive versions). */
  static final JsonMapper JSON = JsonMapper.builder()
      .enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .build();

  private static final String REPLAY_INFIX = ".replay-";

  private final Path path;
  private final Path rejected;
  private final AtomicLong rotations = new AtomicLong();
  private @Nullable FileChannel channel;

  SpillFile(Path path) {
    this.path = path.toAbsolutePath();
    this.rejected = this.path.resolveSibling(this.path.getFileName() + ".rejected");
  }

  Path path() {
    return path;
  }

  Path rejectedPath() {
    return rejected;
  }

  /** Appends the records, one line each, in one write; with {@code sync} also forces them to the disk. */
  synchronized void append(Collection<LedgerRecord> records, boolean sync) throws IOException {
    if (records.isEmpty()) {
      return;
    }
    ByteArrayOutputStream lines = new ByteArrayOutputStream(records.size() * 512);
    for (LedgerRecord r : records) {
      lines.writeBytes(JSON.writeValueAsBytes(r));
      lines.write('\n');
    }
    FileChannel ch = open();
    ByteBuffer buf = ByteBuffer.wrap(lines.toByteArray());
    while (buf.hasRemaining()) {
      ch.write(buf);
    }
    if (sync) {
      ch.force(false);
    }
  }

  /** Forces everything appended so far to the disk. */
  synchronized void sync() throws IOException {
    if (channel != null) {
      channel.force(false);
    }
  }

  /** Forces everything to the disk and closes the file; a later append opens it again. */
  synchronized void close() throws IOException {
    if (channel != null) {
      try {
        channel.force(false);
      } finally {
        channel.close();
        channel = null;
      }
    }
  }

  /**
   * Moves the spill file aside for replay, so later appends start a new one.
   *
   * @return the moved file, or null when there was nothing to move
   */
  synchronized @Nullable Path rotate() throws IOException {
    close();
    if (!Files.exists(path)) {
      return null;
    }
    if (Files.size(path) == 0) {
      Files.delete(path);
      return null;
    }
    Path target = path.resolveSibling(path.getFileName() + REPLAY_INFIX
        + String.format("%013d-%06d", System.currentTimeMillis(), rotations.incrementAndGet()));
    return Files.move(path, target, StandardCopyOption.ATOMIC_MOVE);
  }

  /** Files moved aside for replay and not yet fully replayed, oldest first. */
  List<Path> replayFiles() throws IOException {
    Path dir = path.getParent();
    List<Path> files = new ArrayList<>();
    if (dir == null || !Files.isDirectory(dir)) {
      return files;
    }
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, path.getFileName() + REPLAY_INFIX + "*")) {
      s.forEach(files::add);
    }
    files.sort(null);
    return files;
  }

  /** True when the spill file has records in it or a moved-aside file waits for replay. */
  boolean hasPending() throws IOException {
    return (Files.exists(path) && Files.size(path) > 0) || !replayFiles().isEmpty();
  }

  /** Receives the records of a replayed file, a batch at a time; returns false to stop reading. */
  @FunctionalInterface
  interface BatchSink {
    boolean accept(List<LedgerRecord> batch);
  }

  /**
   * Reads {@code file} in batches of at most {@code batchSize}; a line that is not a record is set aside in the
   * rejected file.
   *
   * @return true when every batch was accepted
   */
  boolean read(Path file, int batchSize, BatchSink sink) throws IOException {
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      List<LedgerRecord> batch = new ArrayList<>(batchSize);
      String line;
      while ((line = in.readLine()) != null) {
        if (line.isBlank()) {
          continue;
        }
        try {
          batch.add(JSON.readValue(line, LedgerRecord.class));
        } catch (JacksonException e) {
          reject(line);
          continue;
        }
        if (batch.size() >= batchSize) {
          if (!sink.accept(batch)) {
            return false;
          }
          batch = new ArrayList<>(batchSize);
        }
      }
      return batch.isEmpty() || sink.accept(batch);
    }
  }

  /** Sets a record the database refuses aside in the rejected file, forced to the disk. */
  void reject(LedgerRecord record) throws IOException {
    reject(JSON.writeValueAsString(record));
  }

  private synchronized void reject(String line) throws IOException {
    Files.writeString(rejected, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
        StandardOpenOption.APPEND, StandardOpenOption.WRITE, StandardOpenOption.SYNC);
  }

  private FileChannel open() throws IOException {
    FileChannel ch = channel;
    if (ch == null || !ch.isOpen()) {
      Path dir = path.getParent();
      if (dir != null) {
        Files.createDirectories(dir);
      }
      ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
      channel = ch;
    }
    return ch;
  }
}
