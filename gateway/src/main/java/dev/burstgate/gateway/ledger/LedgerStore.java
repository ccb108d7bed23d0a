package dev.burstgate.gateway.ledger;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.springframework.dao.DataAccessException;
import org.springframework.dao.RecoverableDataAccessException;
import org.springframework.jdbc.UncategorizedSQLException;
import org.springframework.jdbc.support.SQLExceptionSubclassTranslator;
import org.springframework.jdbc.support.SQLExceptionTranslator;

/**
 * Writes ledger records, a whole batch (requests and their attempts) in one transaction. Inserting a record that is
 * already there does nothing ({@code ON CONFLICT DO NOTHING}, which PostgreSQL and H2 in PostgreSQL mode both
 * understand), so a batch may be written again after a failure that happened after its commit, and a batch may hold
 * the same record twice.
 *
 * <p>On PostgreSQL the rows go in with {@code COPY} (CSV) straight into the ledger tables, and a batch that collides
 * with rows already there is merged through temporary tables instead ({@link LedgerCopy}) — several times cheaper per
 * row, for the gateway and for the database, than binding parameters. Other databases (the embedded H2) get JDBC
 * batches of multi-row {@code INSERT}s.
 */
final class LedgerStore {

    static final String REQUEST_COLUMNS = "id, tenant, ts, policy, complexity, decided_tier, final_tier, "
            + "prompt_tokens, completion_tokens, cost_usd, baseline_usd, saving_usd, ttfb_ms, latency_ms, cache_hit, stream, "
            + "outcome, reason, routing_inputs";
    private static final int REQUEST_PARAMS = 19;
    static final String ATTEMPT_COLUMNS = "request_id, seq, tier, endpoint, outcome, prompt_tokens, "
            + "completion_tokens, usage_estimated, cost_usd, error, judged, confidence, latency_ms";
    private static final int ATTEMPT_PARAMS = 13;
    /**
     * Rows per multi-row {@code INSERT}: full chunks share one statement text (prepared once per connection), the
     * remainder goes row by row; both in one JDBC batch each.
     */
    static final int ROWS_PER_STATEMENT = 50;

    static final String SHADOW_COLUMNS = "request_id, seq, ts, policy, served_tier, shadow_tier, complexity, "
            + "confidence, verdict, judge, cost_usd, judge_cost_usd, prompt_tokens, completion_tokens, latency_ms, "
            + "usage_estimated";
    private static final int SHADOW_PARAMS = 16;
    private static final String INSERT_SHADOW = insertSql("ledger_shadow", SHADOW_COLUMNS, SHADOW_PARAMS, 1);
    private static final String INSERT_SHADOWS =
            insertSql("ledger_shadow", SHADOW_COLUMNS, SHADOW_PARAMS, ROWS_PER_STATEMENT);

    private static final String INSERT_REQUEST = insertSql("ledger_request", REQUEST_COLUMNS, REQUEST_PARAMS, 1);
    private static final String INSERT_REQUESTS =
            insertSql("ledger_request", REQUEST_COLUMNS, REQUEST_PARAMS, ROWS_PER_STATEMENT);
    private static final String INSERT_ATTEMPT = insertSql("ledger_attempt", ATTEMPT_COLUMNS, ATTEMPT_PARAMS, 1);
    private static final String INSERT_ATTEMPTS =
            insertSql("ledger_attempt", ATTEMPT_COLUMNS, ATTEMPT_PARAMS, ROWS_PER_STATEMENT);

    static String insertSql(String table, String columns, int params, int rows) {
        String row = "(" + "?, ".repeat(params - 1) + "?)";
        StringBuilder sql = new StringBuilder("INSERT INTO ")
                .append(table)
                .append(" (")
                .append(columns)
                .append(") VALUES ");
        for (int i = 0; i < rows; i++) {
            sql.append(i == 0 ? "" : ", ").append(row);
        }
        return sql.append(" ON CONFLICT DO NOTHING").toString();
    }

    private final DataSource dataSource;
    private final SQLExceptionTranslator translator = new SQLExceptionSubclassTranslator();
    /** Whether the database is PostgreSQL; found out on the first connection. */
    private volatile @org.jspecify.annotations.Nullable Boolean postgres;

