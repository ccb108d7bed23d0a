package dev.burstgate.gateway.ledger;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import java.nio.file.Path;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Everything under {@code burstgate.ledger.*}. The database itself is {@code spring.datasource.*} (an embedded H2
 * file under {@code burstgate.data-dir} when unset).
 *
 * @param enabled {@code false} turns the ledger off: nothing is written and the cost reports answer 503
 * @param queueCapacity records that may wait for the writer; beyond it they go to the spill file
 * @param batchSize the most records written in one transaction
 * @param flushInterval the longest a record waits for its batch to fill before the batch is written
 * @param maxBackoff the longest wait between two tries while the database fails (the wait starts at 100 ms and doubles)
 * @param shutdownTimeout how long stopping may spend writing what is queued; what is left goes to the spill file
 * @param spillFile the append-only overflow file (JSON lines); none means {@code <burstgate.data-dir>/ledger-spill.jsonl}
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
    @Nullable Path spillFile) {

  /** The file name of the spill file in {@code burstgate.data-dir} when {@code spill-file} is not set. */
  public static final String DEFAULT_SPILL_FILE_NAME = "ledger-spill.jsonl";

  public LedgerProperties {
    positive("flush-interval", flushInterval);
    positive("max-backoff", maxBackoff);
    positive("shutdown-timeout", shutdownTimeout);
  }

  private static void positive(String name, Duration value) {
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException("burstgate.ledger." + name + " must be positive but was " + value);
    }
  }

  /** The spill file: {@code spill-file}, or {@value #DEFAULT_SPILL_FILE_NAME} in {@code dataDir}. */
  public Path spillFile(Path dataDir) {
    return spillFile != null ? spillFile : dataDir.resolve(DEFAULT_SPILL_FILE_NAME);
  }
}
