package dev.burstgate.policies.replay;

import dev.burstgate.policies.Tier;
import dev.burstgate.policies.cost.Usage;
import dev.burstgate.policies.cost.Usd;
import dev.burstgate.policies.policy.Policy;
import dev.burstgate.policies.routing.RoutingInput;
import dev.burstgate.policies.routing.RoutingRecord;
import dev.burstgate.policies.shadow.Verdict;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Reads the gateway's ledger over JDBC ({@code jdbc:postgresql://...} or {@code jdbc:h2:...}): every request since a
 * point in time, oldest first, with the routing inputs it was recorded with. Requests recorded without them (by a
 * gateway older than the {@code routing_inputs} column, or with {@code burstgate.ledger.routing-inputs=false}) are
 * counted and left out, and so are requests whose inputs cannot be read (counted, the first few problems kept).
 *
 * <p>With each request come the local answer a policy's cascade judged ({@code ledger_attempt} rows with
 * {@code judged}: the answer's tokens, the confidence compared, escalated or kept, and why) and the shadow verdicts on
 * its answer ({@code ledger_shadow}; errors left out). A ledger older than those columns or that table reads as one
 * where no cascade judged and no shadow compared anything.
 */
public final class LedgerSource {

    /** Problems kept for the report. */
    static final int PROBLEMS_KEPT = 5;

    static final String QUERY = "SELECT id, tenant, ts, policy, decided_tier, final_tier, prompt_tokens,"
            + " completion_tokens, cost_usd, cache_hit, stream, outcome, routing_inputs FROM ledger_request"
            + " WHERE ts >= ? ORDER BY ts, id";

    /** The local answers cascades judged, of the requests since a point in time (ledger V2). */
    static final String JUDGED = "SELECT a.request_id, a.seq, a.outcome, a.prompt_tokens, a.completion_tokens,"
            + " a.error, a.confidence FROM ledger_attempt a JOIN ledger_request r ON r.id = a.request_id"
            + " WHERE r.ts >= ? AND a.judged = TRUE AND a.tier = 'local' ORDER BY a.request_id, a.seq";

    /** The shadow verdicts on the answers of the requests since a point in time (ledger V3). */
    static final String SHADOWS = "SELECT s.request_id, s.served_tier, s.shadow_tier, s.verdict FROM ledger_shadow s"
            + " JOIN ledger_request r ON r.id = s.request_id WHERE r.ts >= ? ORDER BY s.request_id, s.seq";

    private static final Pattern RELATIVE = Pattern.compile("(\\d{1,6})([dhm])");

    private LedgerSource() {}

    /**
     * The requests read, and those left out.
     *
     * @param rows requests with routing inputs, in arrival order
     * @param withoutInputs requests recorded without routing inputs
     * @param unreadable requests whose routing inputs could not be read
     * @param problems the first few reasons for {@code unreadable}
     * @param since the start of the window read
     */
    public record Traffic(
            List<RecordedRequest> rows, int withoutInputs, int unreadable, List<String> problems, Instant since) {
        public Traffic {
            rows = List.copyOf(rows);
            problems = List.copyOf(problems);
            Objects.requireNonNull(since, "since");
        }
    }

    /**
     * The start of a window ending {@code now}: {@code 7d}, {@code 24h}, {@code 90m}, or an ISO-8601 instant
     * ({@code 2026-11-30T00:00:00Z}).
     *
     * @throws IllegalArgumentException naming the value when it is neither
     */
    public static Instant since(String spec, Instant now) {
        String s = spec.strip();
        Matcher m = RELATIVE.matcher(s);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            Duration d = switch (m.group(2)) {
                case "d" -> Duration.ofDays(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofMinutes(n);
            };
            return now.minus(d);
        }
        try {
            return Instant.parse(s);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("--since: expected a duration such as 7d, 24h or 90m, or an ISO-8601 "
                    + "instant such as 2026-11-30T00:00:00Z, but was '" + spec + "'");
        }
    }

    /**
     * Reads the requests since {@code since} from the ledger at {@code url}.
     *
     * @param user the database user, or null to take it from the URL (or none)
     * @param password the password, or null to take it from the URL (or none)
     * @throws SQLException when the database cannot be reached or holds no ledger with routing inputs
     */
    public static Traffic read(String url, @Nullable String user, @Nullable String password, Instant since)
            throws SQLException {
        Properties props = new Properties();
        if (user != null) {
            props.setProperty("user", user);
        }
        if (password != null) {
            props.setProperty("password", password);
        }
        try (Connection c = DriverManager.getConnection(url, props)) {
            c.setReadOnly(true);
            return read(c, since);
        }
    }

