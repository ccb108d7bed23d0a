package dev.burstgate.gateway.local.runner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.burstgate.gateway.tenant.TenantRegistry;
import dev.burstgate.gateway.testsupport.GatewayIT;
import dev.burstgate.gateway.testsupport.LlamaServerRunner;
import dev.burstgate.gateway.testsupport.PaidApiMock;
import dev.burstgate.gateway.testsupport.Sse;
import dev.burstgate.gateway.testsupport.TestGateway;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.Disposable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The local tier in runner mode against native llama.cpp {@code llama-server}, started by the gateway through its
 * configured command (a {@code docker run} of the CI's llama-server image): it answers and streams with usage, priced
 * and labelled as local; a busy slot makes the router burst; a cancelled stream stops the runner's generation.
 *
 * <p>One slot, no waiting place, one thread, and a generated model slow enough (tens of tokens per second) that a
 * request of 3000 tokens with the end token banned is still generating while the test looks.
 */
@GatewayIT(
        properties = {
            "burstgate.tiers.local.parallel=1",
            "burstgate.tiers.local.max-queue=0",
            // the runner's own context, not the in-process engine's, is what the local tier takes
            "burstgate.tiers.local.context=8192",
            "burstgate.tiers.local.runner.context=4096",
            "burstgate.tiers.local.threads=1",
            "burstgate.tiers.local.runner.restart-backoff=200ms",
            "burstgate.cache.enabled=false"
        })
@DirtiesContext
class RunnerTierIT {

    static final LlamaServerRunner RUNNER = LlamaServerRunner.of(LlamaServerRunner.SLOW);
    static final String LONG_STREAM = "{\"model\":\"local\",\"stream\":true,\"max_tokens\":3000,\"logit_bias\":{\""
            + LlamaServerRunner.EOS + "\":-100},\"messages\":[{\"role\":\"user\",\"content\":\"Count slowly\"}]}";

    @DynamicPropertySource
    static void runner(DynamicPropertyRegistry registry) {
        RUNNER.properties().forEach((k, v) -> registry.add(k, () -> v));
    }

    @Autowired
    JsonMapper json;

    @Autowired
    RunnerProcess runner;

    @Autowired
    RunnerLoad load;

    PaidApiMock legacy;
    WebTestClient client;
    TestGateway gateway;

    @BeforeEach
    void setUp(TestGateway gateway) throws Exception {
        this.gateway = gateway;
        legacy = gateway.legacy();
        client = gateway.client(Duration.ofSeconds(60));
        // the slot of an earlier test's request is free again
        await(Duration.ofSeconds(30), () -> load.activeSlots() == 0 && metric("llamacpp:requests_processing") == 0);
    }

    private WebTestClient.RequestHeadersSpec<?> chat(String body) {
        return client.post()
                .uri("/v1/chat/completions")
                .header("Authorization", "Bearer " + TenantRegistry.DEMO_KEY)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body);
    }

    @Test
    void answersFromTheRunnerWithUsageAndTheLocalPrice() {
        EntityExchangeResult<byte[]> result =
                chat("{\"model\":\"local\",\"max_tokens\":8,\"messages\":[{\"role\":\"user\",\"content\":\"Say hi\"}]}")
                        .exchange()
                        .expectStatus()
                        .isOk()
                        .expectHeader()
                        .valueEquals("X-Burstgate-Tier", "local")
                        .expectHeader()
                        .valueEquals("X-Burstgate-Cost-Usd", "0.020000")
                        .expectBody()
                        .returnResult();
        JsonNode body = json.readTree(result.getResponseBody());
        assertThat(body.path("object").asString()).isEqualTo("chat.completion");
        assertThat(body.path("model").asString()).isEqualTo("burstgate-local");
        assertThat(body.path("id").asString())
                .isEqualTo("chatcmpl-" + result.getResponseHeaders().getFirst("X-Burstgate-Request-Id"));
        assertThat(body.has("timings")).isFalse();
        JsonNode usage = body.path("usage");
        int completion = usage.path("completion_tokens").asInt(-1);
        assertThat(completion).isBetween(0, 8);
        assertThat(usage.path("prompt_tokens").asInt()).isPositive();
        assertThat(usage.path("total_tokens").asInt())
                .isEqualTo(usage.path("prompt_tokens").asInt() + completion);
        assertThat(usage.path("cost").decimalValue()).isEqualByComparingTo("0.02");
        assertThat(legacy.received()).isEmpty();
    }

    @Test
    void modelsListShowsTheRunnersContextPerSlot() {
        byte[] models = client.get()
                .uri("/v1/models")
                .header("Authorization", "Bearer " + TenantRegistry.DEMO_KEY)
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .returnResult()
                .getResponseBody();
        JsonNode local = null;
        for (JsonNode m : json.readTree(models).path("data")) {
            if (m.path("id").asString().equals("local")) {
                local = m;
            }
        }
        assertThat(local).isNotNull();
        assertThat(local.path("burstgate").path("context_tokens").asLong()).isEqualTo(4096);
    }

    @Test
    void streamsFromTheRunnerEndingWithUsageAndDone() {
        String body =
                chat("{\"model\":\"local\",\"stream\":true,\"stream_options\":{\"include_usage\":true},\"max_tokens\":6,\"logit_bias\":{\"2\":-100},"
                                + "\"messages\":[{\"role\":\"user\",\"content\":\"Count\"}]}")
                        .exchange()
                        .expectStatus()
                        .isOk()
                        .expectHeader()
                        .contentTypeCompatibleWith(MediaType.TEXT_EVENT_STREAM)
                        .expectHeader()
                        .valueEquals("X-Burstgate-Tier", "local")
                        .expectBody(String.class)
                        .returnResult()
                        .getResponseBody();
        assertThat(body).endsWith("data: [DONE]\n\n");
        List<JsonNode> events = Sse.events(json, Objects.requireNonNull(body));
        JsonNode usage = events.getLast().path("usage");
        // the end token is banned: the runner generates exactly max_tokens, and the usage says so
        assertThat(usage.path("completion_tokens").asInt()).isEqualTo(6);
        assertThat(usage.path("cost").decimalValue()).isEqualByComparingTo("0.02");
        assertThat(events.stream()
                        .filter(e -> !e.path("choices").isEmpty())
                        .map(e -> e.path("choices").get(0).path("finish_reason").asString(""))
                        .toList())
                .contains("length");
        assertThat(legacy.received()).isEmpty();
    }

    @Test
    void burstsToTheNextTierWhileTheRunnersOnlySlotIsGenerating() throws Exception {
        Disposable longOne = longStream().subscribe(chunk -> {}, error -> {});
        try {
            await(Duration.ofSeconds(30), () -> metric("llamacpp:requests_processing") == 1);

            chat("{\"max_tokens\":4,\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}")
                    .header("X-Burstgate-Policy", "balanced")
                    .exchange()
                    .expectStatus()
                    .isOk()
                    .expectHeader()
                    .valueEquals("X-Burstgate-Tier", "legacy")
                    .expectHeader()
                    .value(
                            "X-Burstgate-Reason",
                            reason -> assertThat(reason)
                                    .startsWith("burst: local")
                                    .endsWith("-> legacy"));
            assertThat(legacy.received()).hasSize(1);
        } finally {
            longOne.dispose();
        }
    }

    @Test
    void cancellingAStreamStopsTheRunnersGenerationAndFreesItsSlot() throws Exception {
        List<String> first = longStream().take(3).collectList().block(Duration.ofSeconds(60));
        assertThat(first).hasSize(3);
        long cancelled = System.nanoTime();

        // 3000 tokens take the runner tens of seconds; cancelled, the slot is free within a few
        await(Duration.ofSeconds(8), () -> metric("llamacpp:requests_processing") == 0 && load.activeSlots() == 0);
        assertThat(Duration.ofNanos(System.nanoTime() - cancelled)).isLessThan(Duration.ofSeconds(8));

        chat("{\"model\":\"local\",\"max_tokens\":4,\"messages\":[{\"role\":\"user\",\"content\":\"again\"}]}")
                .exchange()
                .expectStatus()
                .isOk()
                .expectHeader()
                .valueEquals("X-Burstgate-Tier", "local");
    }

    private reactor.core.publisher.Flux<String> longStream() {
        return WebClient.create(gateway.url(""))
                .post()
                .uri("/v1/chat/completions")
                .header("Authorization", "Bearer " + TenantRegistry.DEMO_KEY)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(LONG_STREAM)
                .retrieve()
                .bodyToFlux(String.class);
    }

    /** One value of the runner's own {@code /metrics}. */
    private long metric(String name) throws Exception {
        URI base = Objects.requireNonNull(runner.base(), "runner is up");
        try (HttpClient http = HttpClient.newHttpClient()) {
            String page = http.send(
                            HttpRequest.newBuilder(base.resolve("/metrics")).build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
            return page.lines()
                    .filter(l -> l.startsWith(name + " "))
                    .mapToLong(l -> (long)
                            Double.parseDouble(l.substring(name.length() + 1).strip()))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError(name + " not in " + page));
        }
    }

    interface Check {
        boolean ok() throws Exception;
    }

    static void await(Duration timeout, Check check) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!check.ok()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + timeout);
            }
            Thread.sleep(50);
        }
    }
}
