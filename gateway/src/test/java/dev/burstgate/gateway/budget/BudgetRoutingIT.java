package dev.burstgate.gateway.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.burstgate.gateway.tenant.ApiKeys;
import dev.burstgate.gateway.testsupport.CostRecords;
import dev.burstgate.gateway.testsupport.GatewayIT;
import dev.burstgate.gateway.testsupport.PaidApiMock;
import dev.burstgate.gateway.testsupport.PaidApiMock.Behavior;
import dev.burstgate.gateway.testsupport.TestGateway;
import dev.burstgate.gateway.usage.CostRecord;
import dev.burstgate.gateway.usage.Outcome;
import dev.burstgate.gateway.usage.RecentRecords;
import dev.burstgate.policies.Tier;
import dev.burstgate.policies.cost.Usd;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.Disposable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Budgets in a whole gateway (in-memory store): the policy degrades and rejects on the budget state, the dispatcher
 * reserves and settles every priced attempt, and {@code /admin/budgets} shows and changes the limits. Local is the
 * in-process engine on the generated tiny model ($0.02), cloud ($0.18) and legacy ($1.10) are HTTP mocks.
 */
// Configured tiers beside simulated stand-ins for the others (the local tiny model, local-engine nodes).
@GatewayIT(
        demo = true,
        localTier = true,
        cloudMock = true,
        adminKey = BudgetRoutingIT.ADMIN_KEY,
        properties = {
            "burstgate.resilience.first-byte-timeout=20s",
            "burstgate.resilience.minimum-calls=100",
            "burstgate.budgets.meters-refresh=100ms"
        })
class BudgetRoutingIT {

