package dev.burstgate.gateway.dispatch;

import static dev.burstgate.gateway.testsupport.Upstream.chunk;
import static dev.burstgate.gateway.testsupport.Upstream.completion;
import static dev.burstgate.gateway.testsupport.Upstream.failBeforeFirstByte;
import static dev.burstgate.gateway.testsupport.Upstream.up;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.burstgate.gateway.api.ApiException;
import dev.burstgate.gateway.api.BurstgateHeaders;
import dev.burstgate.gateway.api.ChatCompletionRequest;
import dev.burstgate.gateway.api.ChatRequestParser;
import dev.burstgate.gateway.budget.BudgetLimits;
import dev.burstgate.gateway.budget.BudgetStore;
import dev.burstgate.gateway.budget.BudgetView;
import dev.burstgate.gateway.budget.Reservation;
import dev.burstgate.gateway.budget.ReserveResult;
import dev.burstgate.gateway.response.ResponseWriter;
import dev.burstgate.gateway.routing.RoutedRequest;
import dev.burstgate.gateway.tenant.Tenant;
import dev.burstgate.gateway.tenant.TenantsProperties.Budget;
import dev.burstgate.gateway.testsupport.ScriptedTier;
import dev.burstgate.gateway.tier.AttemptFailure;
import dev.burstgate.gateway.tier.TierBackend;
import dev.burstgate.gateway.usage.CostEvents;
import dev.burstgate.gateway.usage.CostRecord;
import dev.burstgate.gateway.usage.Outcome;
import dev.burstgate.policies.Tier;
import dev.burstgate.policies.budget.ExhaustedAction;
import dev.burstgate.policies.capability.TierCapabilities;
import dev.burstgate.policies.cost.PriceTable;
import dev.burstgate.policies.cost.TierPrice;
import dev.burstgate.policies.cost.Usd;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import tools.jackson.databind.json.JsonMapper;

/** The dispatcher's reserve → settle with a real in-memory budget store and scripted tiers. */
class DispatcherBudgetTest {

    /** The dispatcher and the response writer, as the chat route uses them. */
    private record Answering(Dispatcher dispatcher, ResponseWriter writer) {
        Mono<Void> dispatch(ServerWebExchange ex, RoutedRequest routed, @Nullable Object cache) {
            return writer.write(ex.getResponse(), dispatcher.dispatch(routed), routed.request().stream());
        }

        Usd estimate(RoutedRequest routed, Tier tier) {
            return dispatcher.estimate(routed, tier);
        }
    }

    private static final String TENANT = "acme";
    private static final String PLAIN = "{\"messages\":[{\"role\":\"user\",\"content\":\"hello there\"}]}";
    private static final String PLAIN_MAX_10 =
            "{\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"hello there\"}]}";
    private static final String STREAM =
            "{\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hello there\"}]}";

    private final JsonMapper json = JsonMapper.builder().build();
    private final List<CostRecord> records = Collections.synchronizedList(new ArrayList<>());
    private final PriceTable prices =
            PriceTable.defaults().with(Tier.CLOUD, new TierPrice(Usd.of("0.18"), Usd.of("1.00"), Usd.of("2.00")));
    private final PriceTable freeLocal = prices.with(Tier.LOCAL, TierPrice.perQuery(Usd.ZERO));

    private static BudgetStore store(String dailyLimit) {
        BudgetLimits limits = new BudgetLimits(dailyLimit == null ? null : Usd.of(dailyLimit), null);
        return BudgetStore.inMemory(t -> limits, InstantSource.system());
    }

    private Answering dispatcher(PriceTable table, BudgetStore store, TierBackend... backends) {
        return new Answering(
                new Dispatcher(
                        List.of(backends),
                        table,
                        store,
                        new CostRecords(table, new CostEvents(List.of(records::add)), System::nanoTime),
                        256),
                new ResponseWriter(json));
    }

