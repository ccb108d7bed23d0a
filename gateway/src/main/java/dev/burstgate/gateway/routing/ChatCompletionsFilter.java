package dev.burstgate.gateway.routing;

import dev.burstgate.gateway.api.BurstgateHeaders;
import dev.burstgate.gateway.api.ApiException;
import dev.burstgate.gateway.api.ChatCompletionRequest;
import dev.burstgate.gateway.api.ChatRequestParser;
import dev.burstgate.gateway.api.JsonContent;
import dev.burstgate.gateway.budget.BudgetStore;
import dev.burstgate.gateway.cache.ResponseCache;
import dev.burstgate.gateway.tenant.Tenant;
import dev.burstgate.gateway.tier.TierDispatcher;
import dev.burstgate.gateway.usage.AttemptRecord;
import dev.burstgate.gateway.usage.CostEvents;
import dev.burstgate.gateway.usage.CostRecord;
import dev.burstgate.gateway.usage.Outcome;
import dev.burstgate.policies.budget.BudgetState;
import dev.burstgate.policies.cost.PriceTable;
import dev.burstgate.policies.cost.Usage;
import dev.burstgate.policies.cost.Usd;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The chat completions route's filter: reads the body once (bounded), validates it, fetches the tenant's budget state
 * (non-blocking), classifies and routes it with the tenant's policy, answers from the cache when it can, and hands the
 * rest to the {@link TierDispatcher}. It ends the chain: the dispatcher writes the response.
 *
 * <p>When the budget store cannot answer, routing proceeds as if the tenant had no limits (logged): the dispatcher's
 * reservations still guard every priced tier, and fail when the store does.
 */
public final class ChatCompletionsFilter implements GatewayFilter, Ordered {

  private static final Logger log = LoggerFactory.getLogger(ChatCompletionsFilter.class);

  /** Exchange attribute holding the {@link RoutedRequest}. */
  public static final String ROUTED_ATTR = ChatCompletionsFilter.class.getName() + ".routed";

  private final ChatRequestParser parser;
  private final RequestRouter router;
  private final BudgetStore budgets;
  private final TierDispatcher dispatcher;
  private final ResponseCache cache;
  private final CostEvents events;
  private final PriceTable prices;
  private final JsonMapper json;
  private final InstantSource clock;
  private final int maxBodyBytes;

  public ChatCompletionsFilter(ChatRequestParser parser, RequestRouter router, BudgetStore budgets,
      TierDispatcher dispatcher, ResponseCache cache, CostEvents events, PriceTable prices, JsonMapper json,
      InstantSource clock, int maxBodyBytes) {
    this.parser = parser;
    this.router = router;
    this.budgets = budgets;
    this.dispatcher = dispatcher;
    this.cache = cache;
    this.events = events;
    this.prices = prices;
    this.json = json;
    this.clock = clock;
    this.maxBodyBytes = maxBodyBytes;
  }

  @Override
  public int getOrder() {
    return Ordered.LOWEST_PRECEDENCE;
  }

