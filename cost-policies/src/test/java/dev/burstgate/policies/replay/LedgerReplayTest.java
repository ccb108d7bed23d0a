package dev.burstgate.policies.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.burstgate.policies.Tier;
import dev.burstgate.policies.budget.BudgetState;
import dev.burstgate.policies.capability.Capability;
import dev.burstgate.policies.capability.RequestNeeds;
import dev.burstgate.policies.capability.TierCapabilities;
import dev.burstgate.policies.classifier.Complexity;
import dev.burstgate.policies.cli.PolicyLab;
import dev.burstgate.policies.cost.PriceTable;
import dev.burstgate.policies.cost.Usage;
import dev.burstgate.policies.cost.Usd;
import dev.burstgate.policies.policy.Policy;
import dev.burstgate.policies.policy.PolicyRegistry;
import dev.burstgate.policies.privacy.PiiKind;
import dev.burstgate.policies.privacy.PrivacySignal;
import dev.burstgate.policies.routing.LocalEngineState;
import dev.burstgate.policies.routing.RequestOverrides;
import dev.burstgate.policies.routing.Router;
import dev.burstgate.policies.routing.RoutingDecision;
import dev.burstgate.policies.routing.RoutingInput;
import dev.burstgate.policies.routing.RoutingRecord;
import dev.burstgate.policies.routing.TierHealth;
import dev.burstgate.policies.simulation.SimulationConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.InstantSource;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The lab replays a ledger: an H2 database (PostgreSQL mode, the gateway's own migrations) filled with requests routed
 * by the {@link Router} under each tenant's policy, their routing inputs written with {@link RoutingRecord} as the
 * gateway writes them — scores of every size, personal data, forced tiers, images the local tier cannot take, a
 * congested local engine, a tenant whose budget runs low, cache hits — plus rows without inputs and one unreadable.
 */
class LedgerReplayTest {

    private static final PolicyRegistry PRESETS = PolicyRegistry.presets(InstantSource.system());
    private static final PriceTable PRICES = PriceTable.defaults();
    /** What policy-lab assumes by default (--local-capabilities tools,json-schema), as the gateway's default. */
    private static final TierCapabilities CAPABILITIES = TierCapabilities.defaults(null);

    private static final Router ROUTER = new Router(PRICES, CAPABILITIES);
    private static final Usd THRIFT_LIMIT = Usd.of("1.00");
    private static final int REQUESTS = 240;

    private String url;
    private Connection keepAlive;
    private Instant start;

    @BeforeEach
    void createLedger() throws Exception {
        url = "jdbc:h2:mem:ledger-" + UUID.randomUUID() + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE";
        keepAlive = DriverManager.getConnection(url);
        try (Statement st = keepAlive.createStatement()) {
            for (String migration : List.of("V1__ledger.sql", "V4__routing_inputs.sql")) {
                for (String sql : statements(Files.readString(
                        Path.of("../gateway/src/main/resources/db/migration", migration), StandardCharsets.UTF_8))) {
                    st.execute(sql);
                }
            }
        }
        // Arrivals in the last hour: a window of 2h reads them all, whatever the date.
        start = Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.MILLIS);
    }

    @AfterEach
    void dropLedger() throws SQLException {
        keepAlive.close();
    }

    /** The statements of a migration script: comment lines dropped, split at semicolons. */
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

    /** The live run: each request routed by its tenant's policy on inputs as the gateway would have seen them. */
    private Usd recordLiveTraffic() throws SQLException {
        SplittableRandom rng = new SplittableRandom(17);
        Usd thriftSpent = Usd.ZERO;
        Usd total = Usd.ZERO;
        try (PreparedStatement ps = keepAlive.prepareStatement("INSERT INTO ledger_request (id, tenant, ts, policy,"
                + " complexity, decided_tier, final_tier, prompt_tokens, completion_tokens, cost_usd, baseline_usd,"
                + " saving_usd, ttfb_ms, latency_ms, cache_hit, stream, outcome, reason, routing_inputs)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, NULL, ?, ?, FALSE, ?, 'test', ?)")) {
            for (int i = 0; i < REQUESTS; i++) {
                boolean thrift = i % 4 == 3;
                String tenant = thrift ? "thrift" : "acme";
                Policy policy = PRESETS.get(thrift ? "cost-saver" : "balanced");
                long prompt = 10 + rng.nextInt(400);
                long completion = 20 + rng.nextInt(380);
                Map<Capability, String> needs = new HashMap<>();
                if (i % 9 == 4) {
                    needs.put(Capability.VISION, "messages[0].content[1]");
                }
                if (i % 11 == 5) {
                    needs.put(Capability.TOOLS, "tools");
                }
                // A congested local engine for a while (the other tenant's requests then wait their turn elsewhere,
                // so every time the local tier measured is its service time alone).
                boolean congested = i >= 100 && i < 130 && !thrift;
                boolean pii = i % 10 == 7 && !congested;
                RoutingInput in = new RoutingInput(
                        new Complexity(rng.nextDouble(), List.of()),
                        pii ? new PrivacySignal(Map.of(PiiKind.EMAIL, 1), false) : PrivacySignal.NONE,
                        thrift ? BudgetState.monthly(THRIFT_LIMIT, thriftSpent) : BudgetState.UNLIMITED,
                        congested ? new LocalEngineState(1200 + 10L * i, 5, true) : LocalEngineState.IDLE,
                        i % 37 == 0 ? TierHealth.allBut(Tier.LEGACY) : TierHealth.ALL_UP,
                        i % 13 == 6 ? new RequestOverrides(Tier.CLOUD, null) : RequestOverrides.NONE,
                        new RequestNeeds(needs, prompt));
                RoutingDecision d = ROUTER.route(policy, in);
                Tier tier = d instanceof RoutingDecision.Route r ? r.tier() : null;
                boolean cacheHit = tier != null && i % 17 == 9;
                Usage usage = tier == null ? Usage.NONE : new Usage(prompt, completion);
                Usd cost = tier == null || cacheHit ? Usd.ZERO : PRICES.cost(tier, usage);
                List<RoutingRecord.ServiceTime> attempts = tier == null || cacheHit
                        ? List.of()
                        : List.of(new RoutingRecord.ServiceTime(tier, serviceMs(tier, completion), true));
                if (thrift) {
                    thriftSpent = thriftSpent.plus(cost);
                }
                total = total.plus(cost);
                ps.setString(1, "req-" + i);
                ps.setString(2, tenant);
                ps.setObject(3, OffsetDateTime.ofInstant(start.plusMillis(1500L * i), ZoneOffset.UTC));
                ps.setString(4, policy.name());
                ps.setDouble(5, in.complexity().score());
                ps.setString(6, tier == null ? null : tier.label());
                ps.setString(7, tier == null ? null : tier.label());
                ps.setLong(8, usage.promptTokens());
                ps.setLong(9, usage.completionTokens());
                ps.setBigDecimal(10, cost.amount());
                ps.setLong(11, tier == null ? 0 : serviceMs(tier, completion));
                ps.setBoolean(12, cacheHit);
                ps.setString(13, tier == null ? "rejected" : "ok");
                ps.setString(14, new RoutingRecord(in, attempts).toJson());
                ps.addBatch();
            }
            // Recorded without routing inputs (an older gateway, or routing-inputs off), and one unreadable.
            for (int i = 0; i < 3; i++) {
                row(ps, "old-" + i, start.plusMillis(700L * i), null);
            }
            row(ps, "bad", start.plusMillis(900), "{\"v\":99}");
            ps.executeBatch();
        }
        return total;
    }

    private static void row(PreparedStatement ps, String id, Instant ts, @Nullable String inputs) throws SQLException {
        ps.setString(1, id);
        ps.setString(2, "acme");
        ps.setObject(3, OffsetDateTime.ofInstant(ts, ZoneOffset.UTC));
        ps.setString(4, "balanced");
        ps.setDouble(5, 0.5);
        ps.setString(6, "cloud");
        ps.setString(7, "cloud");
        ps.setLong(8, 10);
        ps.setLong(9, 10);
        ps.setBigDecimal(10, PriceTable.DEFAULT_CLOUD_PER_QUERY.amount());
        ps.setLong(11, 300);
        ps.setBoolean(12, false);
        ps.setString(13, "ok");
        ps.setString(14, inputs);
        ps.addBatch();
    }

    /** The "measured" service times of the live run. */
    private static long serviceMs(Tier tier, long completion) {
        return switch (tier) {
            case LOCAL -> 100 + 3 * completion;
            case CLOUD -> 300 + completion;
            case LEGACY -> 500 + 2 * completion;
        };
    }

    private LedgerSource.Traffic read() throws SQLException {
        return LedgerSource.read(url, null, null, start.minus(1, ChronoUnit.MINUTES));
    }

    @Test
    void readsTheRequestsWithRoutingInputsInArrivalOrderAndCountsTheOthers() throws Exception {
        recordLiveTraffic();
        LedgerSource.Traffic traffic = read();
        assertThat(traffic.rows()).hasSize(REQUESTS);
        assertThat(traffic.withoutInputs()).isEqualTo(3);
        assertThat(traffic.unreadable()).isEqualTo(1);
        assertThat(traffic.problems())
                .singleElement()
                .asString()
                .contains("request bad")
                .contains("version 99");
        assertThat(traffic.rows()).extracting(RecordedRequest::time).isSorted();
        assertThat(LedgerSource.read(url, null, null, Instant.now().plusSeconds(60))
                        .rows())
                .isEmpty();
    }

    @Test
    void theLivePolicyReproducesEveryDecisionAndTheLedgersCost() throws Exception {
        Usd ledgerCost = recordLiveTraffic();
        List<RecordedRequest> rows = read().rows();
        // The traffic has what the test is about: refusals, every tier, bursts, budget caps.
        assertThat(rows).anyMatch(r -> r.decidedTier() == null);
        assertThat(rows).extracting(RecordedRequest::decidedTier).contains(Tier.LOCAL, Tier.CLOUD, Tier.LEGACY);
        Calibration calibration = Calibration.of(rows, SimulationConfig.defaults());
        LedgerReplay replay = new LedgerReplay(ROUTER, calibration.config());

        ReplayReport live = replay.live("live", PRESETS::get, rows);

        assertThat(live.disagreements()).isEmpty();
        assertThat(live.agreement()).isEqualTo(1.0);
        assertThat(live.ledgerCost()).isEqualTo(ledgerCost);
        assertThat(live.simulation().cost()).isEqualTo(ledgerCost);
        assertThat(live.costDelta()).isZero();
        assertThat(live.simulation().bursts()).isPositive();

        ReplayReport quality = replay.run(PRESETS.get("quality-first"), rows);
        assertThat(quality.agreement()).isLessThan(0.9);
        assertThat(quality.simulation().cost().compareTo(ledgerCost)).isPositive();
    }

    @Test
    void calibratesTheServiceTimesFromTheMeasuredOnes() throws Exception {
        recordLiveTraffic();
        Calibration c = Calibration.of(read().rows(), SimulationConfig.defaults());
        assertThat(c.fits().get(Tier.LOCAL).method()).isEqualTo("fit");
        assertThat(c.config().localBaseMs()).isCloseTo(100, within(1e-6));
        assertThat(c.config().localMsPerPromptToken()).isCloseTo(0, within(1e-6));
        assertThat(c.config().localMsPerCompletionToken()).isCloseTo(3, within(1e-6));
        assertThat(c.config().cloudBaseMs()).isCloseTo(300, within(1e-6));
        assertThat(c.config().cloudMsPerCompletionToken()).isCloseTo(1, within(1e-6));
        assertThat(c.describe()).contains("local: 100 ms", "fit of");
    }

    @Test
    void aCalibrationWithoutSamplesKeepsTheDefaultsAndWithFewTakesTheMedian() {
        Calibration.Fit none = Calibration.fit(List.of(), false, new Calibration.Fit("default", 0, 400, 0, 8));
        assertThat(none.method()).isEqualTo("default");
        assertThat(none.baseMs()).isEqualTo(400);
        Calibration.Fit few = Calibration.fit(
                List.of(new double[] {1, 10, 300}, new double[] {1, 10, 100}, new double[] {1, 10, 200}), true, none);
        assertThat(few.method()).isEqualTo("median");
        assertThat(few.baseMs()).isEqualTo(200);
        assertThat(few.msPerCompletionToken()).isZero();
    }

    @Test
    void aPolicyThatSendsMoreToTheLocalTierFindsItsQueueLongerThanRecorded() {
        // Live: quality-first sent every prompt to cloud; the local engine stayed idle. Replayed under cost-saver, the
        // same prompts go local, arriving every 100 ms at one slot that needs ~2.6 s each: its queue grows until
        // cost-saver's 2 s wait bursts them to cloud.
        List<RecordedRequest> rows = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            RoutingInput in =
                    RoutingInput.of(new Complexity(0.4, List.of())).withNeeds(RequestNeeds.ofPromptTokens(50));
            rows.add(new RecordedRequest(
                    "r" + i,
                    "acme",
                    Instant.EPOCH.plusMillis(100L * i),
                    "quality-first",
                    Tier.CLOUD,
                    Tier.CLOUD,
                    new Usage(50, 200),
                    PriceTable.DEFAULT_CLOUD_PER_QUERY,
                    false,
                    "ok",
                    new RoutingRecord(in, List.of(new RoutingRecord.ServiceTime(Tier.CLOUD, 900, true)))));
        }
        LedgerReplay replay =
                new LedgerReplay(ROUTER, SimulationConfig.defaults().withLocalSlots(1));

        ReplayReport live = replay.live("live", PRESETS::get, rows);
        ReplayReport saver = replay.run(PRESETS.get("cost-saver"), rows);

        assertThat(live.agreement()).isEqualTo(1.0);
        assertThat(live.simulation().count(Tier.CLOUD)).isEqualTo(60);
        assertThat(saver.simulation().bursts()).isPositive();
        assertThat(saver.simulation().count(Tier.LOCAL)).isBetween(1, 59);
        assertThat(saver.simulation().latencyP95Ms()).isGreaterThan(2000);
    }

    @Test
    void policyLabComparesTheLedgerUnderTheLivePolicyAndACandidate() throws Exception {
        recordLiveTraffic();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();

        int code = PolicyLab.run(
                new PrintWriter(out),
                new PrintWriter(err),
                "compare",
                "--from-ledger",
                url,
                "--since",
                "2h",
                "--policy",
                "live",
                "--policy",
                "quality-first",
                "--html",
                Files.createTempDirectory("lab").resolve("report.html").toString());

        assertThat(code).as(err.toString()).isZero();
        assertThat(out.toString())
                .contains("ledger: " + REQUESTS + " request(s)")
                .contains("3 without them (skipped); 1 unreadable (skipped)")
                .containsPattern("decided as recorded\\s+" + REQUESTS + " \\(100\\.0%\\)")
                .containsPattern("cost vs ledger\\s+\\+0\\.00%\\s+\\+\\d")
                .contains("service times calibrated from the ledger:")
                .contains("HTML report:");
        assertThat(err.toString()).contains("version 99");
    }

    @Test
    void policyLabNamesAMissingSourceAndABadWindow() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        assertThat(PolicyLab.run(new PrintWriter(out), new PrintWriter(err), "simulate", "--policy", "balanced"))
                .isEqualTo(2);
        assertThat(err.toString()).contains("--traffic FILE or --from-ledger");
        StringWriter err2 = new StringWriter();
        assertThat(PolicyLab.run(
                        new PrintWriter(out),
                        new PrintWriter(err2),
                        "simulate",
                        "--policy",
                        "live",
                        "--from-ledger",
                        "jdbc:h2:mem:none",
                        "--since",
                        "last tuesday"))
                .isEqualTo(2);
        assertThat(err2.toString()).contains("--since").contains("last tuesday");
    }
}
