package dev.burstgate.gateway.shadow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.burstgate.gateway.testsupport.GatewayIT;
import dev.burstgate.gateway.testsupport.GatewayIT.Tenant;
import dev.burstgate.gateway.testsupport.PaidApiMock;
import dev.burstgate.gateway.testsupport.Sse;
import dev.burstgate.gateway.testsupport.TestGateway;
import dev.burstgate.policies.cost.TierPrice;
import dev.burstgate.policies.cost.Usage;
import dev.burstgate.policies.cost.Usd;
import dev.burstgate.policies.shadow.JudgeRubric;
import java.math.BigDecimal;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Shadow comparisons in a whole gateway: every answer comes from the local tier (the generated tiny model, greedy), and
 * the policies compare it with legacy, a paid-API mock that waits {@link #LEGACY_DELAY} before each answer. The
 * client's answers are the same as without shadowing and are not delayed; each comparison is a priced row in
 * {@code ledger_shadow}; the daily shadow budget stops comparisons exactly when the next could pass it; a judge tier
 * gives its verdict from the mock's rubric answer; {@code /admin/policies/{name}/shadow} shows it all; and the cost
 * summary measures the legacy baseline with the token counts legacy reported for the shadowed requests.
 *
 * <p>Legacy is priced per query and per token ({@link #LEGACY_PRICE}); the mock reports 21 prompt and 9 completion
 * tokens for every answer, which the tiny model's own counts (the recorded baseline's) never are.
 *
 * <p>The gateway's clock is held at the moment the test class started (the real present), so the daily shadow budget
 * cannot roll over to a new day in the middle of a test.
 */
@GatewayIT(
        localTier = true,
        tenants =
                @Tenant(
                        name = "acme",
                        key = ShadowComparisonsIT.KEY,
                        policy = "plain",
                        allowedPolicies = "shadow-timing,shadow-budget,shadow-judged,shadow-savings",
                        requestsPerSecond = 1000),
        adminKey = ShadowComparisonsIT.ADMIN_KEY,
        properties = {
            "burstgate.shadow.workers=2",
            "burstgate.ledger.flush-interval=20ms",
            // a cache hit is never shadowed: every answer here must come from the local tier
            "burstgate.cache.enabled=false",
            "burstgate.tiers.legacy.price-per-query=1.10",
            "burstgate.tiers.legacy.price-per-million-input-tokens=2000",
            "burstgate.tiers.legacy.price-per-million-output-tokens=8000"
        })
class ShadowComparisonsIT {

    static final String KEY = "sk-shadow-acme";
    static final String ADMIN_KEY = "sk-shadow-admin";
    static final Duration LEGACY_DELAY = Duration.ofSeconds(3);
    /** The legacy mock's answer: also a judge's one-word verdict. */
    static final String LEGACY_ANSWER = "ACCEPTABLE";
    /** The legacy tier's price, as configured above. */
    static final TierPrice LEGACY_PRICE = new TierPrice(Usd.of("1.10"), Usd.of("2000"), Usd.of("8000"));
    /** The tokens the legacy mock reports for every answer. */
    static final Usage LEGACY_USAGE = new Usage(21, 9);
    /** What one legacy answer costs: $1.10 + 21 × $0.002 + 9 × $0.008 = $1.214. */
    static final BigDecimal LEGACY_CALL = LEGACY_PRICE.cost(LEGACY_USAGE).amount();

    static final Instant START = Instant.now();

    @TestConfiguration
    static class HeldClock {
        @Bean
        @Primary
        InstantSource heldClock() {
            return InstantSource.fixed(START);
        }
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry r) {
        r.add("burstgate.policies-dir", ShadowComparisonsIT::policiesDir);
    }

    static String policiesDir() {
        try {
            return Path.of(ShadowComparisonsIT.class
                            .getResource("/policies-shadow")
                            .toURI())
                    .toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Autowired
    DataSource dataSource;

    @Autowired
    JsonMapper json;

    @Autowired
    ShadowRunner runner;

    TestGateway gateway;
    PaidApiMock legacy;
    WebTestClient client;
    JdbcTemplate jdbc;

    @BeforeEach
    void setUp(TestGateway gateway) {
        this.gateway = gateway;
        legacy = gateway.legacy()
                .answering(LEGACY_ANSWER, (int) LEGACY_USAGE.promptTokens(), (int) LEGACY_USAGE.completionTokens())
                .delayingAnswers(LEGACY_DELAY);
        client = gateway.client(Duration.ofSeconds(60));
        jdbc = new JdbcTemplate(dataSource);
        // Nothing is shadowed until the ledger has been read back at start-up.
        await().atMost(Duration.ofSeconds(30)).until(runner::ready);
    }

    /** One answer as the client saw it. */
    record Answer(String requestId, String content, long millis, String raw, HttpHeaders headers) {}

    Answer chat(String policy, String prompt, boolean stream) {
        String body = "{\"model\":\"auto\",\"max_tokens\":8,\"temperature\":0,\"seed\":7,\"stream\":" + stream
                + ",\"messages\":[{\"role\":\"user\",\"content\":" + json.writeValueAsString(prompt) + "}]}";
        long start = System.nanoTime();
        EntityExchangeResult<String> result = client.post()
                .uri("/v1/chat/completions")
                .header("Authorization", "Bearer " + KEY)
                .header("X-Burstgate-Policy", policy)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body)
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody(String.class)
                .returnResult();
        long millis = Duration.ofNanos(System.nanoTime() - start).toMillis();
        String raw = result.getResponseBody();
        assertThat(result.getResponseHeaders().getFirst("X-Burstgate-Tier")).isEqualTo("local");
        StringBuilder content = new StringBuilder();
        if (stream) {
            for (JsonNode event : Sse.events(json, raw)) {
                content.append(event.path("choices")
                        .path(0)
                        .path("delta")
                        .path("content")
                        .asString(""));
            }
        } else {
            content.append(json.readTree(raw)
                    .path("choices")
                    .path(0)
                    .path("message")
                    .path("content")
                    .asString());
        }
        return new Answer(
                result.getResponseHeaders().getFirst("X-Burstgate-Request-Id"),
                content.toString(),
                millis,
                raw,
                result.getResponseHeaders());
    }

    List<Map<String, Object>> shadowRows(String policy) {
        return jdbc.queryForList("SELECT * FROM ledger_shadow WHERE policy = ? ORDER BY ts, request_id", policy);
    }

    JsonNode shadowView(String policy) {
        return json.readTree(client.get()
                .uri("/admin/policies/" + policy + "/shadow")
                .header("Authorization", "Bearer " + ADMIN_KEY)
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody(String.class)
                .returnResult()
                .getResponseBody());
    }

    void assertNothingInternalReachedTheClient(Answer a) {
        String port = ":" + legacy.baseUrl().getPort();
        assertThat(a.raw()).doesNotContain(port).doesNotContain(LEGACY_ANSWER);
        a.headers()
                .forEach((name, values) -> assertThat(values)
                        .allSatisfy(v -> assertThat(v).doesNotContain(port).doesNotContain(LEGACY_ANSWER)));
    }

    @Test
    void clientAnswersAreTheSameAsWithoutShadowingAndNotDelayedAndEachComparisonIsAPricedLedgerRow() {
        List<String> prompts = List.of("Name a colour.", "Count to three.", "Say hello.", "What is two plus two?");
        List<String> shadowed = new ArrayList<>();
        for (boolean stream : List.of(false, true)) {
            for (String prompt : prompts) {
                Answer plain = chat("plain", prompt, stream);
                Answer withShadow = chat("shadow-timing", prompt, stream);
                assertThat(withShadow.content())
                        .as("%s (stream %s)", prompt, stream)
                        .isEqualTo(plain.content())
                        .isNotEmpty();
                assertThat(withShadow.millis())
                        .as("latency of %s (stream %s), the shadow tier taking %s", prompt, stream, LEGACY_DELAY)
                        .isLessThan(LEGACY_DELAY.toMillis() / 2);
                assertNothingInternalReachedTheClient(withShadow);
                shadowed.add(withShadow.requestId());
            }
        }
        try {
            await().atMost(Duration.ofSeconds(90))
                    .until(() -> shadowRows("shadow-timing").size() == shadowed.size());
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError(
                    "rows " + shadowRows("shadow-timing") + "\nview " + shadowView("shadow-timing") + "\nlegacy got "
                            + legacy.received().size(),
                    e);
        }
        List<Map<String, Object>> rows = shadowRows("shadow-timing");
        assertThat(rows).extracting(r -> r.get("request_id")).containsExactlyInAnyOrderElementsOf(shadowed);
        for (Map<String, Object> row : rows) {
            assertThat(row.get("served_tier")).isEqualTo("local");
            assertThat(row.get("shadow_tier")).isEqualTo("legacy");
            assertThat(row.get("judge")).isEqualTo("exact");
            // the tiny model's words are never the mock's one word
            assertThat(row.get("verdict")).isEqualTo("not_acceptable");
            assertThat((BigDecimal) row.get("cost_usd")).isEqualByComparingTo(LEGACY_CALL);
            assertThat(row.get("usage_estimated")).isEqualTo(false);
            assertThat(((Number) row.get("prompt_tokens")).longValue()).isEqualTo(21);
            assertThat(((Number) row.get("completion_tokens")).longValue()).isEqualTo(9);
            assertThat(((Number) row.get("latency_ms")).longValue()).isGreaterThanOrEqualTo(LEGACY_DELAY.toMillis());
        }
        // Shadow calls are never billed to the tenant: the requests' own cost is the local tier's.
        for (String id : shadowed) {
            BigDecimal cost =
                    jdbc.queryForObject("SELECT cost_usd FROM ledger_request WHERE id = ?", BigDecimal.class, id);
            assertThat(cost).isEqualByComparingTo("0.02");
        }
        // No upstream streamed: the shadow call asks for one JSON answer even when the client streamed.
        assertThat(legacy.received())
                .allSatisfy(r -> assertThat(r.body().replace(" ", "")).doesNotContain("\"stream\":true"));
    }

    @Test
    void comparisonsStopExactlyWhenTheNextCouldPassTheDailyShadowBudget() {
        // $3.70 a day at $1.214 a legacy answer (reserved at about $1.18: the prompt's estimated tokens and 8
        // completion
        // tokens): three comparisons, then every other one is skipped.
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Answer a = chat("shadow-budget", "Budget question number " + i + ".", i % 2 == 1);
            assertThat(a.millis()).isLessThan(LEGACY_DELAY.toMillis() / 2);
            ids.add(a.requestId());
        }
        await().atMost(Duration.ofSeconds(60))
                .until(() -> shadowRows("shadow-budget").size() == 3);
        JsonNode view = shadowView("shadow-budget");
        assertThat(view.path("skipped_since_start").path("budget").asLong()).isEqualTo(2);
        // nothing more arrives: the two skipped comparisons were never queued
        await().pollDelay(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).until(() -> true);
        assertThat(shadowRows("shadow-budget")).hasSize(3);
        assertThat(shadowRows("shadow-budget"))
                .extracting(r -> r.get("request_id"))
                .containsExactlyInAnyOrderElementsOf(ids.subList(0, 3));
        view = shadowView("shadow-budget");
        BigDecimal spent = LEGACY_CALL.multiply(BigDecimal.valueOf(3));
        assertThat(view.path("today").path("spent_usd").decimalValue()).isEqualByComparingTo(spent);
        assertThat(view.path("today").path("budget_usd").decimalValue()).isEqualByComparingTo("3.70");
        assertThat(view.path("today").path("remaining_usd").decimalValue())
                .isEqualByComparingTo(new BigDecimal("3.70").subtract(spent));
        assertThat(view.path("rules").path("judge").asString()).isEqualTo("structural");
        assertThat(view.path("verdicts").path("not_acceptable").asLong()).isEqualTo(3);
        String metrics = gateway.management()
                .get()
                .uri("/actuator/prometheus")
                .exchange()
                .expectBody(String.class)
                .returnResult()
                .getResponseBody();
        assertThat(metrics)
                .containsPattern(
                        "burstgate_shadow_skipped_total\\{[^}]*policy=\"shadow-budget\"[^}]*why=\"budget\"[^}]*\\} 2\\.0")
                .containsPattern(
                        "burstgate_shadow_calls_total\\{[^}]*policy=\"shadow-budget\"[^}]*tier=\"legacy\"[^}]*verdict=\"not_acceptable\"[^}]*\\} 3\\.0")
                .containsPattern("burstgate_shadow_spend_usd_total\\{[^}]*policy=\"shadow-budget\"[^}]*\\} 3\\.642");
    }

    @Test
    void aJudgeTierGivesTheVerdictFromItsRubricAnswerAndIsPricedAsAShadowCall() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Answer a = chat("shadow-judged", "Judged question " + i + ".", false);
            assertThat(a.millis()).isLessThan(LEGACY_DELAY.toMillis() / 2);
            assertNothingInternalReachedTheClient(a);
            ids.add(a.requestId());
        }
        await().atMost(Duration.ofSeconds(90))
                .until(() -> shadowRows("shadow-judged").size() == 2);
        for (Map<String, Object> row : shadowRows("shadow-judged")) {
            assertThat(row.get("judge")).isEqualTo("tier:legacy");
            // the answers differ, and still the judge's rubric answer ("ACCEPTABLE") is the verdict
            assertThat(row.get("verdict")).isEqualTo("acceptable");
            // the judge's rubric answer is a legacy answer too: priced from the tokens the mock reports
            assertThat((BigDecimal) row.get("cost_usd")).isEqualByComparingTo(LEGACY_CALL.multiply(BigDecimal.TWO));
            assertThat((BigDecimal) row.get("judge_cost_usd")).isEqualByComparingTo(LEGACY_CALL);
        }
        assertThat(legacy.received())
                .filteredOn(r -> r.body().contains("Judged question"))
                .filteredOn(r -> r.body().contains("NOT_ACCEPTABLE") && r.body().contains("CANDIDATE:"))
                .hasSize(2);
        JsonNode view = shadowView("shadow-judged");
        assertThat(view.path("verdicts").path("acceptable").asLong()).isEqualTo(2);
        assertThat(view.path("p_acceptable").path("value").asDouble()).isEqualTo(1.0);
        assertThat(view.path("p_acceptable").path("lower").asDouble()).isBetween(0.0, 1.0);
        long inBuckets = 0;
        for (JsonNode b : view.path("by_score")) {
            inBuckets += b.path("acceptable").asLong();
        }
        assertThat(inBuckets).isEqualTo(2);
        assertThat(view.path("today").path("spent_usd").decimalValue())
                .isEqualByComparingTo(LEGACY_CALL.multiply(BigDecimal.valueOf(4)));
        assertThat(JudgeRubric.SYSTEM).contains("NOT_ACCEPTABLE");
    }

    @Test
    void theCostSummaryMeasuresTheBaselineWithTheTokensLegacyReportedForTheShadowedRequests() {
        legacy.delayingAnswers(Duration.ZERO);
        List<String> prompts = List.of(
                "Hi.",
                "Name three colours of the rainbow, please.",
                "Count to five.",
                "What is the capital of France? Answer in one word only.",
                "Say yes.",
                "Write a short greeting for a friend who has just moved to a new city far away.");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            ids.add(chat("shadow-savings", prompts.get(i), i % 2 == 1).requestId());
        }
        await().atMost(Duration.ofSeconds(60))
                .until(() -> shadowRows("shadow-savings").size() == ids.size()
                        && jdbc.queryForObject(
                                        "SELECT COUNT(*) FROM ledger_request WHERE policy = 'shadow-savings'",
                                        Long.class)
                                == ids.size());
        assertThat(shadowRows("shadow-savings")).allSatisfy(row -> {
            assertThat(row.get("shadow_tier")).isEqualTo("legacy");
            assertThat(row.get("usage_estimated")).isEqualTo(false);
        });

        // Computed here: the recorded baseline prices the gateway's own token counts, legacy charged for the mock's.
        BigDecimal assumed = BigDecimal.ZERO;
        BigDecimal measured = BigDecimal.ZERO;
        BigDecimal recordedSaving = BigDecimal.ZERO;
        for (Map<String, Object> row : jdbc.queryForList(
                "SELECT prompt_tokens, completion_tokens, baseline_usd, saving_usd FROM ledger_request "
                        + "WHERE policy = 'shadow-savings'")) {
            Usage own = new Usage(
                    ((Number) row.get("prompt_tokens")).longValue(),
                    ((Number) row.get("completion_tokens")).longValue());
            assertThat(own).isNotEqualTo(LEGACY_USAGE);
            BigDecimal baseline = LEGACY_PRICE.cost(own).amount();
            assertThat((BigDecimal) row.get("baseline_usd")).isEqualByComparingTo(baseline);
            assumed = assumed.add(baseline);
            measured = measured.add(LEGACY_CALL);
            recordedSaving = recordedSaving.add((BigDecimal) row.get("saving_usd"));
        }
        BigDecimal ratio = measured.divide(assumed, java.math.MathContext.DECIMAL128);
        BigDecimal expectedBaseline = assumed.multiply(ratio);
        BigDecimal expectedSaving = recordedSaving.add(expectedBaseline.subtract(assumed));

        String from = START.minus(Duration.ofDays(1)).toString();
        String to = Instant.now().plus(Duration.ofDays(1)).toString();
        JsonNode summary = json.readTree(client.get()
                .uri("/admin/costs/summary?groupBy=policy&from=" + from + "&to=" + to)
                .header("Authorization", "Bearer " + ADMIN_KEY)
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody(String.class)
                .returnResult()
                .getResponseBody());
        JsonNode group = null;
        for (JsonNode g : summary.path("groups")) {
            if (g.path("policy").asString().equals("shadow-savings")) {
                group = g;
            }
        }
        assertThat(group).as("the shadow-savings group in %s", summary).isNotNull();
        assertThat(group.path("requests").asLong()).isEqualTo(ids.size());
        assertThat(group.path("baseline_usd").decimalValue()).isEqualByComparingTo(assumed);
        JsonNode m = group.path("measured_baseline");
        BigDecimal nanoDollar = new BigDecimal("0.000000001");
        assertThat(m.path("samples").asLong()).isEqualTo(ids.size());
        assertThat(m.path("ratio").decimalValue())
                .isCloseTo(ratio, org.assertj.core.data.Offset.offset(new BigDecimal("0.000001")));
        assertThat(m.path("baseline_usd").decimalValue())
                .isCloseTo(expectedBaseline, org.assertj.core.data.Offset.offset(nanoDollar));
        assertThat(m.path("saving_usd").decimalValue())
                .isCloseTo(expectedSaving, org.assertj.core.data.Offset.offset(nanoDollar));
        // The recorded baseline was not what legacy would have charged.
        assertThat(m.path("baseline_usd").decimalValue()).isNotEqualByComparingTo(assumed);
        // An interval around it: the requests' ratios differ (the tiny model's counts vary, the mock's do not).
        assertThat(m.path("ratio_low").decimalValue())
                .isLessThan(m.path("ratio").decimalValue());
        assertThat(m.path("ratio_high").decimalValue())
                .isGreaterThan(m.path("ratio").decimalValue());
        assertThat(m.path("baseline_low_usd").decimalValue())
                .isLessThan(m.path("baseline_usd").decimalValue());
        assertThat(m.path("baseline_high_usd").decimalValue())
                .isGreaterThan(m.path("baseline_usd").decimalValue());
        assertThat(m.path("saving_low_usd").decimalValue())
                .isLessThan(m.path("saving_usd").decimalValue());
        assertThat(m.path("saving_high_usd").decimalValue())
                .isGreaterThan(m.path("saving_usd").decimalValue());
        assertThat(m.path("baseline_low_usd").decimalValue())
                .isCloseTo(
                        assumed.multiply(m.path("ratio_low").decimalValue()),
                        org.assertj.core.data.Offset.offset(assumed.multiply(new BigDecimal("0.000001"))));
    }

    @Test
    void theShadowViewIsAdminOnlyAndNamesAnUnknownPolicy() {
        client.get()
                .uri("/admin/policies/plain/shadow")
                .header("Authorization", "Bearer " + KEY)
                .exchange()
                .expectStatus()
                .value(status -> assertThat(status).isIn(401, 403));
        client.get()
                .uri("/admin/policies/nope/shadow")
                .header("Authorization", "Bearer " + ADMIN_KEY)
                .exchange()
                .expectStatus()
                .isNotFound()
                .expectBody()
                .jsonPath("$.error.code")
                .isEqualTo("policy_not_found");
        JsonNode plain = shadowView("plain");
        assertThat(plain.path("enabled").asBoolean()).isFalse();
        assertThat(plain.path("by_score")).hasSize(10);
    }
}
