package dev.burstgate.gateway.ledger;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import java.nio.file.Path;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * Everything under {@code burstgate.ledger.*}. The database itself is {@code spring.datasource.*} (an embedded H2
 * file under {@code burstgate.data-dir} when unset).
 *
 * @param enabled {@code false} turns the ledger off: nothing is written and the cost reports answer 503
 * @param queueCapacity records that may wait for the writer; beyond it they wait in the journal only, and are
 *     written from it later
 * @param batchSize the most records written in one transaction
 * @param flushInterval the longest a record waits for its batch to fill before the batch is written
 * @param maxBackoff the longest wait between two tries while the database fails (the wait starts at 100 ms and doubles)
 * @param shutdownTimeout how long stopping may spend writing what is queued; what is left stays in the journal and is
 *     written at the next start
 * @param spillFile the overflow file of earlier versions, replayed at start when one is there; none means
 *     {@code <burstgate.data-dir>/ledger-spill.jsonl}
 * @param journal the local journal every record is appended to before anything else
 * @param routingInputs whether each request's row keeps what the router saw (score, kinds of personal data, needs,
 *     overrides, local queue, budget state, tier health; never prompt text) and the attempts' service times, for
 *     {@code policy-lab --from-ledger}
 */
@Validated
@ConfigurationProperties("burstgate.ledger")
public record LedgerProperties(
        @DefaultValue("true") boolean enabled,
        @DefaultValue("20000") @Min(1) @Max(10_000_000) int queueCapacity,
        @DefaultValue("500") @Min(1) @Max(10_000) int batchSize,
        @DefaultValue("100ms") Duration flushInterval,
        @DefaultValue("5s") Duration maxBackoff,
        @DefaultValue("30s") Duration shutdownTimeout,
        @Nullable Path spillFile,
        @DefaultValue @Valid Journal journal,
        @DefaultValue("true") boolean routingInputs) {

    /** The file name of the (earlier versions') spill file in {@code burstgate.data-dir} when {@code spill-file} is not set. */
    public static final String DEFAULT_SPILL_FILE_NAME = "ledger-spill.jsonl";
    /** The journal's directory in {@code burstgate.data-dir} when {@code journal.dir} is not set. */
    public static final String DEFAULT_JOURNAL_DIR_NAME = "ledger-journal";

    public LedgerProperties {
        positive("flush-interval", flushInterval);
        positive("max-backoff", maxBackoff);
        positive("shutdown-timeout", shutdownTimeout);
    }

    /**
     * {@code burstgate.ledger.journal.*}.
     *
     * @param dir where the segment files are; none means {@code <burstgate.data-dir>/ledger-journal}
     * @param fsyncInterval how often what was appended is forced to the disk (one fsync for all of it); a crash of the
     *     machine (not of the gateway) loses at most the records of the last interval and one fsync
     * @param segmentSize the size at which a segment file is closed and a new one started; a closed segment is deleted
     *     once all its records are in the database
     */
    public record Journal(
            @Nullable Path dir,
            @DefaultValue("20ms") Duration fsyncInterval,
            @DefaultValue("8MB") DataSize segmentSize) {

        /** The smallest {@code segment-size}: one segment must hold many records. */
        public static final DataSize MIN_SEGMENT_SIZE = DataSize.ofKilobytes(64);

        public Journal {
            positive("journal.fsync-interval", fsyncInterval);
            if (segmentSize.compareTo(MIN_SEGMENT_SIZE) < 0) {
                throw new IllegalArgumentException("burstgate.ledger.journal.segment-size must be at least "
                        + MIN_SEGMENT_SIZE.toKilobytes() + "KB but was " + segmentSize);
            }
        }

        /** The defaults, in {@code dir} when given. */
        public static Journal ofDefaults(@Nullable Path dir) {
            return new Journal(dir, Duration.ofMillis(20), DataSize.ofMegabytes(8));
        }

        /** The journal's directory: {@code dir}, or {@value LedgerProperties#DEFAULT_JOURNAL_DIR_NAME} in {@code dataDir}. */
        public Path dir(Path dataDir) {
            return dir != null ? dir : dataDir.resolve(DEFAULT_JOURNAL_DIR_NAME);
        }
    }

    private static void positive(String name, Duration value) {
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException("burstgate.ledger." + name + " must be positive but was " + value);
        }
    }

    /** The earlier versions' spill file: {@code spill-file}, or {@value #DEFAULT_SPILL_FILE_NAME} in {@code dataDir}. */
    public Path spillFile(Path dataDir) {
        return spillFile != null ? spillFile : dataDir.resolve(DEFAULT_SPILL_FILE_NAME);
    }
}
