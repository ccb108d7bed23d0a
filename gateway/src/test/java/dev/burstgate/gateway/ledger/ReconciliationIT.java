package dev.burstgate.gateway.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.burstgate.gateway.testsupport.DataServices;
import dev.burstgate.gateway.testsupport.GatewayIT;
import dev.burstgate.gateway.testsupport.GatewayIT.Tenant;
import dev.burstgate.gateway.testsupport.PaidApiMock;
import dev.burstgate.gateway.testsupport.PaidApiMock.Behavior;
import dev.burstgate.gateway.testsupport.Sse;
import dev.burstgate.gateway.testsupport.TestGateway;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.testcontainers.postgresql.PostgreSQLContainer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The money adds up three ways. A few hundred mixed requests — all three tiers, streaming (with usage) and not,
 * fallbacks after a failing legacy API, cache hits, some concurrent — then: the ledger's total in PostgreSQL = the
 * sum of {@code usage.cost} the clients received = Prometheus {@code burstgate_cost_usd_total}, to 1e-6 USD; the
 * ledger's saving = Prometheus {@code burstgate_savings_usd_total}; and the ledger has one row per answered request.
 */
// Configured tiers beside simulated stand-ins for the others (the local tiny model, local-engine nodes).
@GatewayIT(
        demo = true,
        localTier = true,
        tenants =
                @Tenant(
                        name = "finance",
                        key = ReconciliationIT.KEY,
                        policy = "legacy-first",
                        allowedPolicies = "*",
                        requestsPerSecond = 100000),
        properties = {
            "burstgate.tiers.legacy.api-key=sk-legacy",
            "burstgate.resilience.first-byte-timeout=10s",
            // The failing legacy calls below must not open its breaker (forced legacy requests have no fallback).
            "burstgate.resilience.minimum-calls=1000",
            "burstgate.resilience.sliding-window=1000"
        })
class ReconciliationIT {

    static final BigDecimal TOLERANCE = new BigDecimal("0.000001");
    static final String KEY = "sk-test-finance";

    static PostgreSQLContainer postgres = DataServices.postgres();

    static {
        postgres.start();
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry r) {
        r.add("spring.datasource.url", postgres::getJdbcUrl);
        r.add("spring.datasource.username", postgres::getUsername);
        r.add("spring.datasource.password", postgres::getPassword);
        r.add("burstgate.policies-dir", () -> policiesDir().toString());
    }

