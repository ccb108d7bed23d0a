package dev.burstgate.gateway.ledger;

import java.io.StringReader;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * PostgreSQL's fast path for {@link LedgerStore}: the batch as CSV through {@code COPY} straight into the ledger
 * tables, in the caller's transaction, behind a savepoint. {@code COPY} cannot skip rows that are already there; when
 * the batch collides with one (a batch written again after a commit whose answer was lost, or a record twice in one
 * batch), the transaction goes back to the savepoint and the batch is merged through temporary tables with one
 * {@code INSERT ... SELECT ... ON CONFLICT DO NOTHING} per table instead.
 */
final class LedgerCopy {

  private static final String REQUEST_COLUMNS = LedgerStore.REQUEST_COLUMNS;
  private static final String ATTEMPT_COLUMNS = LedgerStore.ATTEMPT_COLUMNS;

  private static final String PREPARE =
      "CREATE TEMP TABLE IF NOT EXISTS ledger_request_in (LIKE ledger_request) ON COMMIT DELETE ROWS;"
      + " CREATE TEMP TABLE IF NOT EXISTS ledger_attempt_in (LIKE ledger_attempt) ON COMMIT DELETE ROWS";
  private static final String COPY_REQUESTS =
      "COPY ledger_request_in (" + REQUEST_COLUMNS + ") FROM STDIN (FORMAT csv)";
  private static final String COPY_ATTEMPTS =
      "COPY ledger_attempt_in (" + ATTEMPT_COLUMNS + ") FROM STDIN (FORMAT csv)";
  private static final String MOVE_REQUESTS = "INSERT INTO ledger_request (" + REQUEST_COLUMNS + ") SELECT "
      + REQUEST_COLUMNS + " FROM ledger_request_in ON CONFLICT DO NOTHING";
  private static final String MOVE_ATTEMPTS = "INSERT INTO ledger_attempt (" + ATTEMPT_COLUMNS + ") SELECT "
      + ATTEMPT_COLUMNS + " FROM ledger_attempt_in ON CONFLICT DO NOTHING";

  private static final String COPY_REQUESTS_DIRECT =
      "COPY ledger_request (" + REQUEST_COLUMNS + ") FROM STDIN (FORMAT csv)";
  private static final String COPY_ATTEMPTS_DIRECT =
      "COPY ledger_attempt (" + ATTEMPT_COLUMNS + ") FROM STDIN (FORMAT csv)";
  /** PostgreSQL's unique_violation. */
  private static final String UNIQUE_VIOLATION = "23505";

  private LedgerCopy() {}

  /** Writes {@code batch} (with its {@code attemptCount} attempts) in the transaction open on {@code c}. */
  static void write(Connection c, List<LedgerRecord> batch, int attemptCount) throws SQLException {
    CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
    String[] csv = csv(batch, attemptCount);
    Savepoint before = c.setSavepoint();
    try {
      copyIn(copy, COPY_REQUESTS_DIRECT, csv[0]);
      if (attemptCount > 0) {
        copyIn(copy, COPY_ATTEMPTS_DIRECT, csv[1]);
      }
      c.releaseSavepoint(before);
      return;
    } catch (SQLException e) {
      if (!UNIQUE_VIOLATION.equals(e.getSQLState())) {
        throw e;
      }
      c.rollback(before);
    }
    try (Statement st = c.createStatement()) {
      st.execute(PREPARE);
    }
    copyIn(copy, COPY_REQUESTS, csv[0]);
    if (attemptCount > 0) {
      copyIn(copy, COPY_ATTEMPTS, csv[1]);
    }
    try (Statement st = c.createStatement()) {
      st.executeUpdate(MOVE_REQUESTS);
      if (attemptCount > 0) {
        st.executeUpdate(MOVE_ATTEMPTS);
      }
    }
  }

  private static void copyIn(CopyManager copy, String sql, String csv) throws SQLException {
    try {
      copy.copyIn(sql, new StringReader(csv));
    } catch (java.io.IOException e) {
      throw new SQLException("COPY into the ledger failed: " + e.getMessage(), "08006", e);
    }
  }

  /** The batch's request rows and attempt rows as CSV. */
  private static String[] csv(List<LedgerRecord> batch, int attemptCount) {
    StringBuilder requests = new StringBuilder(batch.size() * 256);
    StringBuilder attempts = new StringBuilder(Math.max(16, attemptCount * 96));
    for (LedgerRecord r : batch) {
      requests.append(csv(r.id())).append(',').append(csv(r.tenant())).append(',').append(r.time()).append(',')
          .append(csv(r.policy())).append(',').append(r.complexity()).append(',').append(csv(r.decidedTier()))
          .append(',').append(csv(r.finalTier())).append(',').append(r.promptTokens()).append(',')
          .append(r.completionTokens()).append(',').append(money(r.costUsd())).append(',')
          .append(money(r.baselineUsd())).append(',').append(money(r.savingUsd())).append(',')
          .append(r.ttfbMs() == null ? "" : r.ttfbMs().toString()).append(',').append(r.latencyMs()).append(',')
          .append(r.cacheHit()).append(',').append(r.stream()).append(',').append(csv(r.outcome())).append(',')
          .append(csv(r.reason())).append('\n');
      for (int i = 0; i < r.attempts().size(); i++) {
        LedgerRecord.Attempt a = r.attempts().get(i);
        attempts.append(csv(r.id())).append(',').append(i).append(',').append(csv(a.tier())).append(',')
            .append(csv(a.endpoint())).append(',').append(csv(a.outcome())).append(',').append(a.promptTokens())
            .append(',').append(a.completionTokens()).append(',').append(a.usageEstimated()).append(',')
            .append(money(a.costUsd())).append(',').append(csv(a.error())).append('\n');
      }
    }
    return new String[] {requests.toString(), attempts.toString()};
  }

  private static String money(BigDecimal amount) {
    return amount.toPlainString();
  }

  /** A CSV field: empty (NULL) for null, otherwise quoted (so an empty string stays a string), quotes doubled. */
  static String csv(@Nullable String s) {
    if (s == null) {
      return "";
    }
    if (s.indexOf('"') < 0) {
      return '"' + s + '"';
    }
    return '"' + s.replace("\"", "\"\"") + '"';
  }
}
