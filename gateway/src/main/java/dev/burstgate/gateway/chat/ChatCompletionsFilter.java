package dev.burstgate.gateway.chat;

import dev.burstgate.gateway.api.ApiException;
import dev.burstgate.gateway.api.BurstgateHeaders;
import dev.burstgate.gateway.api.ChatCompletionRequest;
import dev.burstgate.gateway.api.ChatRequestParser;
import dev.burstgate.gateway.api.JsonContent;
import dev.burstgate.gateway.budget.BudgetStore;
import dev.burstgate.gateway.cache.ResponseCache;
import dev.burstgate.gateway.dispatch.AnswerEvent;
import dev.burstgate.gateway.dispatch.CostRecords;
import dev.burstgate.gateway.dispatch.Dispatcher;
import dev.burstgate.gateway.response.ResponseWriter;
import dev.burstgate.gateway.routing.RequestIds;
import dev.burstgate.gateway.routing.RequestRouter;
import dev.burstgate.gateway.routing.RoutedRequest;
import dev.burstgate.gateway.tenant.Tenant;
import dev.burstgate.policies.Tier;
import dev.burstgate.policies.budget.BudgetState;
import dev.burstgate.policies.cost.Usage;
import dev.burstgate.policies.cost.Usd;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.InstantSource;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The chat completions route's filter, the request path top-down: the tenant is already known (the access filter put
 * it in the exchange); the body is read once (bounded) and validated ({@link ChatRequestParser}); the tenant's budget
 * state is fetched without blocking; {@link RequestRouter} decides (pure); the answer comes from the cache or from the
 * {@link Dispatcher}'s events, which the {@link ResponseWriter} writes. Every request leaves one cost record
 * ({@link CostRecords}). It ends the chain.
 *
 * <p>When the budget store cannot answer, routing proceeds as if the tenant had no limits (logged): the dispatcher's
 * reservations still guard every priced tier, and fail when the store does.
 */
final class ChatCompletionsFilter implements GatewayFilter, Ordered {

    private static final Logger log = LoggerFactory.getLogger(ChatCompletionsFilter.class);

    private final ChatRequestParser parser;
    private final RequestRouter router;
    private final BudgetStore budgets;
    private final Dispatcher dispatcher;
    private final ResponseWriter writer;
    private final ResponseCache cache;
    private final CostRecords records;
    private final InstantSource clock;
    private final int maxBodyBytes;

