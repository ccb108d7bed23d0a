package dev.burstgate.gateway.chat;

import dev.burstgate.gateway.access.Access;
import dev.burstgate.gateway.access.AccessRoutes;
import dev.burstgate.gateway.access.AccessRule;
import dev.burstgate.gateway.api.ChatRequestParser;
import dev.burstgate.gateway.budget.BudgetStore;
import dev.burstgate.gateway.cache.ResponseCache;
import dev.burstgate.gateway.dispatch.CostRecords;
import dev.burstgate.gateway.dispatch.Dispatcher;
import dev.burstgate.gateway.response.ResponseWriter;
import dev.burstgate.gateway.routing.RequestRouter;
import dev.burstgate.policies.capability.TierCapabilities;
import java.time.InstantSource;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.cloud.gateway.route.builder.RouteLocatorBuilder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;
import tools.jackson.databind.json.JsonMapper;

/** The OpenAI endpoints: the chat completions gateway route with its filter, and the models list. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(ChatProperties.class)
class ChatConfiguration {

    /** The route id of {@code POST /v1/chat/completions}. */
    static final String CHAT_ROUTE = "burstgate-chat-completions";

    @Bean
    ChatRequestParser chatRequestParser(JsonMapper json, ChatProperties props) {
        return new ChatRequestParser(json, props.models());
    }

    @Bean
    ResponseWriter responseWriter(JsonMapper json) {
        return new ResponseWriter(json);
    }

    @Bean
    ChatCompletionsFilter chatCompletionsFilter(
            ChatRequestParser parser,
            RequestRouter router,
            BudgetStore budgets,
            Dispatcher dispatcher,
            ResponseWriter writer,
            ResponseCache cache,
            CostRecords records,
            InstantSource clock,
            ChatProperties props) {
        return new ChatCompletionsFilter(parser, router, budgets, dispatcher, writer, cache, records, clock, (int)
                Math.min(Integer.MAX_VALUE, props.limits().maxBodySize().toBytes()));
    }

    /** Who may call the chat completions route (a gateway route, not a router function). */
    @Bean
    AccessRule chatCompletionsAccess() {
        return AccessRule.of(HttpMethod.POST, "/v1/chat/completions", Access.TENANT);
    }

    @Bean
    RouteLocator burstgateRoutes(RouteLocatorBuilder routes, ChatCompletionsFilter chat) {
        return routes.routes()
                .route(
                        CHAT_ROUTE,
                        r -> r.path("/v1/chat/completions")
                                .and()
                                .method(HttpMethod.POST)
                                .filters(f -> f.filter(chat))
                                .uri("no://op"))
                .build();
    }

    @Bean
    ModelsEndpoint modelsEndpoint(
            ChatRequestParser parser,
            Dispatcher dispatcher,
            TierCapabilities capabilities,
            JsonMapper json,
            InstantSource clock) {
        return new ModelsEndpoint(parser, dispatcher.backends(), capabilities, json, clock);
    }

    @Bean
    RouterFunction<ServerResponse> modelsRoute(ModelsEndpoint models) {
        return AccessRoutes.route()
                .GET("/v1/models", Access.TENANT, models::list)
                .build();
    }
}