    /** Reads the requests since {@code since} through an open connection (left open). */
    public static Traffic read(Connection c, Instant since) throws SQLException {
        Map<String, RecordedRequest.Judged> judged = judged(c, since);
        Map<String, List<RecordedRequest.Shadow>> shadows = shadows(c, since);
        List<RecordedRequest> rows = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        int without = 0;
        int unreadable = 0;
        PreparedStatement ps;
        try {
            ps = c.prepareStatement(QUERY);
        } catch (SQLException e) {
            throw new SQLException(
                    "cannot query the ledger's requests (is this a Burstgate ledger, written by a gateway that records "
                            + "routing inputs, column ledger_request.routing_inputs?): " + e.getMessage(),
                    e.getSQLState(),
                    e);
        }
        try (ps) {
            ps.setFetchSize(1000);
            ps.setObject(1, OffsetDateTime.ofInstant(since, ZoneOffset.UTC));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String json = rs.getString("routing_inputs");
                    if (json == null || json.isBlank()) {
                        without++;
                        continue;
                    }
                    String id = rs.getString("id");
                    try {
                        RoutingRecord routing = RoutingRecord.fromJson(json);
                        RoutingInput in = routing.input();
                        // The routing record leaves the streaming mode to the ledger's own column.
                        routing = new RoutingRecord(
                                new RoutingInput(
                                        in.complexity(),
                                        in.privacy(),
                                        in.budget(),
                                        in.local(),
                                        in.health(),
                                        in.overrides(),
                                        in.needs(),
                                        rs.getBoolean("stream")),
                                routing.attempts());
                        rows.add(new RecordedRequest(
                                id,
                                rs.getString("tenant"),
                                rs.getObject("ts", OffsetDateTime.class).toInstant(),
                                rs.getString("policy"),
                                tier(rs.getString("decided_tier")),
                                tier(rs.getString("final_tier")),
                                new Usage(
                                        Math.max(0, rs.getLong("prompt_tokens")),
                                        Math.max(0, rs.getLong("completion_tokens"))),
                                new Usd(Objects.requireNonNullElse(rs.getBigDecimal("cost_usd"), BigDecimal.ZERO)),
                                rs.getBoolean("cache_hit"),
                                rs.getString("outcome"),
                                routing,
                                judged.get(id),
                                shadows.getOrDefault(id, List.of())));
                    } catch (IllegalArgumentException e) {
                        unreadable++;
                        if (problems.size() < PROBLEMS_KEPT) {
                            problems.add("request " + id + ": " + e.getMessage());
                        }
                    }
                }
            }
        }
        return new Traffic(rows, without, unreadable, problems, since);
    }

    /**
     * The first local answer a cascade judged, per request (a request has at most one: the cascade starts on the local
     * tier); none when the ledger predates the {@code judged} column.
     */
    static Map<String, RecordedRequest.Judged> judged(Connection c, Instant since) throws SQLException {
        Map<String, RecordedRequest.Judged> out = new HashMap<>();
        try (PreparedStatement ps = optional(c, JUDGED, "ledger_attempt", "judged")) {
            if (ps == null) {
                return out;
            }
            ps.setFetchSize(1000);
            ps.setObject(1, OffsetDateTime.ofInstant(since, ZoneOffset.UTC));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    double value = rs.getDouble("confidence");
                    Double confidence = rs.wasNull() || !Double.isFinite(value) ? null : value;
                    boolean escalated = "escalated".equals(rs.getString("outcome"));
                    Policy.Signal signal = escalated ? signalOf(rs.getString("error")) : null;
                    out.putIfAbsent(
                            rs.getString("request_id"),
                            new RecordedRequest.Judged(
                                    new Usage(
                                            Math.max(0, rs.getLong("prompt_tokens")),
                                            Math.max(0, rs.getLong("completion_tokens"))),
                                    confidence,
                                    signal,
                                    escalated,
                                    escalated && signal == null));
                }
            }
        }
        return out;
    }

    /**
     * Which confidence figure an escalation's reason ({@code local confidence 0.41 < 0.55}, {@code local min-prob
     * ...}) names, or null for an escalation for the answer's shape ({@code local answer cut at max_tokens}, ...).
     */
    static Policy.@Nullable Signal signalOf(@Nullable String reason) {
        if (reason != null) {
            for (Policy.Signal s : Policy.Signal.values()) {
                if (reason.startsWith("local " + s.reasonName() + " ")) {
                    return s;
                }
            }
        }
        return null;
    }

    /** The shadow verdicts per request, errors left out; none when the ledger has no {@code ledger_shadow}. */
    static Map<String, List<RecordedRequest.Shadow>> shadows(Connection c, Instant since) throws SQLException {
        Map<String, List<RecordedRequest.Shadow>> out = new HashMap<>();
        try (PreparedStatement ps = optional(c, SHADOWS, "ledger_shadow", "verdict")) {
            if (ps == null) {
                return out;
            }
            ps.setFetchSize(1000);
            ps.setObject(1, OffsetDateTime.ofInstant(since, ZoneOffset.UTC));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String verdict = rs.getString("verdict");
                    Tier served = Tier.fromLabel(rs.getString("served_tier")).orElse(null);
                    Tier shadow = Tier.fromLabel(rs.getString("shadow_tier")).orElse(null);
                    boolean acceptable = Verdict.ACCEPTABLE.label().equals(verdict);
                    if (served == null
                            || shadow == null
                            || !(acceptable || Verdict.NOT_ACCEPTABLE.label().equals(verdict))) {
                        continue;
                    }
                    out.computeIfAbsent(rs.getString("request_id"), k -> new ArrayList<>())
                            .add(new RecordedRequest.Shadow(served, shadow, acceptable));
                }
            }
        }
        return out;
    }

    /**
     * The statement, or null when the ledger lacks {@code table.column} (a table or a column of a later migration). Checked
     * through the metadata first, so that a failed statement cannot spoil the connection's transaction.
     */
    private static @Nullable PreparedStatement optional(Connection c, String sql, String table, String column)
            throws SQLException {
        if (!hasColumn(c, table, column)) {
            return null;
        }
        return c.prepareStatement(sql);
    }

    private static boolean hasColumn(Connection c, String table, String column) throws SQLException {
        java.sql.DatabaseMetaData meta = c.getMetaData();
        for (String t : List.of(table, table.toUpperCase(java.util.Locale.ROOT))) {
            for (String col : List.of(column, column.toUpperCase(java.util.Locale.ROOT))) {
                try (ResultSet rs = meta.getColumns(null, null, t, col)) {
                    if (rs.next()) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private static @Nullable Tier tier(@Nullable String label) {
        if (label == null) {
            return null;
        }
        return Tier.fromLabel(label)
                .orElseThrow(() -> new IllegalArgumentException("unknown tier '" + label + "' in the ledger"));
    }
}
