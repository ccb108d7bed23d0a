package dev.burstgate.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.burstgate.gateway.testsupport.GatewayIT;
import dev.burstgate.gateway.testsupport.GatewayIT.Tenant;
import dev.burstgate.gateway.testsupport.PaidApiMock;
import dev.burstgate.gateway.testsupport.TestGateway;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every kind of bad input gets its status and an OpenAI-shaped error body, over real HTTP, and none of it reaches an
 * upstream. The legacy tier is an HTTP mock; the other tiers are disabled so nothing else is started.
 */
@GatewayIT(
        tenants = {
            @Tenant(name = "acme", key = BadInputIT.KEY, policy = "quality-first"),
            @Tenant(name = "other", key = BadInputIT.OTHER_KEY, requestsPerSecond = 2)
        },
        adminKey = "sk-admin",
        properties = {"burstgate.tiers.legacy.api-key=sk-upstream-secret", "burstgate.limits.max-body-size=4KB"})
class BadInputIT {

    static final String KEY = "sk-test-acme";
    static final String OTHER_KEY = "sk-test-other";

    @Autowired
    JsonMapper json;

    PaidApiMock legacy;
    WebTestClient client;

    @BeforeEach
    void setUp(TestGateway gateway) {
        client = gateway.client();
        legacy = gateway.legacy();
    }

    private JsonNode error(WebTestClient.ResponseSpec spec, int status) {
        byte[] body = spec.expectStatus()
                .isEqualTo(status)
                .expectHeader()
                .contentTypeCompatibleWith(MediaType.APPLICATION_JSON)
                .expectBody()
                .returnResult()
                .getResponseBody();
        JsonNode error = json.readTree(body).path("error");
        assertThat(error.isObject()).as("OpenAI error shape").isTrue();
        assertThat(error.has("message") && error.has("type") && error.has("param") && error.has("code"))
                .isTrue();
        return error;
    }

