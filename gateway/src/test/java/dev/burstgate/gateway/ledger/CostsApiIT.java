package dev.burstgate.gateway.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.burstgate.gateway.testsupport.GatewayIT;
import dev.burstgate.gateway.testsupport.GatewayIT.Tenant;
import dev.burstgate.gateway.testsupport.TestGateway;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The cost reports over real HTTP on a running gateway with its default ledger (the embedded H2 file under
 * {@code burstgate.data-dir}, no datasource configured): answered requests show up in the summary and the request
 * list, as JSON and CSV; bad parameters are 400s naming them; the admin key guards it all.
 */
@GatewayIT(
        tenants = @Tenant(name = "acme", key = CostsApiIT.KEY, policy = "quality-first"),
        adminKey = CostsApiIT.ADMIN)
class CostsApiIT {

    static final String KEY = "sk-costs-acme";
    static final String ADMIN = "sk-costs-admin";

    @Autowired
    JsonMapper json;

    TestGateway gateway;
    WebTestClient client;

    static final Set<String> answered = new HashSet<>();

    @BeforeEach
    void setUp(TestGateway gateway) {
        this.gateway = gateway;
        client = gateway.client(Duration.ofSeconds(30));
        synchronized (answered) {
            if (answered.isEmpty()) {
                // Two answers from the legacy API and one from the cache (same deterministic request again).
                answered.add(chat("{\"temperature\":0,\"messages\":[{\"role\":\"user\",\"content\":\"one\"}]}"));
                answered.add(chat("{\"messages\":[{\"role\":\"user\",\"content\":\"two\"}]}"));
                answered.add(chat("{\"temperature\":0,\"messages\":[{\"role\":\"user\",\"content\":\"one\"}]}"));
                assertThat(LedgerTestData.await(
                                Duration.ofSeconds(10),
                                () -> recent("").path("data").size() == 3))
                        .isTrue();
            }
        }
    }

