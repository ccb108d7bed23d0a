package dev.burstgate.gateway.ledger;

import dev.burstgate.gateway.usage.ShadowRecord;
import dev.burstgate.policies.Tier;
import dev.burstgate.policies.cost.Usage;
import dev.burstgate.policies.cost.Usd;
import dev.burstgate.policies.shadow.Verdict;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.springframework.dao.DataAccessResourceFailureException;

/**
 * Reads the shadow comparisons back from {@code ledger_shadow}, oldest first: what rebuilds the per-policy shadow
 * statistics and today's shadow spend at start-up. Migrates the schema first ({@link LedgerSchema}).
 */
public final class ShadowHistory {

    private static final String SELECT =
            "SELECT " + LedgerStore.SHADOW_COLUMNS + " FROM ledger_shadow WHERE ts >= ? ORDER BY ts, request_id, seq";

    private final DataSource dataSource;
    private final LedgerSchema schema;

    ShadowHistory(DataSource dataSource, LedgerSchema schema) {
        this.dataSource = dataSource;
        this.schema = schema;
    }

    /**
     * Hands every comparison recorded at or after {@code from} to {@code sink}, oldest first.
     *
     * @return how many were read
     * @throws org.springframework.dao.DataAccessException when the database cannot be read
     */
    public long read(Instant from, Consumer<ShadowRecord> sink) {
        schema.ensure();
        long n = 0;
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(SELECT)) {
            ps.setObject(1, OffsetDateTime.ofInstant(from, ZoneOffset.UTC));
            ps.setFetchSize(1_000);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    sink.accept(row(rs));
                    n++;
                }
            }
        } catch (SQLException e) {
            throw new DataAccessResourceFailureException("cannot read ledger_shadow: " + e.getMessage(), e);
        }
        return n;
    }

    private static ShadowRecord row(ResultSet rs) throws SQLException {
        double confidence = rs.getDouble(8);
        Double conf = rs.wasNull() ? null : confidence;
        return new ShadowRecord(
                rs.getString(1),
                rs.getInt(2),
                rs.getObject(3, OffsetDateTime.class).toInstant(),
                rs.getString(4),
                tier(rs.getString(5)),
                tier(rs.getString(6)),
                rs.getDouble(7),
                conf,
                Verdict.valueOf(rs.getString(9).toUpperCase(Locale.ROOT)),
                rs.getString(10),
                new Usd(rs.getBigDecimal(11)),
                new Usd(rs.getBigDecimal(12)),
                new Usage(Math.max(0, rs.getLong(13)), Math.max(0, rs.getLong(14))),
                usageEstimated(rs, 16),
                Duration.ofMillis(Math.max(0, rs.getLong(15))));
    }

    /** Rows written before the column existed (NULL) are not known to carry reported tokens: estimated. */
    private static boolean usageEstimated(ResultSet rs, int column) throws SQLException {
        boolean estimated = rs.getBoolean(column);
        return rs.wasNull() || estimated;
    }

    private static Tier tier(String label) {
        return Tier.fromLabel(label).orElse(Tier.LEGACY);
    }

    /** For tests: every row. */
    List<ShadowRecord> all() {
        List<ShadowRecord> out = new ArrayList<>();
        read(Instant.EPOCH, out::add);
        return out;
    }
}