    private RoutedRequest routed(String body, ExhaustedAction onExhausted, Tier... tiers) {
        ChatCompletionRequest request =
                new ChatRequestParser(json, Map.of()).parse(body.getBytes(StandardCharsets.UTF_8));
        return new RoutedRequest(
                "req_1",
                new Tenant(TENANT, "balanced", Set.of(), 10, new Budget(null, null)),
                "balanced",
                request,
                0.42,
                tiers[0],
                List.of(tiers),
                "routed",
                Instant.EPOCH,
                System.nanoTime(),
                onExhausted);
    }

    private static MockServerWebExchange exchange() {
        return MockServerWebExchange.from(MockServerHttpRequest.post("/v1/chat/completions"));
    }

    private static BudgetView view(BudgetStore store) {
        return store.view(TENANT).block();
    }

    private static void eventually(BooleanSupplier condition) {
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5)).until(condition::getAsBoolean);
    }

    @Test
    void reservesTheEstimateBeforeTheAttemptAndSettlesTheBilledCost() {
        BudgetStore store = store("10");
        AtomicReference<Usd> reservedDuringAttempt = new AtomicReference<>();
        Answering d = dispatcher(prices, store, new ScriptedTier(Tier.CLOUD, r -> {
            reservedDuringAttempt.set(view(store).daily().reserved());
            return Flux.just(up(completion("hi", 1000, 500)));
        }));

        StepVerifier.create(d.dispatch(exchange(), routed(PLAIN_MAX_10, ExhaustedAction.REJECT, Tier.CLOUD), null))
                .verifyComplete();

        // estimate: 0.18 + 3 prompt tokens ("hello there" = 11 chars) * 1.00/1M + 10 max tokens * 2.00/1M
        assertThat(reservedDuringAttempt.get()).isEqualTo(Usd.of("0.180023"));
        assertThat(d.estimate(routed(PLAIN, ExhaustedAction.REJECT, Tier.CLOUD), Tier.CLOUD))
                .isEqualTo(Usd.of("0.180515")); // 256 default completion tokens
        BudgetView v = view(store);
        assertThat(v.daily().spent())
                .isEqualTo(Usd.of("0.182"))
                .isEqualTo(records.get(0).cost());
        assertThat(v.daily().reserved()).isEqualTo(Usd.ZERO);
    }

    @Test
    void releasesAFailedAttemptAndReservesAgainForTheFallback() {
        // 1.20 holds legacy's 1.10 or cloud's 0.18, not both: cloud is granted only because legacy's was released.
        BudgetStore store = store("1.20");
        Answering d = dispatcher(
                prices,
                store,
                new ScriptedTier(Tier.LEGACY, r -> failBeforeFirstByte("HTTP 500")),
                new ScriptedTier(Tier.CLOUD, r -> Flux.just(up(completion("hi", 10, 2)))));

        StepVerifier.create(
                        d.dispatch(exchange(), routed(PLAIN, ExhaustedAction.REJECT, Tier.LEGACY, Tier.CLOUD), null))
                .verifyComplete();

        assertThat(records).singleElement().satisfies(r -> {
            assertThat(r.outcome()).isEqualTo(Outcome.FALLBACK);
            assertThat(r.attempts()).extracting(a -> a.outcome()).containsExactly(Outcome.ERROR, Outcome.OK);
        });
        BudgetView v = view(store);
        assertThat(v.daily().spent()).isEqualTo(Usd.of("0.180014"));
        assertThat(v.daily().reserved()).isEqualTo(Usd.ZERO);
    }

    @Test
    void aRefusedTierFallsToACheaperOneUnderReject() {
        BudgetStore store = store("0.50");
        AtomicInteger legacyCalls = new AtomicInteger();
        Answering d = dispatcher(
                prices,
                store,
                new ScriptedTier(Tier.LEGACY, r -> {
                    legacyCalls.incrementAndGet();
                    return Flux.just(up(completion("hi", 10, 2)));
                }),
                new ScriptedTier(Tier.CLOUD, r -> Flux.just(up(completion("hi", 10, 2)))));
        var ex = exchange();

        StepVerifier.create(d.dispatch(ex, routed(PLAIN, ExhaustedAction.REJECT, Tier.LEGACY, Tier.CLOUD), null))
                .verifyComplete();

        assertThat(legacyCalls).hasValue(0);
        assertThat(ex.getResponse().getHeaders().getFirst(BurstgateHeaders.TIER))
                .isEqualTo("cloud");
        assertThat(ex.getResponse().getHeaders().getFirst(BurstgateHeaders.REASON))
                .contains("legacy refused by budget: daily budget of $0.500000 reached");
        assertThat(records).singleElement().satisfies(r -> {
            assertThat(r.attempts()).extracting(a -> a.tier()).containsExactly(Tier.LEGACY, Tier.CLOUD);
            assertThat(r.attempts().get(0).outcome()).isEqualTo(Outcome.REJECTED);
            assertThat(r.attempts().get(0).cost()).isEqualTo(Usd.ZERO);
            assertThat(r.attempts().get(0).error()).isEqualTo("budget exhausted");
            assertThat(r.finalTier()).isEqualTo(Tier.CLOUD);
        });
        assertThat(view(store).daily().spent()).isEqualTo(Usd.of("0.180014"));
    }

    @Test
    void answers402WhenARefusalLeavesNoCheaperTier() {
        BudgetStore store = store("0.10");
        AtomicInteger legacyCalls = new AtomicInteger();
        Answering d = dispatcher(
                prices,
                store,
                new ScriptedTier(Tier.CLOUD, r -> Flux.just(up(completion("hi", 10, 2)))),
                new ScriptedTier(Tier.LEGACY, r -> {
                    legacyCalls.incrementAndGet();
                    return Flux.just(up(completion("hi", 10, 2)));
                }));
        var ex = exchange();

        StepVerifier.create(d.dispatch(ex, routed(STREAM, ExhaustedAction.REJECT, Tier.CLOUD, Tier.LEGACY), null))
                .expectErrorSatisfies(e -> {
                    ApiException api = (ApiException) e;
                    assertThat(api.status()).isEqualTo(HttpStatus.PAYMENT_REQUIRED);
                    assertThat(api.type()).isEqualTo("insufficient_quota");
                    assertThat(api.code()).isEqualTo("budget_exhausted");
                    assertThat(api.getMessage()).contains("tenant 'acme'").contains("daily budget of $0.100000");
                })
                .verify();

        assertThat(ex.getResponse().isCommitted()).isFalse();
        assertThat(legacyCalls).hasValue(0);
        assertThat(records).singleElement().satisfies(r -> {
            assertThat(r.outcome()).isEqualTo(Outcome.REJECTED);
            assertThat(r.cost()).isEqualTo(Usd.ZERO);
            assertThat(r.attempts())
                    .singleElement()
                    .satisfies(a -> assertThat(a.outcome()).isEqualTo(Outcome.REJECTED));
        });
        assertThat(view(store).daily().committed()).isEqualTo(Usd.ZERO);
    }

    @Test
    void underLocalOnlyARefusalServesTheLocalTierPastTheLimit() {
        BudgetStore store = store("0.10");
        Reservation earlier =
                (Reservation) store.reserve(TENANT, Usd.of("0.09")).block();
        store.settle(earlier, Usd.of("0.09")).block();
        Answering d = dispatcher(
                prices,
                store,
                new ScriptedTier(Tier.CLOUD, r -> Flux.just(up(completion("hi", 10, 2)))),
                new ScriptedTier(Tier.LOCAL, r -> Flux.just(up(completion("hi", 10, 2)))));
        var ex = exchange();

        StepVerifier.create(d.dispatch(ex, routed(PLAIN, ExhaustedAction.LOCAL_ONLY, Tier.CLOUD), null))
                .verifyComplete();

        assertThat(ex.getResponse().getHeaders().getFirst(BurstgateHeaders.TIER))
                .isEqualTo("local");
        assertThat(records).singleElement().satisfies(r -> {
            assertThat(r.attempts()).extracting(a -> a.tier()).containsExactly(Tier.CLOUD, Tier.LOCAL);
            assertThat(r.cost()).isEqualTo(Usd.of("0.02"));
        });
        BudgetView v = view(store);
        assertThat(v.daily().spent()).isEqualTo(Usd.of("0.11"));
        assertThat(v.daily().reserved()).isEqualTo(Usd.ZERO);
    }

    @Test
    void underLocalOnlyALocalTierThatCannotServeTheRequestIsSkipped() {
        BudgetStore store = store("0.10");
        Reservation earlier =
                (Reservation) store.reserve(TENANT, Usd.of("0.09")).block();
        store.settle(earlier, Usd.of("0.09")).block();
        AtomicInteger localCalls = new AtomicInteger();
        Answering d = new Answering(
                new Dispatcher(
                        List.of(
                                new ScriptedTier(Tier.CLOUD, r -> Flux.just(up(completion("hi", 10, 2)))),
                                new ScriptedTier(Tier.LOCAL, r -> {
                                    localCalls.incrementAndGet();
                                    return Flux.just(up(completion("hi", 10, 2)));
                                })),
                        prices,
                        store,
                        new CostRecords(prices, new CostEvents(List.of(records::add)), System::nanoTime),
                        256,
                        TierCapabilities.defaults(2048L)),
                new ResponseWriter(json));
        String image = "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"what is it\"},"
                + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:,x\"}}]}]}";

        StepVerifier.create(d.dispatch(exchange(), routed(image, ExhaustedAction.LOCAL_ONLY, Tier.CLOUD), null))
                .verifyErrorSatisfies(
                        e -> assertThat(((ApiException) e).status()).isEqualTo(HttpStatus.PAYMENT_REQUIRED));

        assertThat(localCalls).hasValue(0);
        assertThat(records)
                .singleElement()
                .satisfies(r -> assertThat(r.attempts())
                        .extracting(a -> a.tier(), a -> a.error())
                        .containsExactly(
                                org.assertj.core.groups.Tuple.tuple(
                                        Tier.CLOUD, r.attempts().get(0).error()),
                                org.assertj.core.groups.Tuple.tuple(Tier.LOCAL, "needs image content")));
        assertThat(view(store).daily().reserved()).isEqualTo(Usd.ZERO);
    }

    @Test
    void aFreeLocalTierNeverReservesAndIsNeverBlocked() {
        BudgetStore store = store("0");
        AtomicReference<Usd> reservedDuringAttempt = new AtomicReference<>();
        Answering d = dispatcher(
                freeLocal,
                store,
                new ScriptedTier(Tier.CLOUD, r -> Flux.just(up(completion("hi", 10, 2)))),
                new ScriptedTier(Tier.LOCAL, r -> {
                    reservedDuringAttempt.set(view(store).daily().reserved());
                    return Flux.just(up(completion("hi", 10, 2)));
                }));
        var ex = exchange();

        StepVerifier.create(d.dispatch(ex, routed(PLAIN, ExhaustedAction.REJECT, Tier.CLOUD, Tier.LOCAL), null))
                .verifyComplete();

        assertThat(ex.getResponse().getHeaders().getFirst(BurstgateHeaders.TIER))
                .isEqualTo("local");
        assertThat(reservedDuringAttempt.get()).isEqualTo(Usd.ZERO);
        assertThat(view(store).daily().committed()).isEqualTo(Usd.ZERO);
    }

    @Test
    void aClientGoingAwayBeforeTheFirstByteReleasesTheReservation() throws Exception {
        BudgetStore store = store("10");
        Answering d = dispatcher(prices, store, new ScriptedTier(Tier.LEGACY, r -> Flux.never()));

        Disposable call = d.dispatch(exchange(), routed(STREAM, ExhaustedAction.REJECT, Tier.LEGACY), null)
                .subscribe();
        eventually(() -> view(store).daily().reserved().equals(Usd.of("1.10")));
        call.dispose();

        BudgetView v = view(store);
        assertThat(v.daily().reserved()).isEqualTo(Usd.ZERO);
        assertThat(v.daily().spent()).isEqualTo(Usd.ZERO);
        assertThat(records)
                .singleElement()
                .satisfies(r -> assertThat(r.outcome()).isEqualTo(Outcome.CANCELLED));
    }

    @Test
    void aClientGoingAwayMidStreamSettlesWhatWasBilled() throws Exception {
        BudgetStore store = store("10");
        Answering d = dispatcher(
                prices,
                store,
                new ScriptedTier(Tier.CLOUD, r -> Flux.concat(Flux.just(up(chunk("Part", null))), Flux.never())));
        var ex = exchange();

        Disposable call = d.dispatch(ex, routed(STREAM, ExhaustedAction.REJECT, Tier.CLOUD), null)
                .subscribe();
        eventually(() -> ex.getResponse().isCommitted());
        call.dispose();

        assertThat(records).singleElement().satisfies(r -> {
            assertThat(r.outcome()).isEqualTo(Outcome.CANCELLED);
            // 0.18 + 3 estimated prompt tokens * 1.00/1M + 1 streamed chunk * 2.00/1M
            assertThat(r.cost()).isEqualTo(Usd.of("0.180005"));
        });
        BudgetView v = view(store);
        assertThat(v.daily().spent()).isEqualTo(Usd.of("0.180005"));
        assertThat(v.daily().reserved()).isEqualTo(Usd.ZERO);
    }

    @Test
    void aStreamCutMidwaySettlesItsBilledCost() {
        BudgetStore store = store("10");
        Answering d = dispatcher(
                prices,
                store,
                new ScriptedTier(
                        Tier.CLOUD,
                        r -> Flux.concat(
                                Flux.just(up(chunk("Part", null))),
                                Flux.error(new AttemptFailure(
                                        "http://node",
                                        AttemptFailure.Kind.CONNECTION_LOST,
                                        "connection reset",
                                        new java.io.IOException("reset"))))));

        StepVerifier.create(d.dispatch(exchange(), routed(STREAM, ExhaustedAction.REJECT, Tier.CLOUD), null))
                .verifyComplete();

        assertThat(records)
                .singleElement()
                .satisfies(r -> assertThat(r.outcome()).isEqualTo(Outcome.CUT));
        BudgetView v = view(store);
        assertThat(v.daily().spent()).isEqualTo(records.get(0).cost()).isEqualTo(Usd.of("0.180005"));
        assertThat(v.daily().reserved()).isEqualTo(Usd.ZERO);
    }

    @Test
    void aBudgetStoreThatFailsMakesThePricedAttemptFailAndFreeTiersStillServe() {
        BudgetStore memory = store("10");
        BudgetStore broken = new BudgetStore() {
            @Override
            public Mono<BudgetView> view(String tenant) {
                return memory.view(tenant);
            }

            @Override
            public Mono<ReserveResult> reserve(String tenant, Usd amount) {
                return Mono.error(new IllegalStateException("redis down"));
            }

            @Override
            public Mono<Reservation> reserveOverLimit(String tenant, Usd amount) {
                return Mono.error(new IllegalStateException("redis down"));
            }

            @Override
            public Mono<Void> settle(Reservation r, Usd actual) {
                return memory.settle(r, actual);
            }

            @Override
            public Mono<Void> setLimits(String tenant, BudgetLimits limits) {
                return memory.setLimits(tenant, limits);
            }
        };
        AtomicInteger cloudCalls = new AtomicInteger();
        Answering d = dispatcher(
                freeLocal,
                broken,
                new ScriptedTier(Tier.CLOUD, r -> {
                    cloudCalls.incrementAndGet();
                    return Flux.just(up(completion("hi", 10, 2)));
                }),
                new ScriptedTier(Tier.LOCAL, r -> Flux.just(up(completion("hi", 10, 2)))));
        var ex = exchange();

        StepVerifier.create(d.dispatch(ex, routed(PLAIN, ExhaustedAction.REJECT, Tier.CLOUD, Tier.LOCAL), null))
                .verifyComplete();

        assertThat(cloudCalls).hasValue(0);
        assertThat(ex.getResponse().getHeaders().getFirst(BurstgateHeaders.TIER))
                .isEqualTo("local");
        assertThat(records)
                .singleElement()
                .satisfies(r -> assertThat(r.attempts().get(0).error())
                        .startsWith("budget store unavailable: ")
                        .endsWith("redis down"));
    }
}
