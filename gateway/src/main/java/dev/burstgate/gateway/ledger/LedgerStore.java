package dev.burstgate.gateway.ledger;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.springframework.jdbc.core.BatchPreparedStatementSetter;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Writes ledger records with JDBC batch inserts, a whole batch (requests and their attempts) in one transaction.
 * Inserting a record that is already there does nothing ({@code ON CONFLICT DO NOTHING}, which PostgreSQL and H2 in
 * PostgreSQL mode both understand), so a batch may be written again after a failure that happened after its commit.
 */
final class LedgerStore {

  static final String INSERT_REQUEST = """
      INSERT INTO ledger_request (id, tenant, ts, policy, complexity, decided_tier, final_tier, prompt_tokens,
        completion_tokens, cost_usd, baseline_usd, saving_usd, ttfb_ms, latency_ms, cache_hit, stream, outcome, reason)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT DO NOTHING""";

  static final String INSERT_ATTEMPT = """
      INSERT INTO ledger_attempt (request_id, seq, tier, endpoint, outcome, prompt_tokens, completion_tokens,
        usage_estimated, cost_usd, error)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT DO NOTHING""";

  private final JdbcTemplate jdbc;
  private final TransactionTemplate tx;

  LedgerStore(DataSource dataSource) {
    this.jdbc = new JdbcTemplate(dataSource);
    this.tx = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
  }

  /**
   * Inserts {@code batch} in one transaction; records already present are left as they are.
   *
   * @throws org.springframework.dao.DataAccessException when the database fails; nothing of the batch is then kept
   */
  void insert(List<LedgerRecord> batch) {
    if (batch.isEmpty()) {
      return;
    }
    List<AttemptRow> attempts = new ArrayList<>(batch.size() * 2);
    for (LedgerRecord r : batch) {
      for (int i = 0; i < r.attempts().size(); i++) {
        attempts.add(new AttemptRow(r.id(), i, r.attempts().get(i)));
      }
    }
    tx.executeWithoutResult(status -> {
      jdbc.batchUpdate(INSERT_REQUEST, new BatchPreparedStatementSetter() {
        @Override
        public void setValues(PreparedStatement ps, int i) throws SQLException {
          setRequest(ps, batch.get(i));
        }

        @Override
        public int getBatchSize() {
          return batch.size();
        }
      });
      if (!attempts.isEmpty()) {
        jdbc.batchUpdate(INSERT_ATTEMPT, new BatchPreparedStatementSetter() {
          @Override
          public void setValues(PreparedStatement ps, int i) throws SQLException {
            setAttempt(ps, attempts.get(i));
          }

          @Override
          public int getBatchSize() {
            return attempts.size();
          }
        });
      }
    });
  }

  private record AttemptRow(String requestId, int seq, LedgerRecord.Attempt attempt) {}

  private static void setRequest(PreparedStatement ps, LedgerRecord r) throws SQLException {
    ps.setString(1, r.id());
    ps.setString(2, r.tenant());
    ps.setObject(3, OffsetDateTime.ofInstant(r.time(), ZoneOffset.UTC));
    ps.setString(4, r.policy());
    ps.setDouble(5, r.complexity());
    setNullableString(ps, 6, r.decidedTier());
    setNullableString(ps, 7, r.finalTier());
    ps.setLong(8, r.promptTokens());
    ps.setLong(9, r.completionTokens());
    ps.setBigDecimal(10, r.costUsd());
    ps.setBigDecimal(11, r.baselineUsd());
    ps.setBigDecimal(12, r.savingUsd());
    if (r.ttfbMs() == null) {
      ps.setNull(13, Types.BIGINT);
    } else {
      ps.setLong(13, r.ttfbMs());
    }
    ps.setLong(14, r.latencyMs());
    ps.setBoolean(15, r.cacheHit());
    ps.setBoolean(16, r.stream());
    ps.setString(17, r.outcome());
    ps.setString(18, r.reason());
  }

  private static void setAttempt(PreparedStatement ps, AttemptRow row) throws SQLException {
    LedgerRecord.Attempt a = row.attempt();
    ps.setString(1, row.requestId());
    ps.setInt(2, row.seq());
    ps.setString(3, a.tier());
    ps.setString(4, a.endpoint());
    ps.setString(5, a.outcome());
    ps.setLong(6, a.promptTokens());
    ps.setLong(7, a.completionTokens());
    ps.setBoolean(8, a.usageEstimated());
    ps.setBigDecimal(9, a.costUsd());
    setNullableString(ps, 10, a.error());
  }

  private static void setNullableString(PreparedStatement ps, int index, @org.jspecify.annotations.Nullable String value)
      throws SQLException {
    if (value == null) {
      ps.setNull(index, Types.VARCHAR);
    } else {
      ps.setString(index, value);
    }
  }
}
