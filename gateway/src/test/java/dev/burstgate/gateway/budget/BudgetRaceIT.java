package dev.burstgate.gateway.budget;

import static org.assertj.core.api.Assertions.assertThat;

import dev.burstgate.gateway.BurstgateApplication;
import dev.burstgate.gateway.tenant.ApiKeys;
import dev.burstgate.gateway.testsupport.DataServices;
import dev.burstgate.gateway.testsupport.PaidApiMock;
import dev.burstgate.gateway.testsupport.Sse;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Two gateway instances (two Spring contexts on their own ports) sharing one Redis race 200 concurrent requests
 * against one tenant's budget worth 50 legacy requests ($0.10 each, per query): the shared reservations let no more
 * through than the budget pays for, every other request gets 402 {@code budget_exhausted}, and no reservation is left
 * open.
 */
@Testcontainers
class BudgetRaceIT {

    static final String TENANT = "race";
    static final String KEY = "sk-race";
    /** A tenant without limits whose requests warm both gateways up (JIT, Redis connection, scripts) before the race. */
    static final String WARM_UP_KEY = "sk-warm-up";

    static final String ADMIN_KEY = "sk-admin";
    static final BigDecimal PRICE = new BigDecimal("0.10");
    static final BigDecimal BUDGET = new BigDecimal("5.00");
    static final int REQUESTS = 200;

    @Container
    static final GenericContainer<?> REDIS = DataServices.redis();

    static PaidApiMock legacy;
    static final List<ConfigurableApplicationContext> gateways = new ArrayList<>();
    static final List<URI> urls = new ArrayList<>();
    static final JsonMapper json = JsonMapper.builder().build();

    @BeforeAll
    static void startTwoGateways() throws IOException, URISyntaxException {
        legacy = new PaidApiMock();
        String policies = Path.of(
                        BudgetRaceIT.class.getResource("/policies-budget").toURI())
                .toString();
        for (int i = 0; i < 2; i++) {
            Path dataDir = Files.createTempDirectory("burstgate-race-it");
            Map<String, String> properties = Map.ofEntries(
                    Map.entry("server.port", "0"),
                    Map.entry("spring.data.redis.url", DataServices.redisUri(REDIS)),
                    Map.entry("burstgate.data-dir", dataDir.toString()),
                    Map.entry("burstgate.demo", "false"),
                    Map.entry("burstgate.tiers.local.enabled", "false"),
                    Map.entry("burstgate.tiers.legacy.url", legacy.baseUrl().toString()),
                    Map.entry("burstgate.tiers.legacy.price-per-query", PRICE.toPlainString()),
                    Map.entry("burstgate.resilience.max-concurrent", "512"),
                    // This proves atomicity, not latency: allow a busy test machine more than the default 2 s per Redis
                    // call.
                    Map.entry("burstgate.budgets.redis-timeout", "10s"),
                    Map.entry("burstgate.resilience.minimum-calls", "1000"),
                    Map.entry("burstgate.policies-dir", policies),
                    Map.entry("burstgate.admin-key-sha256", ApiKeys.sha256(ADMIN_KEY)),
                    Map.entry("burstgate.tenants[0].name", TENANT),
                    Map.entry("burstgate.tenants[0].key-sha256", ApiKeys.sha256(KEY)),
                    Map.entry("burstgate.tenants[0].policy", "legacy-only"),
                    Map.entry("burstgate.tenants[0].requests-per-second", "10000"),
                    Map.entry("burstgate.tenants[0].budget.daily", BUDGET.toPlainString()),
                    Map.entry("burstgate.tenants[1].name", "warm-up"),
                    Map.entry("burstgate.tenants[1].key-sha256", ApiKeys.sha256(WARM_UP_KEY)),
                    Map.entry("burstgate.tenants[1].policy", "legacy-only"));
            // As command-line arguments: they take precedence over application.yml (server.port: 8080).
            String[] args = properties.entrySet().stream()
                    .map(e -> "--" + e.getKey() + "=" + e.getValue())
                    .toArray(String[]::new);
            ConfigurableApplicationContext ctx = new SpringApplicationBuilder(BurstgateApplication.class).run(args);
            gateways.add(ctx);
            urls.add(URI.create("http://localhost:" + ctx.getEnvironment().getProperty("local.server.port")));
        }
    }