    private WebTestClient.ResponseSpec post(String body) {
        return client.post()
                .uri("/v1/chat/completions")
                .header("Authorization", "Bearer " + KEY)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body)
                .exchange();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
      invalid JSON             | {"messages":[                                                       | invalid_json
      empty body               | ' '                                                                 | invalid_json
      missing messages         | {"model":"auto"}                                                    | missing_required_parameter
      empty messages           | {"messages":[]}                                                     | invalid_value
      wrong type               | {"messages":"hello"}                                                | invalid_type
      unknown model            | {"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}      | model_not_found
      unsupported parameter    | {"n":2,"stream":true,"messages":[{"role":"user","content":"hi"}]}   | unsupported_parameter
      image forced to local    | {"model":"local","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:,"}}]}]} | unsupported_by_tiers
      bad tool                 | {"tools":[{"type":"function","function":{"name":"a b"}}],"messages":[{"role":"user","content":"hi"}]} | invalid_value
      unknown parameter        | {"frobnicate":1,"messages":[{"role":"user","content":"hi"}]}        | unknown_parameter
      empty stop               | {"stop":"","messages":[{"role":"user","content":"hi"}]}             | invalid_value
      empty stop in a list     | {"stop":["a",""],"messages":[{"role":"user","content":"hi"}]}       | invalid_value
      n past 64 bits           | {"n":9223372036854775808,"messages":[{"role":"user","content":"hi"}]} | invalid_value
      n too large              | {"n":129,"messages":[{"role":"user","content":"hi"}]}               | invalid_value
      max_tokens past 32 bits  | {"max_tokens":2147483648,"messages":[{"role":"user","content":"hi"}]} | invalid_value
      seed past 64 bits        | {"seed":-9223372036854775809,"messages":[{"role":"user","content":"hi"}]} | invalid_value
      duplicate key            | {"model":"legacy","model":"cloud","messages":[{"role":"user","content":"hi"}]} | invalid_json
      """)
    void rejectsBadBodiesWith400AndATypedError(String what, String body, String code) {
        JsonNode error = error(post(body.strip()), 400);
        assertThat(error.path("message").asString())
                .as(what)
                .doesNotContain("jackson", "Jackson", "Exception", "StreamReadConstraints", "tools.", "com.");
        assertThat(error.path("type").asString()).isEqualTo("invalid_request_error");
        assertThat(error.path("code").asString()).as(what).isEqualTo(code);
        assertThat(legacy.received()).isEmpty();
    }

    @Test
    void namesTheFieldAndItsRangeForAnOutOfRangeNumber() {
        JsonNode error =
                error(post("{\"max_tokens\":2147483648,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"), 400);
        assertThat(error.path("param").asString()).isEqualTo("max_tokens");
        assertThat(error.path("message").asString()).isEqualTo("'max_tokens' must be between 1 and 2147483647.");
        error = error(post("{\"n\":9223372036854775808,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"), 400);
        assertThat(error.path("message").asString()).isEqualTo("'n' must be between 1 and 128.");
    }

    @Test
    void refusesADuplicateKeyInsteadOfTakingTheLastValue() {
        JsonNode error = error(
                post(
                        "{\"model\":\"legacy\",\"model\":\"cloud\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"),
                400);
        assertThat(error.path("message").asString()).contains("'model' more than once");
    }

    @Test
    void describesJsonPastItsLimitsWithoutNamingTheParser() {
        String deep = "[".repeat(1900) + "]".repeat(1900); // deeper than the parser allows, within the 4 KB limit
        JsonNode error = error(post("{\"messages\":" + deep + "}"), 400);
        assertThat(error.path("message").asString())
                .startsWith("Request body exceeds a JSON limit")
                .doesNotContain("StreamReadConstraints", "tools.jackson");
    }

    @Test
    void refusesABodyThatIsNotJsonWith415() {
        JsonNode error = error(
                client.post()
                        .uri("/v1/chat/completions")
                        .header("Authorization", "Bearer " + KEY)
                        .contentType(MediaType.APPLICATION_FORM_URLENCODED)
                        .bodyValue("messages=hi")
                        .exchange(),
                415);
        assertThat(error.path("code").asString()).isEqualTo("unsupported_media_type");
        error(
                client.put()
                        .uri("/admin/budgets/acme")
                        .header("Authorization", "Bearer sk-admin")
                        .contentType(MediaType.TEXT_PLAIN)
                        .bodyValue("{\"daily_usd\":1}")
                        .exchange(),
                415);
        assertThat(legacy.received()).isEmpty();
    }

    @Test
    void answersAWrongMethodWith405AndAllow() {
        client.get()
                .uri("/v1/chat/completions")
                .header("Authorization", "Bearer " + KEY)
                .exchange()
                .expectStatus()
                .isEqualTo(405)
                .expectHeader()
                .valueEquals("Allow", "POST");
        client.delete()
                .uri("/v1/models")
                .header("Authorization", "Bearer " + KEY)
                .exchange()
                .expectStatus()
                .isEqualTo(405)
                .expectHeader()
                .valueEquals("Allow", "GET, HEAD");
    }

    @Test
    void neitherEchoesNorAcceptsALongPolicyHeader() {
        String longName = "p".repeat(7 * 1024);
        WebTestClient.ResponseSpec spec = client.post()
                .uri("/v1/chat/completions")
                .header("Authorization", "Bearer " + KEY)
                .header("X-Burstgate-Policy", longName)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
                .exchange();
        JsonNode error = error(spec, 400);
        assertThat(error.toString()).doesNotContain("ppppp");
    }

    @Test
    void namesNoTierOnAnErrorNoTierAnswered() {
        legacy.always(PaidApiMock.Behavior.STATUS_500);
        try {
            post("{\"model\":\"legacy\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
                    .expectStatus()
                    .isEqualTo(502)
                    .expectHeader()
                    .doesNotExist("X-Burstgate-Tier")
                    .expectHeader()
                    .doesNotExist("X-Burstgate-Cost-Usd")
                    .expectHeader()
                    .exists("X-Burstgate-Request-Id");
        } finally {
            legacy.always(PaidApiMock.Behavior.ANSWER);
        }
    }

    @Test
    void listsTheValidModelsWhenTheModelIsUnknown() {
        JsonNode error =
                error(post("{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"), 400);
        assertThat(error.path("param").asString()).isEqualTo("model");
        assertThat(error.path("message").asString()).contains("auto", "local", "cloud", "legacy");
    }

    @Test
    void rejectsABodyOverTheSizeLimitWith413() {
        String big = "{\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(8 * 1024) + "\"}]}";
        JsonNode error = error(post(big), 413);
        assertThat(error.path("code").asString()).isEqualTo("request_too_large");
    }

    @Test
    void rejectsAMissingKeyWith401() {
        JsonNode error = error(
                client.post()
                        .uri("/v1/chat/completions")
                        .contentType(MediaType.APPLICATION_JSON)
                        .bodyValue("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
                        .exchange(),
                401);
        assertThat(error.path("type").asString()).isEqualTo("authentication_error");
    }

    @Test
    void rejectsAWrongKeyWith401WithoutEchoingIt() {
        JsonNode error = error(
                client.post()
                        .uri("/v1/chat/completions")
                        .header("Authorization", "Bearer sk-wrong-12345")
                        .contentType(MediaType.APPLICATION_JSON)
                        .bodyValue("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
                        .exchange(),
                401);
        assertThat(error.toString()).doesNotContain("sk-wrong-12345");
    }

    @Test
    void guardsTheModelsListWithTheKeyToo() {
        error(client.get().uri("/v1/models").exchange(), 401);
    }

    @Test
    void rateLimitsATenantWith429() {
        int limited = 0;
        for (int i = 0; i < 6; i++) {
            int status = client.get()
                    .uri("/v1/models")
                    .header("Authorization", "Bearer " + OTHER_KEY)
                    .exchange()
                    .returnResult(byte[].class)
                    .getStatus()
                    .value();
            if (status == 429) {
                limited++;
            }
        }
        assertThat(limited).isGreaterThan(0);
    }

    @Test
    void refusesAPolicyTheTenantMayNotUse() {
        JsonNode error = error(
                client.post()
                        .uri("/v1/chat/completions")
                        .header("Authorization", "Bearer " + KEY)
                        .header("X-Burstgate-Policy", "cost-saver")
                        .contentType(MediaType.APPLICATION_JSON)
                        .bodyValue("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
                        .exchange(),
                403);
        assertThat(error.path("message").asString()).contains("cost-saver");
    }

    @Test
    void rejectsABadLatencyHeaderWith400() {
        JsonNode error = error(
                client.post()
                        .uri("/v1/chat/completions")
                        .header("Authorization", "Bearer " + KEY)
                        .header("X-Burstgate-Max-Latency-Ms", "soon")
                        .contentType(MediaType.APPLICATION_JSON)
                        .bodyValue("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
                        .exchange(),
                400);
        assertThat(error.path("param").asString()).isEqualTo("X-Burstgate-Max-Latency-Ms");
    }

    @Test
    void answersUnknownPathsWithAnOpenAiShaped404() {
        error(
                client.get()
                        .uri("/v1/nothing")
                        .header("Authorization", "Bearer " + KEY)
                        .exchange(),
                404);
    }

    @Test
    void keepsTheAdminApiBehindTheAdminKey() {
        error(client.get().uri("/admin/policies").exchange(), 401);
        error(
                client.get()
                        .uri("/admin/policies")
                        .header("Authorization", "Bearer " + KEY)
                        .exchange(),
                403);
        client.get()
                .uri("/admin/policies")
                .header("Authorization", "Bearer sk-admin")
                .exchange()
                .expectStatus()
                .isOk();
    }

    @Test
    void injectsTheUpstreamKeyAndNeverForwardsTheClientKey() {
        client.post()
                .uri("/v1/chat/completions")
                .header("Authorization", "Bearer " + KEY)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of(
                        "model", "legacy", "messages", java.util.List.of(Map.of("role", "user", "content", "hi"))))
                .exchange()
                .expectStatus()
                .isOk()
                .expectHeader()
                .valueEquals("X-Burstgate-Tier", "legacy")
                .expectBody()
                .jsonPath("$.usage.cost")
                .isEqualTo(1.1);
        assertThat(legacy.received()).singleElement().satisfies(r -> {
            assertThat(r.headers().get("authorization")).isEqualTo("Bearer sk-upstream-secret");
            assertThat(r.body()).doesNotContain(KEY);
        });
    }
}
