package dev.burstgate.gateway.config;

import dev.burstgate.gateway.access.AccessRule;
import dev.burstgate.gateway.access.AccessRoutes;
import dev.burstgate.gateway.access.Access;
import dev.burstgate.gateway.api.ChatRequestParser;
import dev.burstgate.gateway.api.ModelsEndpoint;
import dev.burstgate.gateway.budget.BudgetProperties;
import dev.burstgate.gateway.budget.BudgetStore;
import dev.burstgate.gateway.cache.ResponseCache;
import dev.burstgate.gateway.routing.ChatCompletionsFilter;
import dev.burstgate.gateway.routing.RequestRouter;
import dev.burstgate.gateway.tenant.TenantRegistry;
import dev.burstgate.gateway.tier.TierBackend;
import dev.burstgate.gateway.tier.TierDispatcher;
import dev.burstgate.gateway.usage.CostEvents;
import dev.burstgate.gateway.usage.CostMetrics;
import dev.burstgate.gateway.usage.CostRecordListener;
import dev.burstgate.gateway.usage.RecentRecords;
import dev.burstgate.policies.Tier;
import dev.burstgate.policies.cost.PriceTable;
import dev.burstgate.policies.cost.TierPrice;
import dev.burstgate.policies.cost.Usd;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.cloud.gateway.route.builder.RouteLocatorBuilder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;
import tools.jackson.databind.json.JsonMapper;

/** Wires the request path: auth, the chat route, the dispatcher, usage and cost. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(BurstgateProperties.class)
public class GatewayConfiguration {

  /** The route id of {@code POST /v1/chat/completions}. */
  public static final String CHAT_ROUTE = "burstgate-chat-completions";

  @Bean
  InstantSource clock() {
    return InstantSource.system();
  }

  @Bean
  TenantRegistry tenantRegistry(BurstgateProperties props) {
    return new TenantRegistry(props);
  }


  @Bean
  PriceTable priceTable(BurstgateProperties props) {
    BurstgateProperties.Tiers t = props.tiers();
    return PriceTable.defaults()
        .with(Tier.LOCAL, price(t.local().price()))
        .with(Tier.CLOUD, price(t.cloud().price()))
        .with(Tier.LEGACY, price(t.legacy().price()));
  }

  private static TierPrice price(BurstgateProperties.Price p) {
    return new TierPrice(new Usd(p.perQuery()), new Usd(p.perMillionInputTokens()), new Usd(p.perMillionOutputTokens()));
  }

  @Bean
  RecentRecords recentRecords() {
    return new RecentRecords(1000);
  }

  @Bean
  CostMetrics costMetrics(MeterRegistry meters) {
    return new CostMetrics(meters);
  }

  @Bean
  CostEvents costEvents(ObjectProvider<CostRecordListener> listeners) {
    return new CostEvents(new ArrayList<>(listeners.orderedStream().toList()));
  }

  @Bean
  ChatRequestParser chatRequestParser(JsonMapper json, BurstgateProperties props) {
    return new ChatRequestParser(json, props.models());
  }

  @Bean
  ResponseCache responseCache(BurstgateProperties props, JsonMapper json) {
    return new ResponseCache(props.cache(), json);
  }

  @Bean
  TierDispatcher tierDispatcher(List<TierBackend> backends, PriceTable prices, CostEvents events, JsonMapper json,
      BudgetStore budgets, BudgetProperties budgetProps) {
    return new TierDispatcher(backends, prices, events, json, budgets, budgetProps.defaultCompletionTokens());
  }

  @Bean
  ChatCompletionsFilter chatCompletionsFilter(ChatRequestParser parser, RequestRouter router, BudgetStore budgets,
      TierDispatcher dispatcher, ResponseCache cache, CostEvents events, PriceTable prices, JsonMapper json,
      InstantSource clock, BurstgateProperties props) {
    return new ChatCompletionsFilter(parser, router, budgets, dispatcher, cache, events, prices, json, clock,
        (int) Math.min(Integer.MAX_VALUE, props.limits().maxBodySize().toBytes()));
  }

  /** Who may call the chat completions route (a gateway route, not a router function). */
  @Bean
  AccessRule chatCompletionsAccess() {
    return AccessRule.of(HttpMethod.POST, "/v1/chat/completions", Access.TENANT);
  }

  @Bean
  RouteLocator burstgateRoutes(RouteLocatorBuilder routes, ChatCompletionsFilter chat) {
    return routes.routes()
        .route(CHAT_ROUTE, r -> r.path("/v1/chat/completions").and().method(HttpMethod.POST)
            .filters(f -> f.filter(chat))
            .uri("no://op"))
        .build();
  }

  @Bean
  ModelsEndpoint modelsEndpoint(ChatRequestParser parser, TierDispatcher dispatcher, JsonMapper json, InstantSource clock) {
    return new ModelsEndpoint(parser, dispatcher.backends(), json, clock);
  }

  @Bean
  RouterFunction<ServerResponse> modelsRoute(ModelsEndpoint models) {
    return AccessRoutes.route().GET("/v1/models", Access.TENANT, models::list).build();
  }
}
