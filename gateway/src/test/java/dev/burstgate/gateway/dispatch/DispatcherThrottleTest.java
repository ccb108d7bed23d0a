package dev.burstgate.gateway.dispatch;

import static dev.burstgate.gateway.testsupport.Upstream.completion;
import static dev.burstgate.gateway.testsupport.Upstream.up;
import static org.assertj.core.api.Assertions.assertThat;

import dev.burstgate.gateway.api.ApiException;
import dev.burstgate.gateway.api.ChatCompletionRequest;
import dev.burstgate.gateway.api.ChatRequestParser;
import dev.burstgate.gateway.budget.BudgetLimits;
import dev.burstgate.gateway.budget.BudgetStore;
import dev.burstgate.gateway.routing.RoutedRequest;
import dev.burstgate.gateway.tenant.Tenant;
import dev.burstgate.gateway.tenant.TenantsProperties.Budget;
import dev.burstgate.gateway.testsupport.ScriptedTier;
import dev.burstgate.gateway.tier.AttemptFailure;
import dev.burstgate.gateway.tier.TierBackend;
import dev.burstgate.gateway.tier.UpstreamChunk;
import dev.burstgate.gateway.usage.CostEvents;
import dev.burstgate.gateway.usage.CostRecord;
import dev.burstgate.gateway.usage.Outcome;
import dev.burstgate.policies.Tier;
import dev.burstgate.policies.cost.PriceTable;
import dev.burstgate.policies.cost.Usd;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;
import tools.jackson.databind.json.JsonMapper;

/**
 * The dispatcher and throttled tiers: tries inside a tier (a pool node replaced by another) each get an attempt row at
 * no cost and are no fallback; a tier whose every endpoint asked to wait is fallen back from, and when every tier
 * tried is throttled the answer is 429 with the soonest {@code Retry-After}, never 502.
 */
class DispatcherThrottleTest {

    private final JsonMapper json = JsonMapper.builder().build();
    private final List<CostRecord> records = new ArrayList<>();
    private final PriceTable prices = PriceTable.defaults();

    private Dispatcher dispatcher(TierBackend... backends) {
        return new Dispatcher(
                List.of(backends),
                prices,
                BudgetStore.inMemory(t -> BudgetLimits.NONE, InstantSource.system()),
                new CostRecords(prices, new CostEvents(List.of(records::add)), System::nanoTime),
                256);
    }

    private RoutedRequest routed(boolean stream, Tier... tiers) {
        ChatCompletionRequest request = new ChatRequestParser(json, Map.of())
                .parse(("{\"stream\":" + stream + ",\"messages\":[{\"role\":\"user\",\"content\":\"hello there\"}]}")
                        .getBytes(StandardCharsets.UTF_8));
        return new RoutedRequest(
                "req_1",
                new Tenant("acme", "balanced", Set.of(), 10, new Budget(null, null)),
                "balanced",
                request,
                0.5,
                tiers[0],
                List.of(tiers),
                "score 0.50 >= 0.45 -> cloud",
                Instant.EPOCH,
                System.nanoTime());
    }

    /** A tier of a pool whose node tells of the failed tries before it, then answers as {@code script} says. */
    private record Pool(Tier tier, List<AttemptFailure> retries, Flux<UpstreamChunk> answer) implements TierBackend {
        @Override
        public boolean available() {
            return true;
        }

        @Override
        public boolean simulated() {
            return true;
        }

        @Override
        public String model() {
            return tier.label();
        }

        @Override
        public Flux<UpstreamChunk> call(ChatCompletionRequest request, String requestId) {
            return call(request, requestId, f -> {});
        }

        @Override
        public Flux<UpstreamChunk> call(
                ChatCompletionRequest request, String requestId, Consumer<AttemptFailure> retried) {
            return Flux.defer(() -> {
                retries.forEach(retried);
                return answer;
            });
        }
    }

    private static AttemptFailure throttled(String endpoint, int status, @Nullable Duration wait) {
        return new AttemptFailure(
                endpoint,
                AttemptFailure.Kind.THROTTLED,
                status,
                "HTTP 429 from " + endpoint + ": Rate limit reached for gpu-node-7.internal",
                null,
                wait);
    }

    @Test
    void triesInsideATierEachGetAnAttemptRowAtNoCostAndAreNoFallback() {
        AttemptFailure first = throttled("http://node-a:8000", 429, Duration.ofSeconds(2));
        Dispatcher d = dispatcher(new Pool(Tier.CLOUD, List.of(first), Flux.just(up(completion("Hi", 10, 2)))));

        StepVerifier.create(d.dispatch(routed(false, Tier.CLOUD, Tier.LEGACY)))
                .assertNext(e -> assertThat(e)
                        .isEqualTo(new AnswerEvent.Started(Tier.CLOUD, "score 0.50 >= 0.45 -> cloud", false)))
                .assertNext(e -> assertThat(((AnswerEvent.Completion) e).cost()).isEqualTo(Usd.of("0.18")))
                .verifyComplete();

        assertThat(records).singleElement().satisfies(r -> {
            assertThat(r.outcome()).isEqualTo(Outcome.OK);
            assertThat(r.finalTier()).isEqualTo(Tier.CLOUD);
            assertThat(r.cost()).isEqualTo(Usd.of("0.18"));
            assertThat(r.attempts()).hasSize(2);
            assertThat(r.attempts().get(0)).satisfies(a -> {
                assertThat(a.tier()).isEqualTo(Tier.CLOUD);
                assertThat(a.endpoint()).isEqualTo("http://node-a:8000");
                assertThat(a.outcome()).isEqualTo(Outcome.ERROR);
                assertThat(a.cost()).isEqualTo(Usd.ZERO);
                assertThat(a.error()).contains("HTTP 429");
            });
            assertThat(r.attempts().get(1)).satisfies(a -> {
                assertThat(a.endpoint()).isEqualTo("http://node");
                assertThat(a.outcome()).isEqualTo(Outcome.OK);
                assertThat(a.cost()).isEqualTo(Usd.of("0.18"));
            });
        });
    }

