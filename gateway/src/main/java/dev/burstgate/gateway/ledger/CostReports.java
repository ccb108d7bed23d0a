package dev.burstgate.gateway.ledger;

import dev.burstgate.policies.cost.BaselineRatio;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Reads the ledger: spend, baseline and saving over a time range, grouped by any of tenant, tier, day and policy; and
 * the most recent requests with their attempts. The SQL is the same on PostgreSQL and on H2 in PostgreSQL mode; days
 * are UTC days on both (taken from the epoch seconds, so no session time zone is involved). Blocking: call it off
 * the event loop.
 *
 * <p>The recorded baseline prices the gateway's own token counts at the legacy tier's prices. Where shadow calls to
 * legacy measured what legacy would really have charged for requests local or cloud answered, each total also has
 * a {@linkplain Totals#measured() measured baseline}: the ratio of measured to recorded baseline over those samples
 * ({@link BaselineRatio}), applied to the recorded baseline of the requests legacy did not answer.
 */
final class CostReports {

    /** What a summary can be grouped by. */
    enum GroupKey {
        TENANT("r.tenant"),
        /** The tier that answered (or was tried last); {@code none} when no tier was tried. */
        TIER("COALESCE(r.final_tier, 'none')"),
        /** The UTC day of the request, {@code yyyy-MM-dd}. */
        DAY("FLOOR(EXTRACT(EPOCH FROM r.ts) / 86400)"),
        POLICY("r.policy");

        private final String expression;

        GroupKey(String expression) {
            this.expression = expression;
        }

        /** The key's name in requests and responses. */
        String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        static @Nullable GroupKey byLabel(String label) {
            for (GroupKey k : values()) {
                if (k.label().equals(label)) {
                    return k;
                }
            }
            return null;
        }
    }

    /**
     * Sums over a set of requests. Money is exact. The cascade figures count requests whose local answer a policy's
     * cascade judged ({@code cascaded}), those it escalated, and what the escalated local attempts cost and took.
     *
     * @param legacyBaselineUsd the part of {@code baselineUsd} of requests the legacy tier answered: already what
     *     legacy charged, from its own token counts
     * @param baselineSamples the requests answered by local or cloud that a shadow call to legacy measured: pairs of
     *     their recorded baseline and what legacy charged for the same body ({@link #measured()})
     */
    record Totals(
            long requests,
            long promptTokens,
            long completionTokens,
            BigDecimal costUsd,
            BigDecimal baselineUsd,
            BigDecimal savingUsd,
            long cascaded,
            long escalated,
            BigDecimal escalatedCostUsd,
            long escalatedLatencyMs,
            BigDecimal legacyBaselineUsd,
            BaselineRatio baselineSamples) {

        static final Totals ZERO =
                new Totals(0, 0, 0, BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO, 0, 0, BigDecimal.ZERO, 0);

        /** Totals with no measured baseline. */
        Totals(
                long requests,
                long promptTokens,
                long completionTokens,
                BigDecimal costUsd,
                BigDecimal baselineUsd,
                BigDecimal savingUsd,
                long cascaded,
                long escalated,
                BigDecimal escalatedCostUsd,
                long escalatedLatencyMs) {
            this(
                    requests,
                    promptTokens,
                    completionTokens,
                    costUsd,
                    baselineUsd,
                    savingUsd,
                    cascaded,
                    escalated,
                    escalatedCostUsd,
                    escalatedLatencyMs,
                    BigDecimal.ZERO,
                    BaselineRatio.NONE);
        }

        /** Totals of requests no cascade judged. */
        Totals(
                long requests,
                long promptTokens,
                long completionTokens,
                BigDecimal costUsd,
                BigDecimal baselineUsd,
                BigDecimal savingUsd) {
            this(requests, promptTokens, completionTokens, costUsd, baselineUsd, savingUsd, 0, 0, BigDecimal.ZERO, 0);
        }

        long totalTokens() {
            return promptTokens + completionTokens;
        }

        /** The saving as a percentage of the baseline, two decimals (half up); null when the baseline is zero. */
        @Nullable
        BigDecimal savingPercent() {
            if (baselineUsd.signum() == 0) {
                return null;
            }
            return savingUsd.multiply(BigDecimal.valueOf(100)).divide(baselineUsd, 2, RoundingMode.HALF_UP);
        }

        /** Escalated requests as a fraction of the cascaded ones, four decimals; null when none was cascaded. */
        @Nullable
        BigDecimal escalationRate() {
            if (cascaded == 0) {
                return null;
            }
            return BigDecimal.valueOf(escalated).divide(BigDecimal.valueOf(cascaded), 4, RoundingMode.HALF_UP);
        }

        Totals plus(Totals o) {
            return new Totals(
                    requests + o.requests,
                    promptTokens + o.promptTokens,
                    completionTokens + o.completionTokens,
                    costUsd.add(o.costUsd),
                    baselineUsd.add(o.baselineUsd),
                    savingUsd.add(o.savingUsd),
                    cascaded + o.cascaded,
                    escalated + o.escalated,
                    escalatedCostUsd.add(o.escalatedCostUsd),
                    escalatedLatencyMs + o.escalatedLatencyMs,
                    legacyBaselineUsd.add(o.legacyBaselineUsd),
                    baselineSamples.plus(o.baselineSamples));
        }

        /** These totals with {@code samples} as their baseline samples. */
        Totals withSamples(BaselineRatio samples) {
            return new Totals(
                    requests,
                    promptTokens,
                    completionTokens,
                    costUsd,
                    baselineUsd,
                    savingUsd,
                    cascaded,
                    escalated,
                    escalatedCostUsd,
                    escalatedLatencyMs,
                    legacyBaselineUsd,
                    samples);
        }

        /**
         * The baseline and saving with the measured ratio: {@code legacyBaselineUsd + (baselineUsd −
         * legacyBaselineUsd) × R}, the interval likewise with R's bounds; null without samples.
         */
        @Nullable
        MeasuredBaseline measured() {
            BaselineRatio.Estimate e = baselineSamples.estimate();
            if (e == null) {
                return null;
            }
            BigDecimal assumed = baselineUsd.subtract(legacyBaselineUsd);
            BigDecimal baseline = scaled(assumed, e.ratio());
            BigDecimal low = e.low() == null ? null : scaled(assumed, e.low());
            BigDecimal high = e.high() == null ? null : scaled(assumed, e.high());
            return new MeasuredBaseline(
                    e.samples(),
                    e.ratio(),
                    e.low(),
                    e.high(),
                    baseline,
                    low,
                    high,
                    saving(baseline),
                    low == null ? null : saving(low),
                    high == null ? null : saving(high));
        }

        private BigDecimal scaled(BigDecimal assumed, BigDecimal ratio) {
            return legacyBaselineUsd
                    .add(assumed.multiply(ratio))
                    .setScale(LedgerRecord.MONEY_SCALE, RoundingMode.HALF_EVEN);
        }

        /** The recorded saving, moved by what the measured baseline differs from the recorded one. */
        private BigDecimal saving(BigDecimal measuredBaseline) {
            return savingUsd.add(measuredBaseline.subtract(baselineUsd));
        }
    }

    /**
     * A group's baseline measured on its shadow samples ({@link BaselineRatio}): the ratio R with its 95 % interval,
     * the baseline and saving with R, and with its bounds. Bounds are null with a single sample.
     */
    record MeasuredBaseline(
            long samples,
            BigDecimal ratio,
            @Nullable BigDecimal ratioLow,
            @Nullable BigDecimal ratioHigh,
            BigDecimal baselineUsd,
            @Nullable BigDecimal baselineLowUsd,
            @Nullable BigDecimal baselineHighUsd,
            BigDecimal savingUsd,
            @Nullable BigDecimal savingLowUsd,
            @Nullable BigDecimal savingHighUsd) {}

    /** One group: its key values in the order of {@link Summary#groupBy()}, and its sums. */
    record Group(List<String> keys, Totals totals) {}

    /** A summary over {@code [from, to)}. */
    record Summary(Instant from, Instant to, List<GroupKey> groupBy, Totals totals, List<Group> groups) {}

    private static final String REQUEST_COLUMNS = "id, tenant, ts, policy, complexity, decided_tier, final_tier, "
            + "prompt_tokens, completion_tokens, cost_usd, baseline_usd, saving_usd, ttfb_ms, latency_ms, cache_hit, stream, "
            + "outcome, reason";

    private final JdbcTemplate jdbc;
    private final LedgerSchema schema;

    /** Reports on a database whose schema is already there. */
    CostReports(DataSource dataSource) {
        this(dataSource, new LedgerSchema(null));
    }

    /** Reports that first migrate {@code schema} if nobody has yet (failing like a query when the database is down). */
    CostReports(DataSource dataSource, LedgerSchema schema) {
        this.jdbc = new JdbcTemplate(dataSource);
        this.schema = schema;
    }

    /** Requests in {@code [from, to)} summed, grouped by {@code groupBy} (none: totals only); groups ordered by key. */
    Summary summary(Instant from, Instant to, List<GroupKey> groupBy) {
        schema.ensure();
        StringBuilder sql = new StringBuilder("SELECT ");
        for (GroupKey k : groupBy) {
            sql.append(k.expression).append(", ");
        }
        // A request has at most one attempt a cascade judged (its local one), so the join keeps one row per request.
        sql.append("COUNT(*), COALESCE(SUM(r.prompt_tokens), 0), COALESCE(SUM(r.completion_tokens), 0), ")
                .append("COALESCE(SUM(r.cost_usd), 0), COALESCE(SUM(r.baseline_usd), 0), ")
                .append("COALESCE(SUM(r.saving_usd), 0), COUNT(a.request_id), ")
                .append("COALESCE(SUM(CASE WHEN a.outcome = 'escalated' THEN 1 ELSE 0 END), 0), ")
                .append("COALESCE(SUM(CASE WHEN a.outcome = 'escalated' THEN a.cost_usd END), 0), ")
                .append("COALESCE(SUM(CASE WHEN a.outcome = 'escalated' THEN a.latency_ms END), 0), ")
                .append("COALESCE(SUM(CASE WHEN r.final_tier = 'legacy' THEN r.baseline_usd END), 0) ")
                .append("FROM ledger_request r LEFT JOIN ledger_attempt a ")
                .append("ON a.request_id = r.id AND a.judged ")
                .append("WHERE r.ts >= ? AND r.ts < ?");
        if (!groupBy.isEmpty()) {
            sql.append(" GROUP BY ");
            for (int i = 0; i < groupBy.size(); i++) {
                sql.append(i == 0 ? "" : ", ").append(groupBy.get(i).expression);
            }
        }
        List<Group> groups = new ArrayList<>();
        jdbc.query(
                sql.toString(),
                rs -> {
                    List<String> keys = new ArrayList<>(groupBy.size());
                    for (int i = 0; i < groupBy.size(); i++) {
                        keys.add(key(groupBy.get(i), rs, i + 1));
                    }
                    int c = groupBy.size() + 1;
                    Totals t = new Totals(
                            rs.getLong(c),
                            rs.getLong(c + 1),
                            rs.getLong(c + 2),
                            rs.getBigDecimal(c + 3),
                            rs.getBigDecimal(c + 4),
                            rs.getBigDecimal(c + 5),
                            rs.getLong(c + 6),
                            rs.getLong(c + 7),
                            rs.getBigDecimal(c + 8),
                            rs.getLong(c + 9),
                            rs.getBigDecimal(c + 10),
                            BaselineRatio.NONE);
                    groups.add(new Group(List.copyOf(keys), t));
                },
                utc(from),
                utc(to));
        Map<List<String>, BaselineRatio> samples = baselineSamples(from, to, groupBy);
        if (!samples.isEmpty()) {
            groups.replaceAll(g -> {
                BaselineRatio s = samples.get(g.keys());
                return s == null ? g : new Group(g.keys(), g.totals().withSamples(s));
            });
        }
        Totals totals = Totals.ZERO;
        for (Group g : groups) {
            totals = totals.plus(g.totals());
        }
        if (groupBy.isEmpty()) {
            groups.clear();
        }
        // Sorted here rather than in SQL, so the order does not depend on the database's collation.
        Comparator<Group> order = (a, b) -> 0;
        for (int i = 0; i < groupBy.size(); i++) {
            int index = i;
            order = order.thenComparing(g -> g.keys().get(index));
        }
        groups.sort(order);
        return new Summary(from, to, List.copyOf(groupBy), totals, Collections.unmodifiableList(groups));
    }

    /** What legacy charged for a shadow call: the row's cost without the judge call's. */
    private static final String MEASURED = "(s.cost_usd - s.judge_cost_usd)";

    /**
     * The baseline samples of each group: requests in range answered by local or cloud whose shadow call to legacy
     * answered with its own token counts (not an estimate); assumed = the request's recorded baseline, measured = what
     * the call cost at the legacy prices. The sums are exact aggregates, so no pair leaves the database.
     */
    private Map<List<String>, BaselineRatio> baselineSamples(Instant from, Instant to, List<GroupKey> groupBy) {
        StringBuilder sql = new StringBuilder("SELECT ");
        for (GroupKey k : groupBy) {
            sql.append(k.expression).append(", ");
        }
        sql.append("COUNT(*), COALESCE(SUM(r.baseline_usd), 0), COALESCE(SUM(" + MEASURED + "), 0), ")
                .append("COALESCE(SUM(r.baseline_usd * r.baseline_usd), 0), ")
                .append("COALESCE(SUM(" + MEASURED + " * " + MEASURED + "), 0), ")
                .append("COALESCE(SUM(r.baseline_usd * " + MEASURED + "), 0) ")
                .append("FROM ledger_request r JOIN ledger_shadow s ON s.request_id = r.id ")
                .append("WHERE r.ts >= ? AND r.ts < ? AND r.final_tier IN ('local', 'cloud') ")
                .append(
                        "AND s.shadow_tier = 'legacy' AND s.verdict <> 'error' AND s.usage_estimated = FALSE AND s.seq = 0");
        if (!groupBy.isEmpty()) {
            sql.append(" GROUP BY ");
            for (int i = 0; i < groupBy.size(); i++) {
                sql.append(i == 0 ? "" : ", ").append(groupBy.get(i).expression);
            }
        }
        Map<List<String>, BaselineRatio> out = new HashMap<>();
        jdbc.query(
                sql.toString(),
                rs -> {
                    List<String> keys = new ArrayList<>(groupBy.size());
                    for (int i = 0; i < groupBy.size(); i++) {
                        keys.add(key(groupBy.get(i), rs, i + 1));
                    }
                    int c = groupBy.size() + 1;
                    long n = rs.getLong(c);
                    if (n > 0) {
                        out.put(
                                List.copyOf(keys),
                                new BaselineRatio(
                                        n,
                                        rs.getBigDecimal(c + 1),
                                        rs.getBigDecimal(c + 2),
                                        rs.getBigDecimal(c + 3),
                                        rs.getBigDecimal(c + 4),
                                        rs.getBigDecimal(c + 5)));
                    }
                },
                utc(from),
                utc(to));
        return out;
    }

    private static String key(GroupKey k, ResultSet rs, int column) throws SQLException {
        return switch (k) {
            case TENANT, TIER, POLICY -> String.valueOf(rs.getString(column));
            case DAY ->
                LocalDate.ofEpochDay(rs.getBigDecimal(column).longValueExact()).toString();
        };
    }

    /**
     * The {@code limit} most recent requests (by start time), optionally of one tenant, with their attempts in order.
     */
    List<LedgerRecord> recent(int limit, @Nullable String tenant) {
        schema.ensure();
        String sql = "SELECT " + REQUEST_COLUMNS + " FROM ledger_request" + (tenant != null ? " WHERE tenant = ?" : "")
                + " ORDER BY ts DESC, id DESC LIMIT ?";
        Object[] args = tenant != null ? new Object[] {tenant, limit} : new Object[] {limit};
        List<LedgerRecord> requests = jdbc.query(sql, (rs, n) -> request(rs), args);
        if (requests.isEmpty()) {
            return requests;
        }
        Map<String, List<LedgerRecord.Attempt>> attempts = new LinkedHashMap<>();
        StringBuilder in = new StringBuilder();
        for (LedgerRecord r : requests) {
            in.append(in.isEmpty() ? "?" : ", ?");
            attempts.put(r.id(), new ArrayList<>());
        }
        jdbc.query(
                "SELECT request_id, tier, endpoint, outcome, prompt_tokens, completion_tokens, usage_estimated, "
                        + "cost_usd, error, judged, confidence, latency_ms FROM ledger_attempt WHERE request_id IN ("
                        + in
                        + ") ORDER BY request_id, seq",
                rs -> {
                    List<LedgerRecord.Attempt> list = attempts.get(rs.getString(1));
                    if (list != null) {
                        list.add(new LedgerRecord.Attempt(
                                rs.getString(2),
                                rs.getString(3),
                                rs.getString(4),
                                rs.getLong(5),
                                rs.getLong(6),
                                rs.getBoolean(7),
                                rs.getBigDecimal(8),
                                rs.getString(9),
                                rs.getBoolean(10),
                                nullableDouble(rs, 11),
                                nullableLong(rs, 12)));
                    }
                },
                attempts.keySet().toArray());
        List<LedgerRecord> out = new ArrayList<>(requests.size());
        for (LedgerRecord r : requests) {
            out.add(
                    new LedgerRecord(
                            r.id(),
                            r.tenant(),
                            r.time(),
                            r.policy(),
                            r.complexity(),
                            r.decidedTier(),
                            r.finalTier(),
                            r.promptTokens(),
                            r.completionTokens(),
                            r.costUsd(),
                            r.baselineUsd(),
                            r.savingUsd(),
                            r.ttfbMs(),
                            r.latencyMs(),
                            r.cacheHit(),
                            r.stream(),
                            r.outcome(),
                            r.reason(),
                            Objects.requireNonNull(attempts.get(r.id()))) // every request got its list above
                    );
        }
        return out;
    }

    private static LedgerRecord request(ResultSet rs) throws SQLException {
        long ttfb = rs.getLong(13);
        Long ttfbMs = rs.wasNull() ? null : ttfb;
        return new LedgerRecord(
                rs.getString(1),
                rs.getString(2),
                rs.getObject(3, OffsetDateTime.class).toInstant(),
                rs.getString(4),
                rs.getDouble(5),
                rs.getString(6),
                rs.getString(7),
                rs.getLong(8),
                rs.getLong(9),
                rs.getBigDecimal(10),
                rs.getBigDecimal(11),
                rs.getBigDecimal(12),
                ttfbMs,
                rs.getLong(14),
                rs.getBoolean(15),
                rs.getBoolean(16),
                rs.getString(17),
                rs.getString(18),
                List.of());
    }

    private static @Nullable Double nullableDouble(ResultSet rs, int column) throws SQLException {
        double v = rs.getDouble(column);
        return rs.wasNull() ? null : v;
    }

    private static @Nullable Long nullableLong(ResultSet rs, int column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? null : v;
    }

    private static OffsetDateTime utc(Instant t) {
        return OffsetDateTime.ofInstant(t, ZoneOffset.UTC);
    }
}
