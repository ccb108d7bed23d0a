package dev.burstgate.policies.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.burstgate.policies.Tier;
import dev.burstgate.policies.capability.RequestNeeds;
import dev.burstgate.policies.classifier.Complexity;
import dev.burstgate.policies.cli.PolicyLab;
import dev.burstgate.policies.policy.Policy;
import dev.burstgate.policies.routing.RoutingInput;
import dev.burstgate.policies.routing.RoutingRecord;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The lab reads cascades and shadow verdicts from a ledger with every migration (H2 in PostgreSQL mode): the local
 * answers a cascade judged with their confidence and why they were escalated, and the verdicts on the answers (errors
 * left out); {@code compare --from-ledger} shows the escalations, the requests without a confidence and the quality
 * kept, as a table and as JSON.
 */
class LedgerCascadeSourceTest {

    private static final String CASCADE = """
            name: %s
            thresholds:
              cloud-at: 1.0
            allowed-tiers: [local, cloud]
            fallback:
              local: [cloud]
              cloud: []
            cascade:
              escalate-below: %s
              structural: true
            """;

    @TempDir
    Path policies;

    private String url;
    private Connection c;
    private Instant start;

    @BeforeEach
    void createLedger() throws Exception {
        url = "jdbc:h2:mem:ledger-" + UUID.randomUUID() + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE";
        c = DriverManager.getConnection(url);
        try (Statement st = c.createStatement()) {
            for (String migration :
                    List.of("V1__ledger.sql", "V2__cascade.sql", "V3__shadow.sql", "V4__routing_inputs.sql")) {
                for (String sql : statements(Files.readString(
                        Path.of("../gateway/src/main/resources/db/migration", migration), StandardCharsets.UTF_8))) {
                    st.execute(sql);
                }
            }
        }
        start = Instant.now().minus(10, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.MILLIS);
        Files.writeString(policies.resolve("casc.yaml"), CASCADE.formatted("casc", "0.5"));
        Files.writeString(policies.resolve("casc-high.yaml"), CASCADE.formatted("casc-high", "0.8"));
    }

    @AfterEach
    void dropLedger() throws SQLException {
        c.close();
    }

    private static List<String> statements(String script) {
        StringBuilder b = new StringBuilder();
        for (String line : script.split("\n")) {
            if (!line.strip().startsWith("--")) {
                b.append(line).append('\n');
            }
        }
        List<String> out = new ArrayList<>();
        for (String s : b.toString().split(";")) {
            if (!s.isBlank()) {
                out.add(s.strip());
            }
        }
        return out;
    }

    /**
     * Four requests under {@code casc} (escalate-below 0.5, structural): r0 escalated at confidence 0.30 (its cloud
     * answer shadowed against legacy: acceptable), r1 kept at 0.70 (local vs cloud: acceptable; a judge error against
     * legacy), r2 kept without a confidence (local vs cloud: not acceptable), r3 escalated at 0.90 for its shape. The
     * ledger: 0.20 + 0.02 + 0.02 + 0.20.
     */
    private void recordTraffic() throws SQLException {
        request(0, 0.30, "local confidence 0.30 < 0.50");
        request(1, 0.70, null);
        request(2, null, null);
        request(3, 0.90, "local answer is not valid JSON");
        shadow(0, 0, Tier.CLOUD, Tier.LEGACY, "acceptable");
        shadow(1, 0, Tier.LOCAL, Tier.CLOUD, "acceptable");
        shadow(1, 1, Tier.LOCAL, Tier.LEGACY, "error");
        shadow(2, 0, Tier.LOCAL, Tier.CLOUD, "not_acceptable");
    }

