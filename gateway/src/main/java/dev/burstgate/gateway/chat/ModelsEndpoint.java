package dev.burstgate.gateway.chat;

import dev.burstgate.gateway.api.ChatRequestParser;
import dev.burstgate.gateway.tier.TierBackend;
import dev.burstgate.policies.Tier;
import dev.burstgate.policies.capability.Capability;
import dev.burstgate.policies.capability.TierCapabilities;
import java.time.InstantSource;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code GET /v1/models}: {@code auto}, the three tiers and the configured aliases, in the OpenAI list shape. Each
 * entry also carries a {@code burstgate} object saying which tier it routes to, whether that tier is simulated, and
 * whether it is available now.
 */
final class ModelsEndpoint {

    private final ChatRequestParser parser;
    private final Map<Tier, TierBackend> backends;
    private final JsonMapper json;
    private final long created;
    private final TierCapabilities capabilities;

    ModelsEndpoint(
            ChatRequestParser parser,
            Map<Tier, TierBackend> backends,
            TierCapabilities capabilities,
            JsonMapper json,
            InstantSource clock) {
        this.parser = parser;
        this.capabilities = capabilities;
        this.backends = backends;
        this.json = json;
        this.created = clock.instant().getEpochSecond();
    }

    Mono<ServerResponse> list(ServerRequest request) {
        ObjectNode root = json.createObjectNode();
        root.put("object", "list");
        ArrayNode data = root.putArray("data");
        for (Map.Entry<String, @Nullable Tier> e : parser.models().entrySet()) {
            ObjectNode m = data.addObject();
            m.put("id", e.getKey());
            m.put("object", "model");
            m.put("created", created);
            m.put("owned_by", "burstgate");
            ObjectNode info = m.putObject("burstgate");
            Tier tier = e.getValue();
            if (tier == null) {
                info.put("routes_to", "auto");
                info.put("available", backends.values().stream().anyMatch(TierBackend::available));
            } else {
                TierBackend b = backends.get(tier);
                info.put("routes_to", tier.label());
                info.put("available", b != null && b.available());
                info.put("configured", b != null && !b.simulated());
                info.put("simulated", b != null && b.simulated());
                if (b != null) {
                    info.put("upstream_model", b.model());
                }
                TierCapabilities.Of of = capabilities.of(tier);
                ArrayNode caps = info.putArray("capabilities");
                for (Capability c : Capability.values()) {
                    if (of.has(c)) {
                        caps.add(c.key());
                    }
                }
                if (of.contextTokens() != null) {
                    info.put("context_tokens", of.contextTokens());
                } else {
                    info.putNull("context_tokens");
                }
            }
        }
        return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(json.writeValueAsBytes(root));
    }
}