    private String chat(String body) {
        return client.post()
                .uri("/v1/chat/completions")
                .header("Authorization", "Bearer " + KEY)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body)
                .exchange()
                .expectStatus()
                .isOk()
                .returnResult(String.class)
                .getResponseHeaders()
                .getFirst("X-Burstgate-Request-Id");
    }

    private WebTestClient.RequestHeadersSpec<?> admin(String uri) {
        return client.get().uri(uri).header("Authorization", "Bearer " + ADMIN);
    }

    private JsonNode recent(String query) {
        return json.readTree(admin("/admin/costs/requests" + query)
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .returnResult()
                .getResponseBody());
    }

    @Test
    void writesTheLedgerToAnH2FileInTheDataDirectoryWithoutAnySetup() {
        assertThat(gateway.dataDir().resolve("ledger/burstgate.mv.db")).isRegularFile();
    }

    @Test
    void listsEveryAnsweredRequestMostRecentFirstWithItsAttempts() {
        JsonNode data = recent("?limit=10").path("data");
        assertThat(data.size()).isEqualTo(3);
        Set<String> ids = new HashSet<>();
        data.forEach(r -> ids.add(r.path("id").asString()));
        assertThat(ids).isEqualTo(answered);
        JsonNode cached = data.get(0);
        assertThat(cached.path("cache_hit").asBoolean()).isTrue();
        assertThat(cached.path("cost_usd").decimalValue()).isEqualByComparingTo("0");
        assertThat(cached.path("attempts").isEmpty()).isTrue();
        JsonNode paid = data.get(2);
        assertThat(paid.path("tenant").asString()).isEqualTo("acme");
        assertThat(paid.path("policy").asString()).isEqualTo("quality-first");
        assertThat(paid.path("final_tier").asString()).isEqualTo("legacy");
        assertThat(paid.path("outcome").asString()).isEqualTo("ok");
        assertThat(paid.path("cost_usd").decimalValue()).isEqualByComparingTo("1.10");
        assertThat(paid.path("prompt_tokens").asLong()).isEqualTo(21);
        assertThat(paid.path("completion_tokens").asLong()).isEqualTo(9);
        assertThat(paid.path("stream").asBoolean()).isFalse();
        assertThat(paid.path("latency_ms").isIntegralNumber()).isTrue();
        assertThat(paid.path("time").asString()).endsWith("Z");
        JsonNode attempt = paid.path("attempts").get(0);
        assertThat(attempt.path("tier").asString()).isEqualTo("legacy");
        assertThat(attempt.path("outcome").asString()).isEqualTo("ok");
        assertThat(attempt.path("cost_usd").decimalValue()).isEqualByComparingTo("1.10");
        assertThat(attempt.has("usage_estimated") && attempt.has("endpoint") && attempt.has("error"))
                .isTrue();

        assertThat(recent("?limit=1").path("data").size()).isEqualTo(1);
        assertThat(recent("?tenant=nobody").path("data").size()).isZero();
    }

    @Test
    void summarisesSpendBaselineAndSavingExactlyPerTenantAndTier() {
        String body = admin("/admin/costs/summary?groupBy=tenant,tier")
                .exchange()
                .expectStatus()
                .isOk()
                .expectHeader()
                .contentTypeCompatibleWith(MediaType.APPLICATION_JSON)
                .expectBody(String.class)
                .returnResult()
                .getResponseBody();
        assertThat(body).contains("\"cost_usd\":2.200000", "\"baseline_usd\":3.300000", "\"saving_usd\":1.100000");
        JsonNode s = json.readTree(body);
        assertThat(s.path("group_by").toString()).isEqualTo("[\"tenant\",\"tier\"]");
        assertThat(java.time.Duration.between(
                        java.time.Instant.parse(s.path("from").asString()),
                        java.time.Instant.parse(s.path("to").asString())))
                .isEqualTo(Duration.ofDays(30));
        JsonNode totals = s.path("totals");
        assertThat(totals.path("requests").asLong()).isEqualTo(3);
        assertThat(totals.path("prompt_tokens").asLong()).isEqualTo(63);
        assertThat(totals.path("completion_tokens").asLong()).isEqualTo(27);
        assertThat(totals.path("total_tokens").asLong()).isEqualTo(90);
        assertThat(totals.path("saving_percent").asDouble()).isEqualTo(33.33);
        JsonNode group = s.path("groups").get(0);
        assertThat(s.path("groups").size()).isEqualTo(1);
        assertThat(group.path("tenant").asString()).isEqualTo("acme");
        assertThat(group.path("tier").asString()).isEqualTo("legacy");
        assertThat(group.path("requests").asLong()).isEqualTo(3);
    }

    @Test
    void answersCsvWhenAskedFor() {
        String csv = admin("/admin/costs/summary?groupBy=tenant,tier")
                .accept(new MediaType("text", "csv"))
                .exchange()
                .expectStatus()
                .isOk()
                .expectHeader()
                .contentTypeCompatibleWith(new MediaType("text", "csv"))
                .expectBody(String.class)
                .returnResult()
                .getResponseBody();
        assertThat(csv)
                .isEqualTo(
                        "tenant,tier,requests,prompt_tokens,completion_tokens,total_tokens,cost_usd,baseline_usd,saving_usd,saving_percent,"
                                + CostsEndpointTest.MEASURED_HEADER + "\r\n"
                                + "acme,legacy,3,63,27,90,2.200000,3.300000,1.100000,33.33"
                                + CostsEndpointTest.NO_MEASURE + "\r\n");
        String totals = admin("/admin/costs/summary")
                .accept(new MediaType("text", "csv"))
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody(String.class)
                .returnResult()
                .getResponseBody();
        assertThat(totals.split("\r\n"))
                .containsExactly(
                        "requests,prompt_tokens,completion_tokens,total_tokens,cost_usd,baseline_usd,saving_usd,saving_percent,"
                                + CostsEndpointTest.MEASURED_HEADER,
                        "3,63,27,90,2.200000,3.300000,1.100000,33.33" + CostsEndpointTest.NO_MEASURE);
    }

    @Test
    void countsNothingOutsideTheRange() {
        JsonNode s = json.readTree(admin("/admin/costs/summary?from=2020-01-01&to=2020-02-01T00:00:00Z&groupBy=day")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .returnResult()
                .getResponseBody());
        assertThat(s.path("from").asString()).isEqualTo("2020-01-01T00:00:00Z");
        assertThat(s.path("totals").path("requests").asLong()).isZero();
        assertThat(s.path("totals").path("saving_percent").isNull()).isTrue();
        assertThat(s.path("groups").isEmpty()).isTrue();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
      /admin/costs/summary?groupBy=tenant,model                  | groupBy
      /admin/costs/summary?from=2026-13-01                       | from
      /admin/costs/summary?to=last-week                          | to
      /admin/costs/summary?from=2026-11-29&to=2026-11-29         | from
      /admin/costs/summary?from=2026-11-30&to=2026-11-29T00:00Z  | from
      /admin/costs/requests?limit=0                              | limit
      /admin/costs/requests?limit=1001                           | limit
      /admin/costs/requests?limit=many                           | limit
      """)
    void rejectsABadParameterWith400NamingIt(String uri, String param) {
        JsonNode error = json.readTree(admin(uri)
                        .exchange()
                        .expectStatus()
                        .isBadRequest()
                        .expectBody()
                        .returnResult()
                        .getResponseBody())
                .path("error");
        assertThat(error.path("type").asString()).isEqualTo("invalid_request_error");
        assertThat(error.path("param").asString()).isEqualTo(param);
        assertThat(error.path("message").asString()).isNotBlank();
    }

    @Test
    void needsTheAdminKey() {
        for (String uri : List.of("/admin/costs/summary", "/admin/costs/requests")) {
            client.get().uri(uri).exchange().expectStatus().isUnauthorized();
            client.get()
                    .uri(uri)
                    .header("Authorization", "Bearer " + KEY)
                    .exchange()
                    .expectStatus()
                    .isForbidden();
        }
    }

    @Test
    void answers503WhenTheLedgerIsDisabledAndTouchesNoDatabase() throws IOException {
        Path otherDir = Files.createTempDirectory("burstgate-costs-disabled");
        Map<String, Object> props = new java.util.HashMap<>(gateway.properties());
        props.put("burstgate.data-dir", otherDir.toString());
        props.put("burstgate.ledger.enabled", "false");
        props.put("server.port", "0");
        try (ConfigurableApplicationContext app = Gateways.start(props)) {
            assertThat(app.getBeanNamesForType(LedgerWriter.class)).isEmpty();
            WebTestClient other = WebTestClient.bindToServer()
                    .baseUrl("http://localhost:" + Gateways.port(app))
                    .build();
            JsonNode error = json.readTree(other.get()
                            .uri("/admin/costs/summary")
                            .header("Authorization", "Bearer " + ADMIN)
                            .exchange()
                            .expectStatus()
                            .isEqualTo(503)
                            .expectBody()
                            .returnResult()
                            .getResponseBody())
                    .path("error");
            assertThat(error.path("code").asString()).isEqualTo("ledger_disabled");
            assertThat(error.path("message").asString()).contains("disabled");
            other.get()
                    .uri("/admin/costs/requests")
                    .header("Authorization", "Bearer " + ADMIN)
                    .exchange()
                    .expectStatus()
                    .isEqualTo(503);
            other.get().uri("/actuator/health").exchange().expectStatus().isOk();
        }
        assertThat(otherDir.resolve("ledger")).doesNotExist();
    }
}