    ChatCompletionsFilter(
            ChatRequestParser parser,
            RequestRouter router,
            BudgetStore budgets,
            Dispatcher dispatcher,
            ResponseWriter writer,
            ResponseCache cache,
            CostRecords records,
            InstantSource clock,
            int maxBodyBytes) {
        this.parser = parser;
        this.router = router;
        this.budgets = budgets;
        this.dispatcher = dispatcher;
        this.writer = writer;
        this.cache = cache;
        this.records = records;
        this.clock = clock;
        this.maxBodyBytes = maxBodyBytes;
    }

    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
        long startNanos = records.nanoTime();
        String requestId = RequestIds.next(clock.millis());
        exchange.getResponse().getHeaders().set(BurstgateHeaders.REQUEST_ID, requestId);
        Tenant tenant = exchange.getAttribute(Tenant.ATTRIBUTE);
        if (tenant == null) {
            return Mono.error(ApiException.invalidKey("Missing API key."));
        }
        HttpHeaders headers = exchange.getRequest().getHeaders();
        JsonContent.require(headers);
        long declared = headers.getContentLength();
        if (declared > maxBodyBytes) {
            return Mono.error(ApiException.tooLarge(
                    "Request body of " + declared + " bytes exceeds the limit of " + maxBodyBytes + " bytes."));
        }
        return body(exchange).flatMap(bytes -> {
            ChatCompletionRequest request = parser.parse(bytes);
            return budgetState(tenant).flatMap(budget -> switch (router.route(tenant, request, headers, budget)) {
                case RequestRouter.Decision.Reject reject ->
                    reject(exchange, tenant, request, reject, requestId, startNanos);
                case RequestRouter.Decision.Route route ->
                    answer(
                            exchange,
                            new RoutedRequest(
                                    requestId,
                                    tenant,
                                    route.policy(),
                                    request,
                                    route.complexity(),
                                    route.tiers().get(0),
                                    route.tiers(),
                                    route.reason(),
                                    clock.instant(),
                                    startNanos,
                                    route.onExhausted(),
                                    route.cascade(),
                                    route.input()));
            });
        });
    }

    /** The whole body, at most {@code maxBodyBytes}; empty is a 400. */
    private Mono<byte[]> body(ServerWebExchange exchange) {
        return DataBufferUtils.join(exchange.getRequest().getBody(), maxBodyBytes)
                .map(buffer -> {
                    byte[] bytes = new byte[buffer.readableByteCount()];
                    buffer.read(bytes);
                    DataBufferUtils.release(buffer);
                    return bytes;
                })
                .defaultIfEmpty(new byte[0])
                .onErrorMap(
                        DataBufferLimitException.class,
                        e -> ApiException.tooLarge("Request body exceeds the limit of " + maxBodyBytes + " bytes."))
                .handle((bytes, sink) -> {
                    if (bytes.length == 0) {
                        sink.error(ApiException.badRequest(
                                "invalid_json", null, "Request body is empty; expected a JSON object."));
                    } else {
                        sink.next(bytes);
                    }
                });
    }

    private Mono<BudgetState> budgetState(Tenant tenant) {
        return budgets.state(tenant.name()).onErrorResume(e -> {
            log.warn(
                    "budget state of tenant {} unavailable, routing without it (reservations still apply): {}",
                    tenant.name(),
                    e.toString());
            return Mono.just(BudgetState.UNLIMITED);
        });
    }

    /** The score with three decimals, rounded half up like {@code %.3f}. */
    static String complexity(double score) {
        return new BigDecimal(score).setScale(3, RoundingMode.HALF_UP).toPlainString();
    }

    private Mono<Void> answer(ServerWebExchange exchange, RoutedRequest routed) {
        HttpHeaders h = exchange.getResponse().getHeaders();
        h.set(BurstgateHeaders.COMPLEXITY, complexity(routed.complexity()));
        h.set(BurstgateHeaders.REASON, BurstgateHeaders.value(routed.reason()));
        boolean stream = routed.request().stream();
        if (!cache.cacheable(routed.request())) {
            return writer.write(exchange.getResponse(), dispatcher.dispatch(routed), stream);
        }
        String key = cache.key(routed.tenant().name(), routed.request());
        Optional<ResponseCache.Entry> hit = cache.get(key);
        if (hit.isPresent()) {
            return cached(exchange, routed, hit.get());
        }
        AtomicReference<@Nullable Tier> tier = new AtomicReference<>();
        Flux<AnswerEvent> events = dispatcher.dispatch(routed).doOnNext(e -> {
            if (e instanceof AnswerEvent.Started s) {
                tier.set(s.tier());
            } else if (e instanceof AnswerEvent.Completion c && tier.get() instanceof Tier answered) {
                cache.put(key, answered, c.body());
            }
        });
        return writer.write(exchange.getResponse(), events, false);
    }

    private Mono<Void> cached(ServerWebExchange exchange, RoutedRequest routed, ResponseCache.Entry entry) {
        ObjectNode body = entry.answer();
        JsonNode u = body.path("usage");
        Usage usage = new Usage(
                Math.max(0, u.path("prompt_tokens").asLong(0)),
                Math.max(0, u.path("completion_tokens").asLong(0)));
        if (body.get("usage") instanceof ObjectNode usageNode) {
            usageNode.put("cost", Usd.ZERO.amount());
        }
        records.cacheHit(routed, entry.tier(), usage);
        return writer.write(
                exchange.getResponse(),
                Flux.just(
                        new AnswerEvent.Started(
                                entry.tier(), "cache hit: identical deterministic request answered before", true),
                        new AnswerEvent.Completion(body, Usd.ZERO)),
                false);
    }

    private Mono<Void> reject(
            ServerWebExchange exchange,
            Tenant tenant,
            ChatCompletionRequest request,
            RequestRouter.Decision.Reject reject,
            String requestId,
            long startNanos) {
        HttpHeaders h = exchange.getResponse().getHeaders();
        h.set(BurstgateHeaders.REASON, BurstgateHeaders.value(reject.error().getMessage()));
        h.set(BurstgateHeaders.COMPLEXITY, complexity(reject.complexity()));
        records.rejected(
                requestId,
                tenant,
                clock.instant(),
                reject.policy(),
                reject.complexity(),
                request.stream(),
                reject.error().getMessage(),
                startNanos,
                reject.input());
        return Mono.error(reject.error());
    }
}
