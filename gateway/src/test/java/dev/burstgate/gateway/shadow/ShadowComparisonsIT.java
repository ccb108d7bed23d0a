package dev.burstgate.gateway.shadow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.burstgate.gateway.testsupport.GatewayIT;
import dev.burstgate.gateway.testsupport.GatewayIT.Tenant;
import dev.burstgate.gateway.testsupport.PaidApiMock;
import dev.burstgate.gateway.testsupport.Sse;
import dev.burstgate.gateway.testsupport.TestGateway;
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
 * gives its verdict from the mock's rubric answer; {@code /admin/policies/{name}/shadow} shows it all.
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
                        allowedPolicies = "shadow-timing,shadow-budget,shadow-judged",
                        requestsPerSecond = 1000),
        adminKey = ShadowComparisonsIT.ADMIN_KEY,
        properties = {
            "burstgate.shadow.workers=2",
            "burstgate.ledger.flush-interval=20ms",
            // a cache hit is never shadowed: every answer here must come from the local tier
            "burstgate.cache.enabled=false"
        })
class ShadowComparisonsIT {

    static final String KEY = "sk-shadow-acme";
    static final String ADMIN_KEY = "sk-shadow-admin";
    static final Duration LEGACY_DELAY = Duration.ofSeconds(3);
    /** The legacy mock's answer: also a judge's one-word verdict. */
    static final String LEGACY_ANSWER = "ACCEPTABLE";

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
        legacy = gateway.legacy().answering(LEGACY_ANSWER, 21, 9).delayingAnswers(LEGACY_DELAY);
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
            assertThat((BigDecimal) row.get("cost_usd")).isEqualByComparingTo("1.10");
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
        // $3.30 a day at $1.10 a legacy answer: three comparisons, then every other one is skipped.
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
        assertThat(view.path("today").path("spent_usd").decimalValue()).isEqualByComparingTo("3.30");
        assertThat(view.path("today").path("budget_usd").decimalValue()).isEqualByComparingTo("3.30");
        assertThat(view.path("today").path("remaining_usd").decimalValue()).isEqualByComparingTo("0");
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
                .containsPattern("burstgate_shadow_spend_usd_total\\{[^}]*policy=\"shadow-budget\"[^}]*\\} 3\\.3");
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
            assertThat((BigDecimal) row.get("cost_usd")).isEqualByComparingTo("2.20");
            assertThat((BigDecimal) row.get("judge_cost_usd")).isEqualByComparingTo("1.10");
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
        assertThat(view.path("today").path("spent_usd").decimalValue()).isEqualByComparingTo("4.40");
        assertThat(JudgeRubric.SYSTEM).contains("NOT_ACCEPTABLE");
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