  @Override
  public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
    long startNanos = System.nanoTime();
    String requestId = RequestIds.next(clock.millis());
    exchange.getResponse().getHeaders().set(BurstgateHeaders.REQUEST_ID, requestId);
    Tenant tenant = exchange.getAttribute(Tenant.ATTRIBUTE);
    if (tenant == null) {
      return Mono.error(ApiException.invalidKey("Missing API key."));
    }
    JsonContent.require(exchange.getRequest().getHeaders());
    long declared = exchange.getRequest().getHeaders().getContentLength();
    if (declared > maxBodyBytes) {
      return Mono.error(ApiException.tooLarge("Request body of " + declared + " bytes exceeds the limit of " + maxBodyBytes + " bytes."));
    }
    return DataBufferUtils.join(exchange.getRequest().getBody(), maxBodyBytes)
        .map(buffer -> {
          byte[] bytes = new byte[buffer.readableByteCount()];
          buffer.read(bytes);
          DataBufferUtils.release(buffer);
          return bytes;
        })
        .defaultIfEmpty(new byte[0])
        .onErrorMap(org.springframework.core.io.buffer.DataBufferLimitException.class,
            e -> ApiException.tooLarge("Request body exceeds the limit of " + maxBodyBytes + " bytes."))
        .flatMap(bytes -> {
          if (bytes.length == 0) {
            return Mono.error(ApiException.badRequest("invalid_json", null, "Request body is empty; expected a JSON object."));
          }
          ChatCompletionRequest request = parser.parse(bytes);
          return budgetState(tenant).flatMap(budget -> {
            RequestRouter.Decision decision = router.route(tenant, request, exchange.getRequest().getHeaders(), budget);
            return switch (decision) {
              case RequestRouter.Decision.Reject reject -> reject(exchange, tenant, request, reject, requestId, startNanos);
              case RequestRouter.Decision.Route route -> answer(exchange, new RoutedRequest(requestId, tenant,
                  route.policy(), request, route.complexity(), route.tiers().get(0), route.tiers(), route.reason(),
                  clock.instant(), startNanos, route.onExhausted()));
            };
          });
        });
  }

  private Mono<BudgetState> budgetState(Tenant tenant) {
    return budgets.state(tenant.name()).onErrorResume(e -> {
      log.warn("budget state of tenant {} unavailable, routing without it (reservations still apply): {}",
          tenant.name(), e.toString());
      return Mono.just(BudgetState.UNLIMITED);
    });
  }

  /** The score with three decimals, rounded half up like {@code %.3f}. */
  static String complexity(double score) {
    return new java.math.BigDecimal(score).setScale(3, java.math.RoundingMode.HALF_UP).toPlainString();
  }

  private Mono<Void> answer(ServerWebExchange exchange, RoutedRequest routed) {
    exchange.getAttributes().put(ROUTED_ATTR, routed);
    HttpHeaders h = exchange.getResponse().getHeaders();
    h.set(BurstgateHeaders.COMPLEXITY, complexity(routed.complexity()));
    h.set(BurstgateHeaders.REASON, BurstgateHeaders.value(routed.reason()));
    if (!cache.cacheable(routed.request())) {
      return dispatcher.dispatch(exchange, routed, null);
    }
    String key = cache.key(routed.tenant().name(), routed.request());
    Optional<ResponseCache.Entry> hit = cache.get(key);
    if (hit.isPresent()) {
      return cached(exchange, routed, hit.get());
    }
    return dispatcher.dispatch(exchange, routed, (tier, answer) -> cache.put(key, tier, answer));
  }

  private Mono<Void> cached(ServerWebExchange exchange, RoutedRequest routed, ResponseCache.Entry entry) {
    ObjectNode body = entry.answer();
    JsonNode u = body.path("usage");
    Usage usage = new Usage(Math.max(0, u.path("prompt_tokens").asLong(0)), Math.max(0, u.path("completion_tokens").asLong(0)));
    if (body.get("usage") instanceof ObjectNode usageNode) {
      usageNode.put("cost", Usd.ZERO.amount());
    }
    byte[] bytes = json.writeValueAsBytes(body);
    ServerHttpResponse response = exchange.getResponse();
    HttpHeaders h = response.getHeaders();
    h.set(BurstgateHeaders.TIER, entry.tier().label());
    h.set(BurstgateHeaders.REASON, "cache hit: identical deterministic request answered before");
    h.set(BurstgateHeaders.CACHE, "hit");
    h.set(BurstgateHeaders.COST, Usd.ZERO.toString());
    h.setContentType(MediaType.APPLICATION_JSON);
    h.setContentLength(bytes.length);
    long done = System.nanoTime();
    events.publish(new CostRecord(routed.requestId(), routed.tenant().name(), routed.startTime(), routed.policy(),
        routed.complexity(), routed.decidedTier(), entry.tier(), usage, Usd.ZERO, prices.baseline(usage),
        Duration.ofNanos(done - routed.startNanos()), Duration.ofNanos(done - routed.startNanos()), true, false,
        Outcome.OK, "cache hit", List.of()));
    return response.writeWith(Mono.fromSupplier(() -> response.bufferFactory().wrap(bytes)));
  }

  private Mono<Void> reject(ServerWebExchange exchange, Tenant tenant, ChatCompletionRequest request,
      RequestRouter.Decision.Reject reject, String requestId, long startNanos) {
    exchange.getResponse().getHeaders().set(BurstgateHeaders.REASON, BurstgateHeaders.value(reject.error().getMessage()));
    exchange.getResponse().getHeaders().set(BurstgateHeaders.COMPLEXITY, complexity(reject.complexity()));
    Duration latency = Duration.ofNanos(System.nanoTime() - startNanos);
    events.publish(new CostRecord(requestId, tenant.name(), clock.instant(), reject.policy(), reject.complexity(),
        null, null, Usage.NONE, Usd.ZERO, Usd.ZERO, null, latency, false, request.stream(), Outcome.REJECTED,
        reject.error().getMessage(), List.<AttemptRecord>of()));
    return Mono.error(reject.error());
  }
}
