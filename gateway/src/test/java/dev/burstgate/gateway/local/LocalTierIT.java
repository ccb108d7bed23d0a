package dev.burstgate.gateway.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.burstgate.engine.EngineLease;
import dev.burstgate.engine.LocalEngine;
import dev.burstgate.gateway.tenant.TenantRegistry;
import dev.burstgate.gateway.testsupport.GatewayIT;
import dev.burstgate.gateway.testsupport.PaidApiMock;
import dev.burstgate.gateway.testsupport.Sse;
import dev.burstgate.gateway.testsupport.TestGateway;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The local tier runs real llama.cpp inference in the gateway process on a generated tiny model: answers, streams
 * with usage and cost, and bursts to the next tier when its single slot and queue are taken.
 */
@GatewayIT(
        localTier = true,
        properties = {
            "burstgate.tiers.local.parallel=1",
            "burstgate.tiers.local.max-queue=0",
            "burstgate.tiers.local.context=8192",
            "burstgate.cache.enabled=false"
        })
class LocalTierIT {

    @Autowired
    JsonMapper json;

    @Autowired
    LocalEngine engine;

    PaidApiMock legacy;
    WebTestClient client;

    @BeforeEach
    void setUp(TestGateway gateway) {
        legacy = gateway.legacy();
        client = gateway.client(Duration.ofSeconds(60));
    }

    private WebTestClient.RequestHeadersSpec<?> chat(String body) {
        return client.post()
                .uri("/v1/chat/completions")
                .header("Authorization", "Bearer " + TenantRegistry.DEMO_KEY)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body);
    }

    @Test
    void answersOnTheLocalTierWithUsageAndItsPrice() {
        EntityExchangeResult<byte[]> result =
                chat("{\"model\":\"local\",\"max_tokens\":8,\"messages\":[{\"role\":\"user\",\"content\":\"Say hi\"}]}")
                        .exchange()
                        .expectStatus()
                        .isOk()
                        .expectHeader()
                        .valueEquals("X-Burstgate-Tier", "local")
                        .expectHeader()
                        .valueEquals("X-Burstgate-Cost-Usd", "0.020000")
                        .expectHeader()
                        .exists("X-Burstgate-Request-Id")
                        .expectHeader()
                        .exists("X-Burstgate-Complexity")
                        .expectBody()
                        .returnResult();
        JsonNode body = json.readTree(result.getResponseBody());
        assertThat(body.path("object").asString()).isEqualTo("chat.completion");
        JsonNode usage = body.path("usage");
        int completion = usage.path("completion_tokens").asInt();
        // A random-weight model may emit its end token at any point, even first: at most 8, "length" only at 8.
        assertThat(completion).isBetween(0, 8);
        assertThat(body.path("choices").get(0).path("finish_reason").asString())
                .isEqualTo(completion == 8 ? "length" : "stop");
        assertThat(usage.path("prompt_tokens").asInt()).isPositive();
        assertThat(usage.path("total_tokens").asInt())
                .isEqualTo(usage.path("prompt_tokens").asInt() + completion);
        assertThat(usage.path("cost").decimalValue()).isEqualByComparingTo("0.02");
        assertThat(legacy.received()).isEmpty();
    }

    @Test
    void streamsFromTheLocalTierEndingWithUsageAndDone() {
        String body =
                chat("{\"model\":\"local\",\"stream\":true,\"stream_options\":{\"include_usage\":true},\"max_tokens\":6,"
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
        List<JsonNode> events = Sse.events(json, body);
        assertThat(body).endsWith("data: [DONE]\n\n");
        assertThat(events.get(0)
                        .path("choices")
                        .get(0)
                        .path("delta")
                        .path("role")
                        .asString())
                .isEqualTo("assistant");
        JsonNode usage = events.get(events.size() - 1).path("usage");
        assertThat(usage.path("completion_tokens").asInt()).isBetween(0, 6);
        assertThat(usage.path("cost").decimalValue()).isEqualByComparingTo("0.02");
        assertThat(events.stream()
                        .filter(e -> !e.path("choices").isEmpty())
                        .map(e -> e.path("choices").get(0).path("finish_reason").asString(""))
                        .toList())
                .containsAnyOf("length", "stop");
    }

    @Test
    void burstsToTheNextTierWhenTheEngineRefusesAdmission() {
        // The only place (one slot, no queue) is taken, so the engine's wait estimate exceeds balanced's 800 ms
        // ceiling.
        EngineLease taken = engine.tryAdmit().orElseThrow();
        try {
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
                                    .endsWith("-> legacy"))
                    .expectBody()
                    .jsonPath("$.usage.cost")
                    .isEqualTo(1.1);
            assertThat(legacy.received()).hasSize(1);
        } finally {
            taken.close();
        }
        chat("{\"max_tokens\":4,\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}")
                .header("X-Burstgate-Policy", "balanced")
                .exchange()
                .expectStatus()
                .isOk()
                .expectHeader()
                .valueEquals("X-Burstgate-Tier", "local");
    }
}
