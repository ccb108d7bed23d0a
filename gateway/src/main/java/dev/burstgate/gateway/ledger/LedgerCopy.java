package dev.burstgate.gateway.ledger;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
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

    /** Writes {@code batch} and its attempts in the transaction open on {@code c}. */
    static void write(Connection c, List<LedgerRecord> batch) throws SQLException {
        CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
        byte[] requests = requestRows(batch);
        byte @Nullable [] attempts = attemptRows(batch);
        Savepoint before = c.setSavepoint();
        try {
            copyIn(copy, COPY_REQUESTS_DIRECT, requests);
            if (attempts != null) {
                copyIn(copy, COPY_ATTEMPTS_DIRECT, attempts);
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
        copyIn(copy, COPY_REQUESTS, requests);
        if (attempts != null) {
            copyIn(copy, COPY_ATTEMPTS, attempts);
        }
        try (Statement st = c.createStatement()) {
            st.executeUpdate(MOVE_REQUESTS);
            if (attempts != null) {
                st.executeUpdate(MOVE_ATTEMPTS);
            }
        }
    }

    /** Sends {@code rows} (UTF-8 CSV) through one {@code COPY ... FROM STDIN}. */
    private static void copyIn(CopyManager copy, String sql, byte[] rows) throws SQLException {
        CopyIn in = copy.copyIn(sql);
        try {
            in.writeToCopy(rows, 0, rows.length);
            in.endCopy();
        } finally {
            if (in.isActive()) {
                in.cancelCopy();
            }
        }
    }

    /** The batch's request rows as UTF-8 CSV. */
    static byte[] requestRows(List<LedgerRecord> batch) {
        StringBuilder b = new StringBuilder(batch.size() * 256);
        for (LedgerRecord r : batch) {
            quoted(b, r.id()).append(',');
            quoted(b, r.tenant()).append(',').append(r.time()).append(',');
            quoted(b, r.policy()).append(',').append(r.complexity()).append(',');
            quoted(b, r.decidedTier()).append(',');
            quoted(b, r.finalTier())
                    .append(',')
                    .append(r.promptTokens())
                    .append(',')
                    .append(r.completionTokens())
                    .append(',')
                    .append(r.costUsd().toPlainString())
                    .append(',')
                    .append(r.baselineUsd().toPlainString())
                    .append(',')
                    .append(r.savingUsd().toPlainString())
                    .append(',');
            if (r.ttfbMs() != null) {
                b.append(r.ttfbMs().longValue());
            }
            b.append(',')
                    .append(r.latencyMs())
                    .append(',')
                    .append(r.cacheHit())
                    .append(',')
                    .append(r.stream())
                    .append(',');
            quoted(b, r.outcome()).append(',');
            quoted(b, r.reason()).append(',');
            quoted(b, r.routingInputs()).append('\n');
        }
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The batch's attempt rows as UTF-8 CSV, or null when its records have no attempts. */
    static byte @Nullable [] attemptRows(List<LedgerRecord> batch) {
        StringBuilder b = new StringBuilder(batch.size() * 128);
        for (LedgerRecord r : batch) {
            for (int i = 0; i < r.attempts().size(); i++) {
                LedgerRecord.Attempt a = r.attempts().get(i);
                quoted(b, r.id()).append(',').append(i).append(',');
                quoted(b, a.tier()).append(',');
                quoted(b, a.endpoint()).append(',');
                quoted(b, a.outcome())
                        .append(',')
                        .append(a.promptTokens())
                        .append(',')
                        .append(a.completionTokens())
                        .append(',')
                        .append(a.usageEstimated())
                        .append(',')
                        .append(a.costUsd().toPlainString())
                        .append(',');
                quoted(b, a.error()).append(',').append(a.judged()).append(',');
                if (a.confidence() != null) {
                    b.append(a.confidence().doubleValue());
                }
                b.append(',');
                if (a.latencyMs() != null) {
                    b.append(a.latencyMs().longValue());
                }
                b.append('\n');
            }
        }
        return b.isEmpty() ? null : b.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** A CSV field: nothing (NULL) for null, otherwise quoted (so an empty string stays a string), quotes doubled. */
    static StringBuilder quoted(StringBuilder b, @Nullable String s) {
        if (s == null) {
            return b;
        }
        b.append('"');
        int from = 0;
        for (int q = s.indexOf('"'); q >= 0; q = s.indexOf('"', from)) {
            b.append(s, from, q + 1).append('"');
            from = q + 1;
        }
        return b.append(s, from, s.length()).append('"');
    }
}