    static Path policiesDir() {
        try {
            return Path.of(ReconciliationIT.class.getResource("/policies-it").toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @AfterAll
    static void stop() {
        postgres.stop();
    }

    @Autowired
    JsonMapper json;

    @Autowired
    DataSource dataSource;

    final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    TestGateway gateway;
    PaidApiMock legacy;

    @BeforeEach
    void setUp(TestGateway gateway) {
        this.gateway = gateway;
        legacy = gateway.legacy();
    }

    /** One answered request: its id and the usage.cost the client saw. */
    record Answer(String id, String tier, BigDecimal cost, boolean cacheHit) {}

    @Test
    void ledgerEqualsWhatClientsWereToldEqualsPrometheus() throws Exception {
        legacy.answering("A careful legacy answer.", 21, 9);
        List<Answer> answers = new ArrayList<>();
        // Every tier, streaming and not.
        for (String tier : List.of("local", "cloud", "legacy")) {
            for (int i = 0; i < 30; i++) {
                answers.add(chat(tier, false, "legacy-first", "Question " + i + " for " + tier, 0.7));
                answers.add(chat(tier, true, "legacy-first", "Streamed question " + i + " for " + tier, 0.7));
            }
        }
        // Fallbacks: the legacy API fails before answering; the policy's chain answers from the cloud pool.
        for (int i = 0; i < 30; i++) {
            legacy.then(Behavior.STATUS_500);
            answers.add(chat("auto", i % 3 == 0, "legacy-first", "Fallback question " + i, 0.7));
        }
        // Cache hits: deterministic requests asked three times.
        for (int i = 0; i < 15; i++) {
            for (int k = 0; k < 3; k++) {
                answers.add(chat("legacy", false, "legacy-first", "Deterministic question " + i, 0.0));
            }
        }
        // Routed by the balanced policy, and a concurrent burst on the paid tiers.
        for (int i = 0; i < 20; i++) {
            answers.add(chat("auto", i % 2 == 0, "balanced", "Explain topic number " + i + " briefly.", 0.7));
        }
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            List<Future<Answer>> burst = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                String tier = i % 2 == 0 ? "cloud" : "legacy";
                boolean stream = i % 3 == 0;
                int n = i;
                burst.add(pool.submit(() -> chat(tier, stream, "legacy-first", "Concurrent question " + n, 0.7)));
            }
            for (Future<Answer> f : burst) {
                answers.add(f.get());
            }
        }

        Map<String, Integer> byTier = new java.util.TreeMap<>();
        long cacheHits = 0;
        BigDecimal clientTotal = BigDecimal.ZERO;
        for (Answer a : answers) {
            byTier.merge(a.tier(), 1, Integer::sum);
            clientTotal = clientTotal.add(a.cost());
            if (a.cacheHit()) {
                cacheHits++;
            }
        }
        assertThat(answers).hasSizeGreaterThanOrEqualTo(300);
        assertThat(byTier.keySet()).containsExactlyInAnyOrder("local", "cloud", "legacy");
        assertThat(cacheHits).isGreaterThanOrEqualTo(30);

        JdbcClient jdbc = JdbcClient.create(dataSource);
        awaitRows(jdbc, answers.size());
        assertThat(jdbc.sql("select count(*) from ledger_request")
                        .query(Long.class)
                        .single())
                .isEqualTo(answers.size());
        assertThat(jdbc.sql("select id from ledger_request").query(String.class).set())
                .containsExactlyInAnyOrderElementsOf(
                        answers.stream().map(Answer::id).toList());
        assertThat(jdbc.sql("select count(*) from ledger_request where outcome = 'fallback'")
                        .query(Long.class)
                        .single())
                .isEqualTo(30);
        assertThat(jdbc.sql("select count(*) from ledger_request where cache_hit")
                        .query(Long.class)
                        .single())
                .isEqualTo(cacheHits);

        BigDecimal ledgerCost = jdbc.sql("select coalesce(sum(cost_usd), 0) from ledger_request")
                .query(BigDecimal.class)
                .single();
        BigDecimal ledgerSaving = jdbc.sql("select coalesce(sum(saving_usd), 0) from ledger_request")
                .query(BigDecimal.class)
                .single();
        BigDecimal attemptCost = jdbc.sql("select coalesce(sum(cost_usd), 0) from ledger_attempt")
                .query(BigDecimal.class)
                .single();
        Map<String, BigDecimal> prometheus = prometheus();

        System.out.printf(
                "reconciliation: %d requests %s, %d cache hits; ledger cost %s, usage.cost %s, attempts %s,"
                        + " Prometheus %s; ledger saving %s, Prometheus %s%n",
                answers.size(),
                byTier,
                cacheHits,
                ledgerCost.toPlainString(),
                clientTotal.toPlainString(),
                attemptCost.toPlainString(),
                prometheus.get("cost").toPlainString(),
                ledgerSaving.toPlainString(),
                prometheus.get("savings").toPlainString());
        assertThat(ledgerCost).isPositive();
        assertThat(ledgerCost.subtract(clientTotal).abs())
                .as("ledger %s vs usage.cost %s", ledgerCost, clientTotal)
                .isLessThanOrEqualTo(TOLERANCE);
        assertThat(ledgerCost.subtract(attemptCost).abs())
                .as("requests %s vs attempts %s", ledgerCost, attemptCost)
                .isLessThanOrEqualTo(TOLERANCE);
        assertThat(ledgerCost.subtract(prometheus.get("cost")).abs())
                .as("ledger %s vs Prometheus %s", ledgerCost, prometheus.get("cost"))
                .isLessThanOrEqualTo(TOLERANCE);
        assertThat(ledgerSaving.subtract(prometheus.get("savings")).abs())
                .as("ledger saving %s vs Prometheus %s", ledgerSaving, prometheus.get("savings"))
                .isLessThanOrEqualTo(TOLERANCE);
    }

    private Answer chat(String model, boolean stream, String policy, String prompt, double temperature)
            throws Exception {
        String body =
                "{\"model\":\"" + model + "\",\"max_tokens\":4,\"temperature\":" + temperature + ",\"stream\":" + stream
                        + (stream ? ",\"stream_options\":{\"include_usage\":true}" : "")
                        + ",\"messages\":[{\"role\":\"user\",\"content\":" + json.writeValueAsString(prompt) + "}]}";
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(URI.create(gateway.url("/v1/chat/completions")))
                        .timeout(Duration.ofSeconds(60))
                        .header("Authorization", "Bearer " + KEY)
                        .header("X-Burstgate-Policy", policy)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("%s %s: %s", model, stream, r.body()).isEqualTo(200);
        String id = r.headers().firstValue("X-Burstgate-Request-Id").orElseThrow();
        String tier = r.headers().firstValue("X-Burstgate-Tier").orElseThrow();
        boolean cacheHit =
                r.headers().firstValue("X-Burstgate-Cache").map("hit"::equals).orElse(false);
        JsonNode usage;
        if (stream) {
            List<JsonNode> events = Sse.events(json, r.body());
            usage = events.stream()
                    .map(e -> e.get("usage"))
                    .filter(u -> u != null && !u.isNull())
                    .reduce((a, b) -> b)
                    .orElseThrow(() -> new AssertionError("no usage chunk in " + r.body()));
        } else {
            usage = json.readTree(r.body()).path("usage");
        }
        assertThat(usage.has("cost")).as("usage.cost in %s", r.body()).isTrue();
        return new Answer(id, tier, usage.get("cost").decimalValue(), cacheHit);
    }

    private static void awaitRows(JdbcClient jdbc, long expected) {
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> assertThat(jdbc.sql("select count(*) from ledger_request")
                                .query(Long.class)
                                .single())
                        .isGreaterThanOrEqualTo(expected));
    }

    /** Sums of the cost and savings counters over every series, as Prometheus scrapes them. */
    private Map<String, BigDecimal> prometheus() throws Exception {
        String text = http.send(
                        HttpRequest.newBuilder(URI.create(
                                        "http://localhost:" + gateway.managementPort() + "/actuator/prometheus"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        BigDecimal cost = BigDecimal.ZERO;
        BigDecimal savings = BigDecimal.ZERO;
        for (String line : text.split("\n")) {
            if (line.startsWith("burstgate_cost_usd_total{")) {
                cost = cost.add(new BigDecimal(line.substring(line.lastIndexOf(' ') + 1)));
            } else if (line.startsWith("burstgate_savings_usd_total{")) {
                savings = savings.add(new BigDecimal(line.substring(line.lastIndexOf(' ') + 1)));
            }
        }
        return Map.of("cost", cost, "savings", savings);
    }
}
