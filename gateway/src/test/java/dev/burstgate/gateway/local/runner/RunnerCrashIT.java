package dev.burstgate.gateway.local.runner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.burstgate.gateway.tenant.TenantRegistry;
import dev.burstgate.gateway.testsupport.GatewayIT;
import dev.burstgate.gateway.testsupport.LlamaServerRunner;
import dev.burstgate.gateway.testsupport.TestGateway;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Mono;

/**
 * The runner killed with SIGKILL under load: streams already under way end with the error event (no {@code [DONE]}),
 * requests not yet answered fall back to the next tier before their first byte, requests arriving while it is down
 * go elsewhere, the supervisor has it back within seconds, and the gateway serves throughout. No client-visible
 * message names the runner's address.
 */
@GatewayIT(
        cloudMock = true,
        properties = {
            "burstgate.tiers.local.parallel=2",
            "burstgate.tiers.local.max-queue=4",
            "burstgate.tiers.local.context=4096",
            "burstgate.tiers.local.threads=1",
            "burstgate.tiers.local.runner.restart-backoff=200ms",
            "burstgate.cache.enabled=false"
        })
@DirtiesContext
class RunnerCrashIT {

    static final LlamaServerRunner RUNNER = LlamaServerRunner.of(LlamaServerRunner.SLOW);
    static final String BAN_EOS = "\"logit_bias\":{\"" + LlamaServerRunner.EOS + "\":-100}";

    @DynamicPropertySource
    static void runner(DynamicPropertyRegistry registry) {
        RUNNER.properties().forEach((k, v) -> registry.add(k, () -> v));
    }

    @Autowired
    RunnerProcess runner;

    @Autowired
    RunnerLoad load;

    @Test
    void aKilledRunnerCutsItsStreamsFallsBackBeforeTheFirstByteAndIsBackWithinSeconds(TestGateway gateway)
            throws Exception {
        WebClient client = WebClient.builder()
                .baseUrl(gateway.url(""))
                .defaultHeader("Authorization", "Bearer " + TenantRegistry.DEMO_KEY)
                .build();
        int startsBefore = runner.starts();
        String base = String.valueOf(runner.base());

        // two streams generating in the runner's two slots, one answer waiting behind them
        List<List<String>> streams = List.of(new ArrayList<>(), new ArrayList<>());
        List<CompletableFuture<Void>> ended = new ArrayList<>();
        for (List<String> events : streams) {
            ended.add(client.post()
                    .uri("/v1/chat/completions")
                    .contentType(MediaType.APPLICATION_JSON)
                    .bodyValue("{\"model\":\"local\",\"stream\":true,\"max_tokens\":1500," + BAN_EOS
                            + ",\"messages\":[{\"role\":\"user\",\"content\":\"Go on\"}]}")
                    .retrieve()
                    .bodyToFlux(String.class)
                    .doOnNext(events::add)
                    .then()
                    .onErrorResume(e -> Mono.empty())
                    .toFuture());
        }
        RunnerTierIT.await(Duration.ofSeconds(30), () -> streams.stream().allMatch(s -> s.size() >= 2));
        CompletableFuture<ResponseEntity<String>> waiting = complete(client, "auto", "cost-saver", 400);
        RunnerTierIT.await(Duration.ofSeconds(10), () -> load.queued() == 1);

        RUNNER.kill();
        long killed = System.nanoTime();

        // arriving while it is down (or before the gateway noticed): answered by another tier
        ResponseEntity<String> during = complete(client, "auto", "balanced", 4).get();

        for (CompletableFuture<Void> f : ended) {
            f.get();
        }
        for (List<String> events : streams) {
            String last = events.getLast();
            assertThat(last).contains("\"error\"");
            assertThat(events).doesNotContain("[DONE]");
            assertThat(String.join("\n", events)).doesNotContain(base).doesNotContain("127.0.0.1");
        }
        ResponseEntity<String> fellBack = waiting.get();
        assertThat(fellBack.getStatusCode().value()).isEqualTo(200);
        assertThat(fellBack.getHeaders().getFirst("X-Burstgate-Tier")).isEqualTo("cloud");
        assertThat(fellBack.getHeaders().getFirst("X-Burstgate-Reason")).doesNotContain("127.0.0.1");
        assertThat(during.getStatusCode().value()).isEqualTo(200);
        assertThat(during.getHeaders().getFirst("X-Burstgate-Tier")).isEqualTo("cloud");

        // back within seconds, and serving the local tier again
        RunnerTierIT.await(Duration.ofSeconds(20), () -> runner.ready() && runner.starts() > startsBefore);
        Duration recovery = Duration.ofNanos(System.nanoTime() - killed);
        assertThat(recovery).isLessThan(Duration.ofSeconds(20));
        ResponseEntity<String> after = complete(client, "local", "balanced", 4).get();
        assertThat(after.getStatusCode().value()).isEqualTo(200);
        assertThat(after.getHeaders().getFirst("X-Burstgate-Tier")).isEqualTo("local");
        assertThat(RUNNER.containers()).hasSize(1);
    }

    private static CompletableFuture<ResponseEntity<String>> complete(
            WebClient client, String model, String policy, int maxTokens) {
        return client.post()
                .uri("/v1/chat/completions")
                .header("X-Burstgate-Policy", policy)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"model\":\"" + model + "\",\"max_tokens\":" + maxTokens + "," + BAN_EOS
                        + ",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}")
                .retrieve()
                .toEntity(String.class)
                .toFuture();
    }
}