    static final String ADMIN_KEY = "sk-admin-budget-it";
    /** Tenants, each used by one test: name, policy, configured daily limit ("" for none). */
    static final String[][] TENANTS = {
        {"degrade", "budget-legacy", "10"},
        {"exhausted", "budget-legacy", "1"},
        {"denied", "budget-legacy", "1"},
        {"cheaper", "budget-legacy", "1"},
        {"local-only", "budget-local-only", "0.5"},
        {"fallback", "budget-legacy", "1.2"},
        {"cancel", "budget-legacy", ""},
        {"admin", "budget-legacy", "5"},
        {"admin-set", "budget-legacy", "5"},
        {"admin-bad", "budget-legacy", "5"},
        {"free-local", "budget-legacy", "1"},
        {"meters", "budget-legacy", "1"},
    };

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry r) {
        r.add("burstgate.policies-dir", BudgetRoutingIT::policiesDir);
        for (int i = 0; i < TENANTS.length; i++) {
            String[] t = TENANTS[i];
            r.add("burstgate.tenants[" + i + "].name", () -> t[0]);
            r.add("burstgate.tenants[" + i + "].key-sha256", () -> ApiKeys.sha256(key(t[0])));
            r.add("burstgate.tenants[" + i + "].policy", () -> t[1]);
            r.add("burstgate.tenants[" + i + "].requests-per-second", () -> "1000");
            if (!t[2].isEmpty()) {
                r.add("burstgate.tenants[" + i + "].budget.daily", () -> t[2]);
            }
        }
    }

    static String policiesDir() {
        try {
            return Path.of(BudgetRoutingIT.class.getResource("/policies-budget").toURI())
                    .toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static String key(String tenant) {
        return "sk-" + tenant;
    }

    @Autowired
    BudgetStore budgets;

    @Autowired
    RecentRecords records;

    @Autowired
    JsonMapper json;

    TestGateway gateway;
    PaidApiMock legacy;
    WebTestClient client;

    @BeforeEach
    void setUp(TestGateway gateway) {
        this.gateway = gateway;
        legacy = gateway.legacy();
        client = gateway.client(Duration.ofSeconds(60));
    }

    WebTestClient.ResponseSpec chat(String tenant, String model, boolean stream) {
        String body = "{\"model\":\"" + model + "\",\"max_tokens\":4,\"stream\":" + stream
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"Tell me something\"}]}";
        return client.post()
                .uri("/v1/chat/completions")
                .header("Authorization", "Bearer " + key(tenant))
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body)
                .exchange();
    }

    void spend(String tenant, String usd) {
        Reservation r = budgets.reserveOverLimit(tenant, Usd.of(usd)).block();
        budgets.settle(r, Usd.of(usd)).block();
    }

    BudgetView.PeriodView today(String tenant) {
        return budgets.view(tenant).block().daily();
    }

    CostRecord record(String requestId) {
        return CostRecords.await(records, requestId);
    }

    JsonNode admin(WebTestClient.RequestHeadersSpec<?> request, int status) {
        return json.readTree(request.header("Authorization", "Bearer " + ADMIN_KEY)
                .exchange()
                .expectStatus()
                .isEqualTo(status)
                .expectBody()
                .returnResult()
                .getResponseBody());
    }

    static void eventually(BooleanSupplier condition) {
        await().atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(10))
                .until(condition::getAsBoolean);
    }

    @Test
    void withoutRedisConfiguredBudgetsStayInMemoryAndTheGatewayIsHealthy() {
        assertThat(budgets).isInstanceOf(InMemoryBudgetStore.class);
        client.get()
                .uri("/actuator/health")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.status")
                .isEqualTo("UP");
    }

    @Test
    void degradesToTheCheaperTierAtThePolicysThreshold() {
        chat("degrade", "auto", false).expectStatus().isOk().expectHeader().valueEquals("X-Burstgate-Tier", "legacy");
        assertThat(today("degrade").spent()).isEqualTo(Usd.of("1.10"));

        spend("degrade", "3.90"); // 5.00 of 10.00
        chat("degrade", "auto", false)
                .expectStatus()
                .isOk()
                .expectHeader()
                .valueEquals("X-Burstgate-Tier", "cloud")
                .expectHeader()
                .value("X-Burstgate-Reason", r -> assertThat(r).contains("budget 50% used -> at most cloud"));
        assertThat(today("degrade").spent()).isEqualTo(Usd.of("5.18"));
        assertThat(admin(client.get().uri("/admin/budgets/degrade"), 200)
                        .path("status")
                        .asString())
                .isEqualTo("degraded");
    }

    @Test
    void publishesBudgetUsePerTenantAsGauges() {
        spend("meters", "0.25");
        eventually(
                () -> scrape().contains(
                                "burstgate_budget_used_ratio{application=\"burstgate\",period=\"day\",tenant=\"meters\"} 0.25"));
        String text = scrape();
        assertThat(text)
                .contains(
                        "burstgate_budget_spent_usd{application=\"burstgate\",period=\"day\",tenant=\"meters\"} 0.25");
        assertThat(text)
                .contains("burstgate_budget_limit_usd{application=\"burstgate\",period=\"day\",tenant=\"meters\"} 1.0");
        // No monthly limit: the ratio has no value.
        assertThat(text)
                .contains(
                        "burstgate_budget_used_ratio{application=\"burstgate\",period=\"month\",tenant=\"meters\"} NaN");
    }

    String scrape() {
        return new String(
                gateway.management()
                        .get()
                        .uri("/actuator/prometheus")
                        .exchange()
                        .expectStatus()
                        .isOk()
                        .expectBody()
                        .returnResult()
                        .getResponseBody(),
                java.nio.charset.StandardCharsets.UTF_8);
    }

    @Test
    void rejectsWith402OnceTheBudgetIsUsedUp() {
        spend("exhausted", "1");
        byte[] body = chat("exhausted", "auto", false)
                .expectStatus()
                .isEqualTo(402)
                .expectBody()
                .returnResult()
                .getResponseBody();

        JsonNode error = json.readTree(body).path("error");
        assertThat(error.path("type").asString()).isEqualTo("insufficient_quota");
        assertThat(error.path("code").asString()).isEqualTo("budget_exhausted");
        assertThat(error.path("message").asString()).contains("budget exhausted (100% used)");
        assertThat(legacy.received()).isEmpty();
        assertThat(admin(client.get().uri("/admin/budgets/exhausted"), 200)
                        .path("status")
                        .asString())
                .isEqualTo("exhausted");
    }

    @Test
    void rejectsWith402WhenTheOnlyTierItMayUseIsRefusedItsReservation() {
        // Nothing spent, but legacy's $1.10 does not fit a $1 budget and a forced tier has no fallback.
        var result = chat("denied", "legacy", false)
                .expectStatus()
                .isEqualTo(402)
                .expectBody()
                .returnResult();

        JsonNode error = json.readTree(result.getResponseBody()).path("error");
        assertThat(error.path("type").asString()).isEqualTo("insufficient_quota");
        assertThat(error.path("code").asString()).isEqualTo("budget_exhausted");
        assertThat(error.path("message").asString()).contains("daily budget of $1.000000 reached");
        CostRecord record = record(result.getResponseHeaders().getFirst("X-Burstgate-Request-Id"));
        assertThat(record.outcome()).isEqualTo(Outcome.REJECTED);
        assertThat(record.cost()).isEqualTo(Usd.ZERO);
        assertThat(record.attempts()).singleElement().satisfies(a -> {
            assertThat(a.tier()).isEqualTo(Tier.LEGACY);
            assertThat(a.outcome()).isEqualTo(Outcome.REJECTED);
            assertThat(a.error()).isEqualTo("budget exhausted");
        });
        assertThat(legacy.received()).isEmpty();
        assertThat(today("denied").committed()).isEqualTo(Usd.ZERO);
    }

    @Test
    void aRefusedReservationFallsToACheaperTier() {
        chat("cheaper", "auto", false)
                .expectStatus()
                .isOk()
                .expectHeader()
                .valueEquals("X-Burstgate-Tier", "cloud")
                .expectHeader()
                .value("X-Burstgate-Reason", r -> assertThat(r).contains("legacy refused by budget"));
        assertThat(legacy.received()).isEmpty();
        assertThat(today("cheaper").spent()).isEqualTo(Usd.of("0.18"));
    }

    @Test
    void localOnlyServesFromTheLocalTierOnceExhaustedAndCountsItsCost() {
        spend("local-only", "0.5");
        String body = chat("local-only", "auto", false)
                .expectStatus()
                .isOk()
                .expectHeader()
                .valueEquals("X-Burstgate-Tier", "local")
                .expectBody(String.class)
                .returnResult()
                .getResponseBody();

        assertThat(json.readTree(body).path("usage").path("cost").decimalValue())
                .isEqualByComparingTo("0.02");
        BudgetView.PeriodView today = today("local-only");
        assertThat(today.spent()).isEqualTo(Usd.of("0.52"));
        assertThat(today.reserved()).isEqualTo(Usd.ZERO);
    }

    @Test
    void reservesAgainOnFallbackAndLeavesNothingReserved() {
        // $1.20 holds legacy's $1.10 or cloud's $0.18, not both: cloud is granted only because legacy's was released.
        legacy.then(Behavior.STATUS_500);
        // Read the whole stream: the attempt is settled when the upstream's stream ends, after the headers arrived.
        String body = chat("fallback", "auto", true)
                .expectStatus()
                .isOk()
                .expectHeader()
                .valueEquals("X-Burstgate-Tier", "cloud")
                .expectHeader()
                .value("X-Burstgate-Reason", r -> assertThat(r).contains("legacy answered an error (HTTP 500)"))
                .expectBody(String.class)
                .returnResult()
                .getResponseBody();
        assertThat(body).endsWith("data: [DONE]\n\n");

        assertThat(legacy.received()).hasSize(1);
        BudgetView.PeriodView today = today("fallback");
        assertThat(today.spent()).isEqualTo(Usd.of("0.18"));
        assertThat(today.reserved()).isEqualTo(Usd.ZERO);
    }

    @Test
    void aClientGoingAwayReleasesItsReservation() throws Exception {
        legacy.then(Behavior.HANG);
        Disposable stream = WebClient.create(gateway.url(""))
                .post()
                .uri("/v1/chat/completions")
                .header("Authorization", "Bearer " + key("cancel"))
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(
                        "{\"model\":\"legacy\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
                .retrieve()
                .bodyToFlux(String.class)
                .subscribe(s -> {}, e -> {});
        eventually(() -> today("cancel").reserved().equals(Usd.of("1.10"))
                && !legacy.received().isEmpty());

        stream.dispose();

        eventually(() -> today("cancel").reserved().isZero());
        assertThat(today("cancel").spent()).isEqualTo(Usd.ZERO);
    }

    @Test
    void adminShowsEveryTenantsBudgetExactly() {
        spend("admin", "0.1");
        spend("admin", "0.2");
        LocalDate day = LocalDate.now(ZoneOffset.UTC);
        JsonNode one = admin(client.get().uri("/admin/budgets/admin"), 200);

        assertThat(one.path("tenant").asString()).isEqualTo("admin");
        assertThat(one.path("policy").asString()).isEqualTo("budget-legacy");
        JsonNode daily = one.path("daily");
        assertThat(daily.path("limit_usd").decimalValue()).isEqualByComparingTo("5");
        assertThat(daily.path("spent_usd").decimalValue()).isEqualByComparingTo("0.3");
        assertThat(daily.path("spent_usd").toString()).isEqualTo("0.3");
        assertThat(daily.path("reserved_usd").decimalValue()).isEqualByComparingTo("0");
        assertThat(daily.path("fraction_used").decimalValue()).isEqualByComparingTo("0.06");
        assertThat(daily.path("period").asString()).isEqualTo(day.toString());
        JsonNode monthly = one.path("monthly");
        assertThat(monthly.path("limit_usd").isNull()).isTrue();
        assertThat(monthly.path("fraction_used").isNull()).isTrue();
        assertThat(monthly.path("spent_usd").decimalValue()).isEqualByComparingTo("0.3");
        assertThat(monthly.path("period").asString())
                .isEqualTo(YearMonth.from(day).toString());
        assertThat(one.path("status").asString()).isEqualTo("ok");

        JsonNode all = admin(client.get().uri("/admin/budgets"), 200);
        List<String> names = all.path("budgets")
                .valueStream()
                .map(b -> b.path("tenant").asString())
                .toList();
        assertThat(names)
                .containsExactly(
                        "admin",
                        "admin-bad",
                        "admin-set",
                        "cancel",
                        "cheaper",
                        "degrade",
                        "denied",
                        "exhausted",
                        "fallback",
                        "free-local",
                        "local-only",
                        "meters");
    }

    @Test
    void adminSetsLimitsThatRoutingEnforcesAtOnce() {
        JsonNode put = admin(
                client.put()
                        .uri("/admin/budgets/admin-set")
                        .contentType(MediaType.APPLICATION_JSON)
                        .bodyValue("{\"daily_usd\":10.5,\"monthly_usd\":null}"),
                200);
        assertThat(put.path("daily").path("limit_usd").toString()).isEqualTo("10.5");
        assertThat(put.path("monthly").path("limit_usd").isNull()).isTrue();
        assertThat(admin(client.get().uri("/admin/budgets/admin-set"), 200)
                        .path("daily")
                        .path("limit_usd")
                        .decimalValue())
                .isEqualByComparingTo("10.5");

        admin(
                client.put()
                        .uri("/admin/budgets/admin-set")
                        .contentType(MediaType.APPLICATION_JSON)
                        .bodyValue("{\"daily_usd\":0}"),
                200);
        chat("admin-set", "local", false).expectStatus().isEqualTo(402);

        admin(
                client.put()
                        .uri("/admin/budgets/admin-set")
                        .contentType(MediaType.APPLICATION_JSON)
                        .bodyValue("{}"),
                200);
        chat("admin-set", "local", false).expectStatus().isOk();
    }

    @Test
    void adminRejectsBadLimitsUnknownTenantsAndWrongKeys() {
        JsonNode negative = admin(
                        client.put()
                                .uri("/admin/budgets/admin-bad")
                                .contentType(MediaType.APPLICATION_JSON)
                                .bodyValue("{\"daily_usd\":-1}"),
                        400)
                .path("error");
        assertThat(negative.path("param").asString()).isEqualTo("daily_usd");
        assertThat(negative.path("message").asString()).contains("must be >= 0");

        JsonNode text = admin(
                        client.put()
                                .uri("/admin/budgets/admin-bad")
                                .contentType(MediaType.APPLICATION_JSON)
                                .bodyValue("{\"monthly_usd\":\"10\"}"),
                        400)
                .path("error");
        assertThat(text.path("param").asString()).isEqualTo("monthly_usd");
        assertThat(text.path("type").asString()).isEqualTo("invalid_request_error");

        JsonNode malformed = admin(
                        client.put()
                                .uri("/admin/budgets/admin-bad")
                                .contentType(MediaType.APPLICATION_JSON)
                                .bodyValue("{\"daily_usd\":"),
                        400)
                .path("error");
        assertThat(malformed.path("code").asString()).isEqualTo("invalid_json");

        JsonNode unknownField = admin(
                        client.put()
                                .uri("/admin/budgets/admin-bad")
                                .contentType(MediaType.APPLICATION_JSON)
                                .bodyValue("{\"daily\":5}"),
                        400)
                .path("error");
        assertThat(unknownField.path("param").asString()).isEqualTo("daily");

        JsonNode notFound =
                admin(client.get().uri("/admin/budgets/nobody"), 404).path("error");
        assertThat(notFound.path("code").asString()).isEqualTo("tenant_not_found");
        assertThat(admin(
                                client.put()
                                        .uri("/admin/budgets/nobody")
                                        .contentType(MediaType.APPLICATION_JSON)
                                        .bodyValue("{}"),
                                404)
                        .path("error")
                        .path("code")
                        .asString())
                .isEqualTo("tenant_not_found");

        client.get().uri("/admin/budgets").exchange().expectStatus().isUnauthorized();
        client.put()
                .uri("/admin/budgets/admin-bad")
                .header("Authorization", "Bearer " + key("admin-bad"))
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"daily_usd\":1000}")
                .exchange()
                .expectStatus()
                .isForbidden();
        assertThat(today("admin-bad").limit()).isNotEqualTo(Usd.of("1000"));
    }

    /** The same gateway with a free local tier, which no budget blocks. */
    @Nested
    // A second gateway in this JVM beside the outer one: a journal directory of its own (each gateway locks its own).
    @TestPropertySource(
            properties = {
                "burstgate.tiers.local.price-per-query=0",
                "burstgate.ledger.journal.dir=${burstgate.data-dir}/ledger-journal-free-local"
            })
    class WithAFreeLocalTier {

        @Test
        void anExhaustedBudgetStillServesTheFreeLocalTier() {
            spend("free-local", "1");
            chat("free-local", "auto", false)
                    .expectStatus()
                    .isOk()
                    .expectHeader()
                    .valueEquals("X-Burstgate-Tier", "local")
                    .expectHeader()
                    .value("X-Burstgate-Reason", r -> assertThat(r).contains("budget exhausted -> free local only"))
                    .expectHeader()
                    .valueEquals("X-Burstgate-Cost-Usd", "0.000000");
            assertThat(today("free-local").spent()).isEqualTo(Usd.of("1"));
            assertThat(today("free-local").reserved()).isEqualTo(Usd.ZERO);
        }
    }
}