    @Test
    void aTierWhoseEveryEndpointIsThrottledIsAnswered429WithItsRetryAfterRoundedUp() {
        Dispatcher d = dispatcher(new ScriptedTier(
                Tier.CLOUD, r -> Flux.error(throttled("http://node-b:8000", 429, Duration.ofMillis(1_200)))));

        for (boolean stream : new boolean[] {false, true}) {
            StepVerifier.create(d.dispatch(routed(stream, Tier.CLOUD)))
                    .expectErrorSatisfies(e -> {
                        ApiException api = (ApiException) e;
                        assertThat(api.status()).isEqualTo(HttpStatus.TOO_MANY_REQUESTS);
                        assertThat(api.type()).isEqualTo("rate_limit_error");
                        assertThat(api.code()).isEqualTo("upstream_rate_limited");
                        assertThat(api.headers()).containsEntry("Retry-After", "2");
                        assertThat(api.getMessage())
                                .isEqualTo("Every tier tried is rate limited upstream; retry after 2 s "
                                        + "(cloud is rate limited (HTTP 429)).")
                                .doesNotContain("node-b", "gpu-node", "Rate limit reached");
                    })
                    .verify();
        }
        assertThat(records).hasSize(2).allSatisfy(r -> {
            assertThat(r.outcome()).isEqualTo(Outcome.ERROR);
            assertThat(r.cost()).isEqualTo(Usd.ZERO);
        });
    }

    @Test
    void aRetryAfterUnderASecondOrNoneIsOneSecond() {
        for (Duration wait : new Duration[] {Duration.ZERO, Duration.ofMillis(1), null}) {
            Dispatcher d = dispatcher(new ScriptedTier(Tier.CLOUD, r -> Flux.error(throttled("-", 0, wait))));
            StepVerifier.create(d.dispatch(routed(false, Tier.CLOUD)))
                    .expectErrorSatisfies(
                            e -> assertThat(((ApiException) e).headers()).containsEntry("Retry-After", "1"))
                    .verify();
        }
    }

    @Test
    void aThrottledTierIsFallenBackFromAndTheReasonSaysWhy() {
        Dispatcher d = dispatcher(
                new ScriptedTier(Tier.CLOUD, r -> Flux.error(throttled("-", 0, Duration.ofSeconds(3)))),
                new ScriptedTier(Tier.LEGACY, r -> Flux.just(up(completion("From legacy.", 10, 2)))));

        StepVerifier.create(d.dispatch(routed(false, Tier.CLOUD, Tier.LEGACY)))
                .assertNext(e -> {
                    AnswerEvent.Started started = (AnswerEvent.Started) e;
                    assertThat(started.tier()).isEqualTo(Tier.LEGACY);
                    assertThat(started.reason())
                            .isEqualTo("score 0.50 >= 0.45 -> cloud; fallback to legacy (cloud is rate limited)");
                })
                .expectNextCount(1)
                .verifyComplete();
        assertThat(records).singleElement().satisfies(r -> {
            assertThat(r.outcome()).isEqualTo(Outcome.FALLBACK);
            assertThat(r.cost()).isEqualTo(Usd.of("1.10"));
        });
    }

    @Test
    void whenEveryTierTriedIsThrottledTheSoonestRetryAfterIsGiven() {
        Dispatcher d = dispatcher(
                new ScriptedTier(Tier.CLOUD, r -> Flux.error(throttled("-", 0, Duration.ofSeconds(5)))),
                new ScriptedTier(Tier.LEGACY, r -> Flux.error(throttled("https://api", 429, Duration.ofSeconds(2)))));

        StepVerifier.create(d.dispatch(routed(false, Tier.CLOUD, Tier.LEGACY)))
                .expectErrorSatisfies(e -> {
                    ApiException api = (ApiException) e;
                    assertThat(api.status()).isEqualTo(HttpStatus.TOO_MANY_REQUESTS);
                    assertThat(api.headers()).containsEntry("Retry-After", "2");
                    assertThat(api.getMessage())
                            .contains("cloud is rate limited; legacy is rate limited (HTTP 429)")
                            .doesNotContain("https://api");
                })
                .verify();
    }

    @Test
    void aThrottledTierFollowedByOneThatFailsIsNoRateLimit() {
        Dispatcher d = dispatcher(
                new ScriptedTier(Tier.CLOUD, r -> Flux.error(throttled("-", 0, Duration.ofSeconds(5)))),
                new ScriptedTier(
                        Tier.LEGACY,
                        r -> Flux.error(new AttemptFailure(
                                "https://api", AttemptFailure.Kind.UPSTREAM_ERROR, 500, "HTTP 500", null))));

        StepVerifier.create(d.dispatch(routed(false, Tier.CLOUD, Tier.LEGACY)))
                .expectErrorSatisfies(e -> {
                    ApiException api = (ApiException) e;
                    assertThat(api.status()).isEqualTo(HttpStatus.BAD_GATEWAY);
                    assertThat(api.headers()).doesNotContainKey("Retry-After");
                })
                .verify();
    }
}
