package dev.burstgate.policies.replay;

import dev.burstgate.policies.Tier;
import dev.burstgate.policies.cost.Usage;
import dev.burstgate.policies.cost.Usd;
import dev.burstgate.policies.routing.RoutingRecord;
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
import java.util.List;
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
 */
public final class LedgerSource {

    /** Problems kept for the report. */
    static final int PROBLEMS_KEPT = 5;

    static final String QUERY = "SELECT id, tenant, ts, policy, decided_tier, final_tier, prompt_tokens,"
            + " completion_tokens, cost_usd, cache_hit, outcome, routing_inputs FROM ledger_request"
            + " WHERE ts >= ? ORDER BY ts, id";

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
                                RoutingRecord.fromJson(json)));
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

    private static @Nullable Tier tier(@Nullable String label) {
        if (label == null) {
            return null;
        }
        return Tier.fromLabel(label)
                .orElseThrow(() -> new IllegalArgumentException("unknown tier '" + label + "' in the ledger"));
    }
}