    @AfterAll
    static void stop() throws IOException {
        gateways.forEach(ConfigurableApplicationContext::close);
        if (legacy != null) {
            legacy.close();
        }
    }

    static HttpRequest chat(URI gateway, String key, String body) {
        return HttpRequest.newBuilder(gateway.resolve("/v1/chat/completions"))
                .header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
    }

    @Test
    void twoInstancesNeverSpendPastTheSharedBudget() throws Exception {
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        List<CompletableFuture<HttpResponse<String>>> warmUp = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            warmUp.add(http.sendAsync(
                    chat(
                            urls.get(i % 2),
                            WARM_UP_KEY,
                            "{\"stream\":" + (i % 4 >= 2)
                                    + ",\"messages\":[{\"role\":\"user\",\"content\":\"warm up\"}]}"),
                    HttpResponse.BodyHandlers.ofString()));
        }
        for (CompletableFuture<HttpResponse<String>> w : warmUp) {
            assertThat(w.join().statusCode()).isEqualTo(200);
        }
        legacy.reset();

        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < REQUESTS; i++) {
            boolean stream = i % 4 >= 2;
            String body = "{\"model\":\"auto\",\"stream\":" + stream
                    + (stream ? ",\"stream_options\":{\"include_usage\":true}" : "")
                    + ",\"messages\":[{\"role\":\"user\",\"content\":\"race " + i + "\"}]}";
            calls.add(http.sendAsync(chat(urls.get(i % 2), KEY, body), HttpResponse.BodyHandlers.ofString()));
        }
        CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).join();

        int answered = 0;
        int refused = 0;
        BigDecimal billed = BigDecimal.ZERO;
        for (CompletableFuture<HttpResponse<String>> call : calls) {
            HttpResponse<String> response = call.join();
            if (response.statusCode() == 200) {
                answered++;
                JsonNode usage = response.body().startsWith("data:")
                        ? Sse.events(json, response.body()).getLast().path("usage")
                        : json.readTree(response.body()).path("usage");
                billed = billed.add(usage.path("cost").decimalValue());
            } else {
                assertThat(response.statusCode()).as(response.body()).isEqualTo(402);
                JsonNode error = json.readTree(response.body()).path("error");
                assertThat(error.path("type").asString()).isEqualTo("insufficient_quota");
                assertThat(error.path("code").asString()).isEqualTo("budget_exhausted");
                refused++;
            }
        }

        String day = "burstgate:budget:{" + TENANT + "}:day:" + LocalDate.now(ZoneOffset.UTC);
        RedisClient client = RedisClient.create(DataServices.redisUri(REDIS));
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            Map<String, String> counters = c.sync().hgetall(day);
            BigDecimal spent = new BigDecimal(counters.get("spent")).movePointLeft(9);
            System.out.printf(
                    "budget race: %d answered, %d refused (402), billed $%s, Redis spent $%s of $%s%n",
                    answered, refused, billed.toPlainString(), spent.toPlainString(), BUDGET.toPlainString());

            assertThat(answered + refused).isEqualTo(REQUESTS);
            assertThat(answered).isEqualTo(BUDGET.divide(PRICE).intValueExact());
            assertThat(spent).isEqualByComparingTo(billed);
            assertThat(spent).isLessThanOrEqualTo(BUDGET.add(PRICE));
            assertThat(counters.get("reserved")).isEqualTo("0");
            assertThat(c.sync().hlen("burstgate:budget:{" + TENANT + "}:reservations"))
                    .isZero();
        } finally {
            client.shutdown();
        }
        assertThat(legacy.received()).hasSize(answered);
        for (int i = 0; i < 2; i++) {
            assertThat(gateways.get(i).getBean(BudgetStore.class)).isInstanceOf(RedisBudgetStore.class);
            HttpResponse<String> view = http.send(
                    HttpRequest.newBuilder(urls.get(i).resolve("/admin/budgets/" + TENANT))
                            .header("Authorization", "Bearer " + ADMIN_KEY)
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode daily = json.readTree(view.body()).path("daily");
            assertThat(daily.path("spent_usd").decimalValue()).isEqualByComparingTo(BUDGET);
            assertThat(daily.path("reserved_usd").decimalValue()).isEqualByComparingTo("0");
            assertThat(json.readTree(view.body()).path("status").asString()).isEqualTo("exhausted");
        }
    }
}
