package dev.burstgate.gateway.tier;

import dev.burstgate.policies.Tier;
import dev.burstgate.policies.capability.TierCapabilities;
import dev.burstgate.policies.cost.TierPrice;
import dev.burstgate.policies.cost.TokenEstimate;
import dev.burstgate.policies.cost.Usd;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The three tiers' backends and prices. A tier's three {@code price-*} keys bind as {@link Usd} amounts (a decimal
 * string such as {@code 0.18}) and form its {@link TierPrice}, the one price type: its constructor holds the price
 * rules and runs while the record is bound, so a negative, empty or malformed price stops the start-up with a message
 * that names the key and the value.
 *
 * @param local the in-process engine
 * @param cloud the pool of OpenAI-compatible nodes
 * @param legacy the commercial API being replaced
 */
@Validated
@ConfigurationProperties(prefix = "burstgate.tiers")
public record TiersProperties(
        @DefaultValue @Valid Local local,
        @DefaultValue @Valid Cloud cloud,
        @DefaultValue @Valid Legacy legacy) {

    /**
     * The price of {@code burstgate.tiers.<tier>}; a rule of {@link TierPrice} broken is reported with the tier's three
     * price keys and their values. (An amount that is no number, or empty, fails before: {@link Usd#of} names it.)
     */
    static TierPrice tierPrice(String tier, Usd perQuery, Usd perMillionInput, Usd perMillionOutput) {
        try {
            return new TierPrice(perQuery, perMillionInput, perMillionOutput);
        } catch (IllegalArgumentException e) {
            // Not chained: start-up reports the deepest cause of a binding failure, and this message says it all.
            throw new IllegalArgumentException("burstgate.tiers." + tier + ": not a valid price (price-per-query "
                    + perQuery + ", price-per-million-input-tokens " + perMillionInput
                    + ", price-per-million-output-tokens "
                    + perMillionOutput + "): " + e.getMessage());
        }
    }

    /**
     * What each tier serves, each tier's keys over its defaults: the local tier's context defaults to one slot's share
     * of the in-process engine's ({@code context / parallel}).
     */
    public TierCapabilities capabilities() {
        return capabilities((long) (local.context() / local.parallel()));
    }

    /** What each tier serves, the local tier's context defaulting to {@code localSlotContext} tokens. */
    public TierCapabilities capabilities(long localSlotContext) {
        return new TierCapabilities(Map.of(
                Tier.LOCAL,
                local.capabilities().resolve(TierCapabilities.Of.localDefault(localSlotContext)),
                Tier.CLOUD,
                cloud.capabilities().resolve(TierCapabilities.Of.EVERYTHING),
                Tier.LEGACY,
                legacy.capabilities().resolve(TierCapabilities.Of.EVERYTHING)));
    }

    /**
     * The in-process engine.
     *
     * @param enabled {@code false} turns the local tier off (routing then skips it)
     * @param model a GGUF file; none means the tier is off, or, in demo mode, the generated tiny model
     * @param parallel parallel generation slots
     * @param context context size in tokens (shared by the slots)
     * @param threads CPU threads for inference
     * @param maxQueue requests that may wait for a slot before admission is refused
     * @param gpuLayers layers to offload (only with a GPU build of the natives)
     * @param maxTokens the completion limit when a request names none
     * @param name the model name reported to clients
     * @param pricePerQuery USD per answered request (a decimal amount, at least 0)
     * @param pricePerMillionInputTokens USD per million prompt tokens, added to the per-query price
     * @param pricePerMillionOutputTokens USD per million completion tokens, added to the per-query price
     * @param capabilities what the tier serves (default: tools and JSON output, prompts up to a slot's context)
     */
    public record Local(
            @DefaultValue("true") boolean enabled,
            @Nullable Path model,
            @DefaultValue("2") @Min(1) @Max(64) int parallel,
            @DefaultValue("2048") @Min(128) int context,
            @DefaultValue("2") @Min(1) int threads,
            @DefaultValue("8") @Min(0) int maxQueue,
            @DefaultValue("0") @Min(0) int gpuLayers,

            @DefaultValue("" + TokenEstimate.DEFAULT_COMPLETION_TOKENS) @Min(1)
            int maxTokens,

            @DefaultValue("burstgate-local") String name,
            @DefaultValue("0.02") Usd pricePerQuery,
            @DefaultValue("0") Usd pricePerMillionInputTokens,
            @DefaultValue("0") Usd pricePerMillionOutputTokens,
            @DefaultValue @Valid TierCapabilitiesProperties capabilities) {

        private static final String TIER = "local";

        public Local {
            tierPrice(TIER, pricePerQuery, pricePerMillionInputTokens, pricePerMillionOutputTokens);
        }

        /** This tier's price, validated when the record was bound. */
        public TierPrice price() {
            return tierPrice(TIER, pricePerQuery, pricePerMillionInputTokens, pricePerMillionOutputTokens);
        }
    }

    /**
     * The cloud pool: OpenAI-compatible endpoints (base URLs, e.g. {@code http://node:8000}) serving one model.
     *
     * @param endpoints the pool's nodes; none means the tier is off, or simulated in demo mode
     * @param apiKey the key sent to every node, if they need one
     * @param model the model name sent upstream
     * @param healthPath the path the pool's health check calls on each node
     * @param pricePerQuery USD per answered request (a decimal amount, at least 0)
     * @param pricePerMillionInputTokens USD per million prompt tokens, added to the per-query price
     * @param pricePerMillionOutputTokens USD per million completion tokens, added to the per-query price
     * @param capabilities what the tier serves (default: everything its upstream accepts)
     */
    public record Cloud(
            @DefaultValue List<URI> endpoints,
            @Nullable String apiKey,
            @DefaultValue("burstgate-cloud") String model,
            @DefaultValue("/health") String healthPath,
            @DefaultValue("0.18") Usd pricePerQuery,
            @DefaultValue("0") Usd pricePerMillionInputTokens,
            @DefaultValue("0") Usd pricePerMillionOutputTokens,
            @DefaultValue @Valid TierCapabilitiesProperties capabilities) {

        private static final String TIER = "cloud";

        public Cloud {
            tierPrice(TIER, pricePerQuery, pricePerMillionInputTokens, pricePerMillionOutputTokens);
        }

        /** This tier's price, validated when the record was bound. */
        public TierPrice price() {
            return tierPrice(TIER, pricePerQuery, pricePerMillionInputTokens, pricePerMillionOutputTokens);
        }
    }

    /**
     * The legacy commercial API.
     *
     * @param url its base URL (e.g. {@code https://api.example.com}); none means the tier is off, or simulated in demo
     *     mode
     * @param apiKey its key
     * @param model the model name sent to it
     * @param pricePerQuery USD per answered request (a decimal amount, at least 0)
     * @param pricePerMillionInputTokens USD per million prompt tokens, added to the per-query price
     * @param pricePerMillionOutputTokens USD per million completion tokens, added to the per-query price
     * @param capabilities what the tier serves (default: everything its upstream accepts)
     */
    public record Legacy(
            @Nullable URI url,
            @Nullable String apiKey,
            @DefaultValue("burstgate-legacy") String model,
            @DefaultValue("1.10") Usd pricePerQuery,
            @DefaultValue("0") Usd pricePerMillionInputTokens,
            @DefaultValue("0") Usd pricePerMillionOutputTokens,
            @DefaultValue @Valid TierCapabilitiesProperties capabilities) {

        private static final String TIER = "legacy";

        public Legacy {
            tierPrice(TIER, pricePerQuery, pricePerMillionInputTokens, pricePerMillionOutputTokens);
        }

        /** This tier's price, validated when the record was bound. */
        public TierPrice price() {
            return tierPrice(TIER, pricePerQuery, pricePerMillionInputTokens, pricePerMillionOutputTokens);
        }
    }
}
