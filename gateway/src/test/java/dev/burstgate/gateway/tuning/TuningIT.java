package dev.burstgate.gateway.tuning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.burstgate.gateway.api.ChatCompletionRequest;
import dev.burstgate.gateway.shadow.ShadowRunner;
import dev.burstgate.gateway.testsupport.GatewayIT;
import dev.burstgate.gateway.testsupport.GatewayIT.Tenant;
import dev.burstgate.gateway.testsupport.TestGateway;
import dev.burstgate.gateway.tier.AnswerConfidence;
import dev.burstgate.gateway.tier.TierBackend;
import dev.burstgate.gateway.tier.UpstreamChunk;
import dev.burstgate.policies.Tier;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.core.publisher.Flux;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Tuned thresholds in a whole gateway. The policy {@code tuned} sends scores below 0.9 to the local tier (the
 * generated tiny model) and compares every local answer with legacy (a paid-API mock) by exact match, which the tiny
 * model never meets: every verdict is "not acceptable", so the cheapest {@code cloud-at} that holds 0.95 is 0, and
 * auto-apply (every second, from 6 verdicts) puts it in force. The verdicts come from real shadow comparisons, not
 * seeded rows.
 *
 * <p>The policy {@code cascaded} sends everything to the local tier (cloud is not allowed) under a cascade on
 * confidence that escalates to legacy. The in-process engine measures no confidence, so the local tier here is wrapped
 * to report a fixed one per prompt ({@link #CONFIDENCE}); everything else is the gateway's own path: the cascade keeps
 * or escalates by it, the kept answers are compared with legacy, and the verdicts carry it into tuning, which, every
 * kept answer missing legacy's, raises {@code escalate-below} from 0.2 to 1 (escalate everything).
 */
@GatewayIT(
        localTier = true,
        cloudMock = true,
        tenants =
                @Tenant(
                        name = "acme",
                        key = TuningIT.KEY,
                        policy = "tuned",
                        allowedPolicies = "tuned,tuned-by-hand,cascaded",
                        requestsPerSecond = 1000),
        adminKey = TuningIT.ADMIN_KEY,
        properties = {"burstgate.shadow.workers=1", "burstgate.cache.enabled=false"})
class TuningIT {

    static final String KEY = "sk-tuning-acme";
    static final String ADMIN_KEY = "sk-tuning-admin";
    static final List<String> PROMPTS =
            List.of("Name a colour.", "Count to three.", "Say hello.", "What is two plus two?", "Name a fruit.");

    /** The confidence the local tier reports for each prompt of {@link #PROMPTS}. */
    static final Map<String, Double> CONFIDENCE = Map.of(
            "Name a colour.", 0.3,
            "Count to three.", 0.35,
            "Say hello.", 0.45,
            "What is two plus two?", 0.6,
            "Name a fruit.", 0.7);

    @TestConfiguration(proxyBeanMethods = false)
    static class LocalConfidence {
        /** Wraps the local tier so that its answers carry the confidence of their prompt. */
        @Bean
        static BeanPostProcessor scoredLocalTier() {
            return new BeanPostProcessor() {
                @Override
                public Object postProcessAfterInitialization(Object bean, String name) {
                    return bean instanceof TierBackend b && b.tier() == Tier.LOCAL ? new Scored(b) : bean;
                }
            };
        }
    }

    /** A tier that answers as its delegate, with the confidence {@link #CONFIDENCE} gives the last message. */
    record Scored(TierBackend delegate) implements TierBackend {
        @Override
        public Tier tier() {
            return delegate.tier();
        }

        @Override
        public boolean available() {
            return delegate.available();
        }

        @Override
        public boolean simulated() {
            return delegate.simulated();
        }

        @Override
        public String model() {
            return delegate.model();
        }

        @Override
        public Flux<UpstreamChunk> call(ChatCompletionRequest request, String requestId) {
            return delegate.call(request, requestId);
        }

        @Override
        public boolean measuresConfidence() {
            return true;
        }

        @Override
        public Flux<UpstreamChunk> callScored(ChatCompletionRequest request, String requestId) {
            String prompt = request.messages().getLast().content();
            double p = CONFIDENCE.getOrDefault(prompt, 0.5);
            AnswerConfidence confidence = new AnswerConfidence(8, p, p, 1.0);
            return delegate.call(request, requestId).map(c -> new UpstreamChunk(c.endpoint(), c.json(), confidence));
        }
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry r) {
        r.add("burstgate.policies-dir", TuningIT::policiesDir);
    }

    static String policiesDir() {
        try {
            return Path.of(TuningIT.class.getResource("/policies-tuning").toURI())
                    .toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Autowired
    JsonMapper json;

    @Autowired
    ShadowRunner runner;

    WebTestClient client;

    @BeforeEach
    void setUp(TestGateway gateway) {
        gateway.legacy().answering("ACCEPTABLE", 21, 9);
        gateway.cloud().answering("From the cloud.", 21, 9);
        client = gateway.client(Duration.ofSeconds(60));
        await().atMost(Duration.ofSeconds(30)).until(runner::ready);
    }

    EntityExchangeResult<String> chat(String policy, String prompt) {
        String body = "{\"model\":\"auto\",\"max_tokens\":8,\"temperature\":0,\"seed\":7,"
                + "\"messages\":[{\"role\":\"user\",\"content\":" + json.writeValueAsString(prompt) + "}]}";
        return client.post()
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
    }

    static String reason(EntityExchangeResult<String> r) {
        return r.getResponseHeaders().getFirst("X-Burstgate-Reason");
    }

    EntityExchangeResult<String> admin(HttpMethod method, String path, String key) {
        return client.method(method)
                .uri(path)
                .header("Authorization", "Bearer " + key)
                .exchange()
                .expectBody(String.class)
                .returnResult();
    }

    JsonNode ok(HttpMethod method, String path) {
        EntityExchangeResult<String> r = admin(method, path, ADMIN_KEY);
        assertThat(r.getStatus().value())
                .as(method + " " + path + ": " + r.getResponseBody())
                .isEqualTo(200);
        return json.readTree(r.getResponseBody());
    }

    JsonNode listed(String name) {
        for (JsonNode p : ok(HttpMethod.GET, "/admin/policies").path("policies")) {
            if (p.path("name").asString().equals(name)) {
                return p;
            }
        }
        throw new AssertionError("policy " + name + " not listed");
    }

    long version() {
        return listed("tuned").path("version").asLong();
    }

    @Test
    void autoApplyChangesTheLiveThresholdsTheAuditShowsItAndRollbackRestoresThem() {
        long v0 = version();
        assertThat(listed("tuned").path("thresholds_tuned").asBoolean()).isFalse();
        JsonNode before = ok(HttpMethod.GET, "/admin/policies/tuned/tuning");
        assertThat(before.path("current").path("cloud_at").asDouble()).isEqualTo(0.9);
        assertThat(before.path("auto_apply").asBoolean()).isTrue();

        // Verdicts until auto-apply moves the thresholds: each answer before that is local, under the file's 0.90.
        int sent = 0;
        while (version() == v0 && sent < 40) {
            EntityExchangeResult<String> r = chat("tuned", PROMPTS.get(sent % PROMPTS.size()));
            sent++;
            if (version() == v0
                    && r.getResponseHeaders().getFirst("X-Burstgate-Tier").equals("local")) {
                assertThat(reason(r)).matches("score 0\\.\\d\\d < 0\\.90 -> local");
            }
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> version() > v0);
        long applied = version();
        assertThat(listed("tuned").path("thresholds_tuned").asBoolean()).isTrue();

        EntityExchangeResult<String> tuned = chat("tuned", "Say hello.");
        assertThat(reason(tuned)).matches("score 0\\.\\d\\d >= 0\\.00 -> cloud");
        assertThat(tuned.getResponseHeaders().getFirst("X-Burstgate-Tier")).isEqualTo("cloud");

        JsonNode report = ok(HttpMethod.GET, "/admin/policies/tuned/tuning");
        assertThat(report.path("tuned").asBoolean()).isTrue();
        assertThat(report.path("current").path("cloud_at").asDouble()).isZero();
        assertThat(report.path("current").path("legacy_at").asDouble()).isEqualTo(0.95);
        assertThat(report.path("samples").asLong()).isGreaterThanOrEqualTo(6);
        assertThat(report.path("last_applied").path("by").asString()).isEqualTo("auto");

        List<JsonNode> trail = entries();
        assertThat(trail).hasSize(1);
        JsonNode apply = trail.getFirst();
        assertThat(apply.path("action").asString()).isEqualTo("apply");
        assertThat(apply.path("by").asString()).isEqualTo("auto");
        assertThat(apply.path("from").path("cloud-at").asDouble()).isEqualTo(0.9);
        assertThat(apply.path("to").path("cloud-at").asDouble()).isZero();
        assertThat(apply.path("samples").asLong()).isGreaterThanOrEqualTo(6);
        assertThat(apply.path("estimate").path("cloud-at").path("lower").isNumber())
                .isTrue();
        assertThat(apply.path("version").asLong()).isEqualTo(applied);

        JsonNode rollback = ok(HttpMethod.POST, "/admin/policies/tuned/tuning/rollback");
        assertThat(rollback.path("action").asString()).isEqualTo("rollback");
        assertThat(version()).isEqualTo(applied + 1);
        assertThat(listed("tuned").path("thresholds_tuned").asBoolean()).isFalse();
        EntityExchangeResult<String> restored = chat("tuned", "Say hello.");
        assertThat(reason(restored)).matches("score 0\\.\\d\\d < 0\\.90 -> local");
        trail = entries();
        assertThat(trail).hasSize(2);
        assertThat(trail.get(1).path("action").asString()).isEqualTo("rollback");
        assertThat(trail.get(1).path("by").asString()).isEqualTo("admin");
        assertThat(trail.get(1).path("from").path("cloud-at").asDouble()).isZero();
        assertThat(trail.get(1).path("to").path("cloud-at").asDouble()).isEqualTo(0.9);

        // The proposal rolled back is not brought back by auto-apply, which evaluates every second.
        await().pollDelay(Duration.ofMillis(2500)).atMost(Duration.ofSeconds(5)).until(() -> true);
        assertThat(version()).isEqualTo(applied + 1);
        assertThat(entries()).hasSize(2);

        // An admin may still apply it by hand, and roll it back again.
        JsonNode byHand = ok(HttpMethod.POST, "/admin/policies/tuned/tuning/apply");
        assertThat(byHand.path("by").asString()).isEqualTo("admin");
        assertThat(reason(chat("tuned", "Say hello."))).matches("score 0\\.\\d\\d >= 0\\.00 -> cloud");
        ok(HttpMethod.POST, "/admin/policies/tuned/tuning/rollback");
        assertThat(reason(chat("tuned", "Say hello."))).matches("score 0\\.\\d\\d < 0\\.90 -> local");
        assertThat(version()).isEqualTo(applied + 3);

        EntityExchangeResult<String> nothing =
                admin(HttpMethod.POST, "/admin/policies/tuned/tuning/rollback", ADMIN_KEY);
        assertThat(nothing.getStatus().value()).isEqualTo(409);
        assertThat(json.readTree(nothing.getResponseBody())
                        .path("error")
                        .path("code")
                        .asString())
                .isEqualTo("nothing_to_roll_back");
    }

    @Test
    void autoApplyChangesTheLiveEscalateBelowTheAuditShowsItAndRollbackRestoresIt() {
        long v0 = listed("cascaded").path("version").asLong();
        JsonNode before = ok(HttpMethod.GET, "/admin/policies/cascaded/tuning");
        assertThat(before.path("current").path("escalate_below").asDouble()).isEqualTo(0.2);
        // 0.45 >= 0.20: the cascade keeps the local answer
        EntityExchangeResult<String> kept = chat("cascaded", "Say hello.");
        assertThat(kept.getResponseHeaders().getFirst("X-Burstgate-Tier")).isEqualTo("local");

        // Every kept local answer misses legacy's: the cheapest escalate-below that holds 0.95 escalates everything.
        int sent = 0;
        while (listed("cascaded").path("version").asLong() == v0 && sent < 40) {
            chat("cascaded", PROMPTS.get(sent % PROMPTS.size()));
            sent++;
        }
        await().atMost(Duration.ofSeconds(30))
                .until(() -> listed("cascaded").path("version").asLong() > v0);

        JsonNode report = ok(HttpMethod.GET, "/admin/policies/cascaded/tuning");
        assertThat(report.path("current").path("escalate_below").asDouble()).isEqualTo(1.0);
        assertThat(report.path("proposed").path("escalate_below").asDouble()).isEqualTo(1.0);
        assertThat(report.path("proposed").path("differs").asBoolean()).isFalse();
        JsonNode change = change(report, "escalate-below");
        assertThat(change.path("verdicts").asLong()).isGreaterThanOrEqualTo(6);
        assertThat(change.path("reason").asString()).contains("every answer escalates");

        // the live cascade escalates what it kept before: 0.70 < 1.00
        EntityExchangeResult<String> escalated = chat("cascaded", "Name a fruit.");
        assertThat(escalated.getResponseHeaders().getFirst("X-Burstgate-Tier")).isEqualTo("legacy");
        assertThat(reason(escalated)).contains("local confidence 0.70 < 1.00");

        // the discarded answer is compared with legacy's, which replaced it: a verdict for escalate-below, not cloud-at
        long escalateVerdicts = change.path("verdicts").asLong();
        long cloudVerdicts = change(report, "cloud-at").path("verdicts").asLong();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> change(ok(HttpMethod.GET, "/admin/policies/cascaded/tuning"), "escalate-below")
                                .path("verdicts")
                                .asLong()
                        > escalateVerdicts);
        assertThat(change(ok(HttpMethod.GET, "/admin/policies/cascaded/tuning"), "cloud-at")
                        .path("verdicts")
                        .asLong())
                .isEqualTo(cloudVerdicts);

        List<JsonNode> trail = entries("cascaded");
        assertThat(trail).hasSize(1);
        JsonNode apply = trail.getFirst();
        assertThat(apply.path("by").asString()).isEqualTo("auto");
        assertThat(apply.path("from").path("escalate-below").asDouble()).isEqualTo(0.2);
        assertThat(apply.path("to").path("escalate-below").asDouble()).isEqualTo(1.0);
        assertThat(apply.path("estimate").path("escalate-below").path("lower").isNumber())
                .isTrue();
        assertThat(apply.path("reason").asString()).contains("escalate-below: ");

        JsonNode rollback = ok(HttpMethod.POST, "/admin/policies/cascaded/tuning/rollback");
        assertThat(rollback.path("from").path("escalate-below").asDouble()).isEqualTo(1.0);
        assertThat(rollback.path("to").path("escalate-below").asDouble()).isEqualTo(0.2);
        assertThat(ok(HttpMethod.GET, "/admin/policies/cascaded/tuning")
                        .path("current")
                        .path("escalate_below")
                        .asDouble())
                .isEqualTo(0.2);
        assertThat(chat("cascaded", "Name a fruit.").getResponseHeaders().getFirst("X-Burstgate-Tier"))
                .isEqualTo("local");

        // the value rolled back is not brought back by auto-apply, which evaluates every second
        await().pollDelay(Duration.ofMillis(2500)).atMost(Duration.ofSeconds(5)).until(() -> true);
        assertThat(entries("cascaded")).hasSize(2);
    }

    List<JsonNode> entries() {
        return entries("tuned");
    }

    static JsonNode change(JsonNode report, String field) {
        for (JsonNode c : report.path("thresholds")) {
            if (c.path("field").asString().equals(field)) {
                return c;
            }
        }
        throw new AssertionError("no " + field + " in " + report);
    }

    List<JsonNode> entries(String policy) {
        JsonNode audit = ok(HttpMethod.GET, "/admin/policies/" + policy + "/tuning/audit");
        return java.util.stream.StreamSupport.stream(audit.path("entries").spliterator(), false)
                .toList();
    }

    @Test
    void nothingIsAppliedBelowTheMinimumSampleSize() {
        chat("tuned-by-hand", "Say hello.");
        JsonNode report = ok(HttpMethod.GET, "/admin/policies/tuned-by-hand/tuning");
        assertThat(report.path("proposed").isNull()).isTrue();
        assertThat(report.path("why_none").asString()).contains("< 1000 needed");
        assertThat(report.path("auto_apply").asBoolean()).isFalse();
        EntityExchangeResult<String> refused =
                admin(HttpMethod.POST, "/admin/policies/tuned-by-hand/tuning/apply", ADMIN_KEY);
        assertThat(refused.getStatus().value()).isEqualTo(409);
        JsonNode error = json.readTree(refused.getResponseBody()).path("error");
        assertThat(error.path("code").asString()).isEqualTo("too_few_samples");
        assertThat(error.path("message").asString()).contains("1000 needed");
        assertThat(error.path("type").asString()).isEqualTo("invalid_request_error");
        assertThat(listed("tuned-by-hand").path("version").asLong()).isEqualTo(1);
        assertThat(admin(HttpMethod.GET, "/admin/policies/nope/tuning", ADMIN_KEY)
                        .getStatus()
                        .value())
                .isEqualTo(404);
    }

    @Test
    void aKeyThatIsNotTheAdminKeyIsRefusedOnEveryTuningRoute() {
        for (String key : List.of(KEY, "sk-nobody")) {
            for (var route : List.of(
                    new Object[] {HttpMethod.GET, "/admin/policies/tuned/tuning"},
                    new Object[] {HttpMethod.GET, "/admin/policies/tuned/tuning/audit"},
                    new Object[] {HttpMethod.POST, "/admin/policies/tuned/tuning/apply"},
                    new Object[] {HttpMethod.POST, "/admin/policies/tuned/tuning/rollback"})) {
                int status = admin((HttpMethod) route[0], (String) route[1], key)
                        .getStatus()
                        .value();
                assertThat(status)
                        .as(route[0] + " " + route[1] + " with " + key)
                        .isIn(401, 403);
            }
        }
    }
}