    LedgerStore(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * Inserts {@code batch} in one transaction; records already present are left as they are.
     *
     * @throws DataAccessException when the database fails; nothing of the batch is then kept. A
     *     {@link org.springframework.dao.DataIntegrityViolationException} means the database refused a value (and will
     *     again); anything else is worth trying again later.
     */
    void insert(List<LedgerRecord> batch) {
        if (batch.isEmpty()) {
            return;
        }
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                List<LedgerRecord> requests = new ArrayList<>(batch.size());
                List<LedgerRecord> shadows = new ArrayList<>();
                for (LedgerRecord r : batch) {
                    (r.shadow() == null ? requests : shadows).add(r);
                }
                if (requests.isEmpty()) {
                    // nothing for the request tables
                } else if (isPostgres(c)) {
                    LedgerCopy.write(c, requests);
                } else {
                    insertRows(c, INSERT_REQUESTS, INSERT_REQUEST, REQUEST_PARAMS, requests, LedgerStore::setRequest);
                    insertRows(
                            c,
                            INSERT_ATTEMPTS,
                            INSERT_ATTEMPT,
                            ATTEMPT_PARAMS,
                            attemptRows(requests),
                            LedgerStore::setAttempt);
                }
                // Shadow rows are few (a sample, under a daily budget): plain inserts on every database.
                insertRows(c, INSERT_SHADOWS, INSERT_SHADOW, SHADOW_PARAMS, shadows, LedgerStore::setShadow);
                c.commit();
            } catch (Throwable e) {
                try {
                    c.rollback();
                } catch (Throwable rollback) {
                    e.addSuppressed(rollback);
                }
                throw e;
            } finally {
                try {
                    c.setAutoCommit(true);
                } catch (Throwable ignored) {
                    // A broken connection: the pool discards it.
                }
            }
        } catch (SQLException e) {
            DataAccessException translated = translator.translate("ledger insert", null, e);
            throw translated != null ? translated : new UncategorizedSQLException("ledger insert", null, e);
        } catch (RuntimeException | Error e) {
            if (e instanceof VirtualMachineError vm) {
                throw vm;
            }
            // Drivers fail this way too when the connection dies in the middle of a call (the PostgreSQL driver throws
            // an
            // AssertionError from executeBatch): the database failed, so the batch is worth trying again.
            throw new RecoverableDataAccessException("ledger insert failed: " + e, e);
        }
    }

    private boolean isPostgres(Connection c) throws SQLException {
        Boolean pg = postgres;
        if (pg == null) {
            pg = "PostgreSQL".equals(c.getMetaData().getDatabaseProductName()) && c.isWrapperFor(PGConnection.class);
            postgres = pg;
        }
        return pg;
    }

    @FunctionalInterface
    private interface RowSetter<T> {
        void set(PreparedStatement ps, int offset, T row) throws SQLException;
    }

    private static <T> void insertRows(
            Connection c, String chunkSql, String rowSql, int params, List<T> rows, RowSetter<T> setter)
            throws SQLException {
        int chunks = rows.size() / ROWS_PER_STATEMENT;
        if (chunks > 0) {
            try (PreparedStatement ps = c.prepareStatement(chunkSql)) {
                for (int i = 0; i < chunks; i++) {
                    for (int r = 0; r < ROWS_PER_STATEMENT; r++) {
                        setter.set(ps, r * params, rows.get(i * ROWS_PER_STATEMENT + r));
                    }
                    ps.addBatch();
                }
                ps.executeBatch();
            }
        }
        int done = chunks * ROWS_PER_STATEMENT;
        if (done < rows.size()) {
            try (PreparedStatement ps = c.prepareStatement(rowSql)) {
                for (int i = done; i < rows.size(); i++) {
                    setter.set(ps, 0, rows.get(i));
                    ps.addBatch();
                }
                ps.executeBatch();
            }
        }
    }

    private record AttemptRow(String requestId, int seq, LedgerRecord.Attempt attempt) {}

    private static List<AttemptRow> attemptRows(List<LedgerRecord> batch) {
        List<AttemptRow> rows = new ArrayList<>(batch.size() * 2);
        for (LedgerRecord r : batch) {
            for (int i = 0; i < r.attempts().size(); i++) {
                rows.add(new AttemptRow(r.id(), i, r.attempts().get(i)));
            }
        }
        return rows;
    }

    private static void setRequest(PreparedStatement ps, int o, LedgerRecord r) throws SQLException {
        ps.setString(o + 1, r.id());
        ps.setString(o + 2, r.tenant());
        ps.setObject(o + 3, OffsetDateTime.ofInstant(r.time(), ZoneOffset.UTC));
        ps.setString(o + 4, r.policy());
        ps.setDouble(o + 5, r.complexity());
        setNullableString(ps, o + 6, r.decidedTier());
        setNullableString(ps, o + 7, r.finalTier());
        ps.setLong(o + 8, r.promptTokens());
        ps.setLong(o + 9, r.completionTokens());
        ps.setBigDecimal(o + 10, r.costUsd());
        ps.setBigDecimal(o + 11, r.baselineUsd());
        ps.setBigDecimal(o + 12, r.savingUsd());
        if (r.ttfbMs() == null) {
            ps.setNull(o + 13, Types.BIGINT);
        } else {
            ps.setLong(o + 13, r.ttfbMs());
        }
        ps.setLong(o + 14, r.latencyMs());
        ps.setBoolean(o + 15, r.cacheHit());
        ps.setBoolean(o + 16, r.stream());
        ps.setString(o + 17, r.outcome());
        ps.setString(o + 18, r.reason());
        setNullableString(ps, o + 19, r.routingInputs());
    }

    private static void setShadow(PreparedStatement ps, int o, LedgerRecord r) throws SQLException {
        LedgerRecord.Shadow s = java.util.Objects.requireNonNull(r.shadow(), "shadow");
        ps.setString(o + 1, r.id());
        ps.setInt(o + 2, s.seq());
        ps.setObject(o + 3, OffsetDateTime.ofInstant(r.time(), ZoneOffset.UTC));
        ps.setString(o + 4, r.policy());
        ps.setString(o + 5, s.servedTier());
        ps.setString(o + 6, s.shadowTier());
        ps.setDouble(o + 7, r.complexity());
        Double confidence = s.confidence();
        if (confidence == null) {
            ps.setNull(o + 8, Types.DOUBLE);
        } else {
            ps.setDouble(o + 8, confidence);
        }
        ps.setString(o + 9, s.verdict());
        ps.setString(o + 10, s.judge());
        ps.setBigDecimal(o + 11, r.costUsd());
        ps.setBigDecimal(o + 12, s.judgeCostUsd());
        ps.setLong(o + 13, r.promptTokens());
        ps.setLong(o + 14, r.completionTokens());
        ps.setLong(o + 15, r.latencyMs());
        Boolean estimated = s.usageEstimated();
        if (estimated == null) {
            ps.setNull(o + 16, Types.BOOLEAN);
        } else {
            ps.setBoolean(o + 16, estimated);
        }
    }

    private static void setAttempt(PreparedStatement ps, int o, AttemptRow row) throws SQLException {
        LedgerRecord.Attempt a = row.attempt();
        ps.setString(o + 1, row.requestId());
        ps.setInt(o + 2, row.seq());
        ps.setString(o + 3, a.tier());
        ps.setString(o + 4, a.endpoint());
        ps.setString(o + 5, a.outcome());
        ps.setLong(o + 6, a.promptTokens());
        ps.setLong(o + 7, a.completionTokens());
        ps.setBoolean(o + 8, a.usageEstimated());
        ps.setBigDecimal(o + 9, a.costUsd());
        setNullableString(ps, o + 10, a.error());
        ps.setBoolean(o + 11, a.judged());
        if (a.confidence() == null) {
            ps.setNull(o + 12, Types.DOUBLE);
        } else {
            ps.setDouble(o + 12, a.confidence());
        }
        if (a.latencyMs() == null) {
            ps.setNull(o + 13, Types.BIGINT);
        } else {
            ps.setLong(o + 13, a.latencyMs());
        }
    }

    private static void setNullableString(
            PreparedStatement ps, int index, @org.jspecify.annotations.Nullable String value) throws SQLException {
        if (value == null) {
            ps.setNull(index, Types.VARCHAR);
        } else {
            ps.setString(index, value);
        }
    }
}