    private void request(int i, @Nullable Double confidence, @Nullable String escalation) throws SQLException {
        boolean escalated = escalation != null;
        RoutingInput in = RoutingInput.of(new Complexity(0.2, List.of())).withNeeds(RequestNeeds.ofPromptTokens(30));
        List<RoutingRecord.ServiceTime> times =
                new ArrayList<>(List.of(new RoutingRecord.ServiceTime(Tier.LOCAL, 500, true)));
        if (escalated) {
            times.add(new RoutingRecord.ServiceTime(Tier.CLOUD, 300, true));
        }
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO ledger_request (id, tenant, ts, policy, complexity,"
                        + " decided_tier, final_tier, prompt_tokens, completion_tokens, cost_usd, baseline_usd, saving_usd,"
                        + " ttfb_ms, latency_ms, cache_hit, stream, outcome, reason, routing_inputs)"
                        + " VALUES (?, 'acme', ?, 'casc', 0.2, 'local', ?, 30, ?, ?, 0, 0, NULL, 800, FALSE, FALSE, 'ok', 'x', ?)")) {
            ps.setString(1, "r" + i);
            ps.setObject(2, OffsetDateTime.ofInstant(start.plusSeconds(i), ZoneOffset.UTC));
            ps.setString(3, escalated ? "cloud" : "local");
            ps.setLong(4, escalated ? 12 : 40);
            ps.setBigDecimal(5, new BigDecimal(escalated ? "0.20" : "0.02"));
            ps.setString(6, new RoutingRecord(in, times).toJson());
            ps.executeUpdate();
        }
        attempt(i, 0, "local", escalated ? "escalated" : "ok", "0.02", escalation, true, confidence);
        if (escalated) {
            attempt(i, 1, "cloud", "ok", "0.18", null, false, null);
        }
    }

    private void attempt(
            int i,
            int seq,
            String tier,
            String outcome,
            String cost,
            @Nullable String error,
            boolean judged,
            @Nullable Double confidence)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO ledger_attempt (request_id, seq, tier, endpoint,"
                + " outcome, prompt_tokens, completion_tokens, usage_estimated, cost_usd, error, judged, confidence,"
                + " latency_ms) VALUES (?, ?, ?, 'e', ?, 30, 40, FALSE, ?, ?, ?, ?, 400)")) {
            ps.setString(1, "r" + i);
            ps.setInt(2, seq);
            ps.setString(3, tier);
            ps.setString(4, outcome);
            ps.setBigDecimal(5, new BigDecimal(cost));
            ps.setString(6, error);
            ps.setBoolean(7, judged);
            if (confidence == null) {
                ps.setNull(8, java.sql.Types.DOUBLE);
            } else {
                ps.setDouble(8, confidence);
            }
            ps.executeUpdate();
        }
    }

    private void shadow(int i, int seq, Tier served, Tier against, String verdict) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO ledger_shadow (request_id, seq, ts, policy,"
                + " served_tier, shadow_tier, complexity, confidence, verdict, judge, cost_usd, judge_cost_usd,"
                + " prompt_tokens, completion_tokens, latency_ms) VALUES (?, ?, ?, 'casc', ?, ?, 0.2, NULL, ?, 'j', 0.18,"
                + " 0, 30, 20, 300)")) {
            ps.setString(1, "r" + i);
            ps.setInt(2, seq);
            ps.setObject(3, OffsetDateTime.ofInstant(start.plusSeconds(i + 1), ZoneOffset.UTC));
            ps.setString(4, served.label());
            ps.setString(5, against.label());
            ps.setString(6, verdict);
            ps.executeUpdate();
        }
    }

    @Test
    void readsTheJudgedLocalAnswersAndTheVerdictsWithEachRequest() throws Exception {
        recordTraffic();
        Map<String, RecordedRequest> rows = LedgerSource.read(url, null, null, start.minusSeconds(60)).rows().stream()
                .collect(Collectors.toMap(RecordedRequest::id, Function.identity()));

        assertThat(rows.get("r0").judged())
                .isEqualTo(new RecordedRequest.Judged(
                        new dev.burstgate.policies.cost.Usage(30, 40), 0.30, Policy.Signal.MEAN_PROB, true, false));
        assertThat(rows.get("r1").judged().confidence()).isEqualTo(0.70);
        assertThat(rows.get("r1").judged().signal()).isNull();
        assertThat(rows.get("r1").judged().escalated()).isFalse();
        assertThat(rows.get("r2").judged().confidence()).isNull();
        assertThat(rows.get("r3").judged().structural()).isTrue();
        assertThat(rows.get("r0").shadows()).containsExactly(new RecordedRequest.Shadow(Tier.CLOUD, Tier.LEGACY, true));
        // the judge's error is no verdict
        assertThat(rows.get("r1").shadows()).containsExactly(new RecordedRequest.Shadow(Tier.LOCAL, Tier.CLOUD, true));
        assertThat(rows.get("r3").shadows()).isEmpty();
        assertThat(LedgerSource.signalOf("local min-prob 0.10 < 0.20")).isEqualTo(Policy.Signal.MIN_PROB);
        assertThat(LedgerSource.signalOf("local answer cut at max_tokens")).isNull();
    }

    @Test
    void compareShowsTheEscalationsTheUnknownConfidencesAndTheQualityKept() throws Exception {
        recordTraffic();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();

        int code = lab(out, err, "--html", policies.resolve("report.html").toString());

        assertThat(code).as(err.toString()).isZero();
        assertThat(out.toString())
                .containsPattern("decided as recorded\\s+4 \\(100\\.0%\\)")
                .containsPattern("cost vs ledger\\s+\\+0\\.00%")
                .containsPattern("escalated \\(cascade\\)\\s+2\\s+3\\n")
                .containsPattern("confidence unknown\\s+1\\s+1\\n")
                .containsPattern(
                        "quality kept \\(shadow\\)\\s+66\\.7% \\[20\\.8, 93\\.9\\]\\s+50\\.0% \\[9\\.5, 90\\.5\\]")
                .containsPattern("shadow verdicts\\s+3 of 4\\s+2 of 4")
                .contains("live: confidence unknown: 1 request(s)")
                .contains("requests without a verdict are left out");
    }

    @Test
    void compareJsonCarriesTheSameFigures() throws Exception {
        recordTraffic();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();

        int code = lab(
                out, err, "--json", "--html", policies.resolve("report.html").toString());

        assertThat(code).as(err.toString()).isZero();
        JsonNode o = JsonMapper.builder().build().readTree(out.toString());
        assertThat(o.path("source").asString()).isEqualTo("ledger");
        assertThat(o.path("requests_read").asInt()).isEqualTo(4);
        JsonNode live = o.path("policies").get(0);
        assertThat(live.path("policy").asString()).isEqualTo("live");
        assertThat(live.path("agreement").asDouble()).isEqualTo(1.0);
        assertThat(live.path("cost_usd").decimalValue()).isEqualByComparingTo("0.44");
        assertThat(live.path("ledger_cost_usd").decimalValue()).isEqualByComparingTo("0.44");
        assertThat(live.path("escalated").asInt()).isEqualTo(2);
        assertThat(live.path("confidence_unknown").asInt()).isEqualTo(1);
        JsonNode q = live.path("quality_kept");
        assertThat(q.path("verdicts").asInt()).isEqualTo(3);
        assertThat(q.path("acceptable").asInt()).isEqualTo(2);
        assertThat(q.path("served_cheaper").asInt()).isEqualTo(4);
        assertThat(q.path("estimate").asDouble()).isCloseTo(2.0 / 3, within(1e-9));
        assertThat(q.path("lower").asDouble()).isCloseTo(0.207660, within(1e-6));
        assertThat(q.path("upper").asDouble()).isCloseTo(0.938508, within(1e-6));
        JsonNode high = o.path("policies").get(1);
        assertThat(high.path("cost_usd").decimalValue()).isEqualByComparingTo("0.62");
        assertThat(high.path("escalated").asInt()).isEqualTo(3);
        assertThat(high.path("quality_kept").path("verdicts").asInt()).isEqualTo(2);
        // the rest goes to standard error, so that standard output is one JSON object
        assertThat(out.toString().strip().lines()).hasSize(1);
        assertThat(err.toString()).contains("ledger: 4 request(s)").contains("HTML report:");
    }

    private int lab(StringWriter out, StringWriter err, String... more) {
        List<String> args = new ArrayList<>(List.of(
                "compare",
                "--from-ledger",
                url,
                "--since",
                "1h",
                "--policies-dir",
                policies.toString(),
                "--policy",
                "live",
                "--policy",
                "casc-high"));
        args.addAll(List.of(more));
        return PolicyLab.run(new PrintWriter(out), new PrintWriter(err), args.toArray(String[]::new));
    }
}
