package dev.burstgate.gateway.tier;

import dev.burstgate.policies.capability.Capability;
import dev.burstgate.policies.capability.TierCapabilities;
import jakarta.validation.constraints.Min;
import java.util.EnumSet;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * {@code burstgate.tiers.<tier>.capabilities}: what a tier serves. Each key left unset takes the tier's default — a
 * remote tier serves everything its upstream accepts; the local tier serves tools and JSON output (constrained
 * decoding), no images, audio, files, logprobs or several choices, and prompts that fit one slot's context. The router
 * sends a request only to tiers that serve what it needs.
 *
 * @param tools {@code tools}, {@code tool_choice}, tool messages
 * @param jsonSchema {@code response_format} {@code json_object} / {@code json_schema}
 * @param vision image content parts
 * @param audio audio content parts and audio output
 * @param files file content parts
 * @param logprobs {@code logprobs} / {@code top_logprobs}
 * @param multipleChoices {@code n} greater than 1
 * @param functions the deprecated {@code functions} / {@code function_call}
 * @param openaiExtras {@code prediction}, {@code web_search_options} and tool types other than functions
 * @param contextTokens the longest prompt the tier takes, in tokens; unset: the local engine's context per slot, no
 *     limit for a remote tier
 */
public record TierCapabilitiesProperties(
        @Nullable Boolean tools,
        @Nullable Boolean jsonSchema,
        @Nullable Boolean vision,
        @Nullable Boolean audio,
        @Nullable Boolean files,
        @Nullable Boolean logprobs,
        @Nullable Boolean multipleChoices,
        @Nullable Boolean functions,
        @Nullable Boolean openaiExtras,
        @Nullable @Min(1) Long contextTokens) {

    /** This tier's capabilities: each key set here over {@code defaults}. */
    TierCapabilities.Of resolve(TierCapabilities.Of defaults) {
        Set<Capability> features =
                defaults.features().isEmpty() ? EnumSet.noneOf(Capability.class) : EnumSet.copyOf(defaults.features());
        set(features, Capability.TOOLS, tools);
        set(features, Capability.JSON_SCHEMA, jsonSchema);
        set(features, Capability.VISION, vision);
        set(features, Capability.AUDIO, audio);
        set(features, Capability.FILES, files);
        set(features, Capability.LOGPROBS, logprobs);
        set(features, Capability.MULTIPLE_CHOICES, multipleChoices);
        set(features, Capability.FUNCTIONS, functions);
        set(features, Capability.OPENAI_EXTRAS, openaiExtras);
        return new TierCapabilities.Of(features, contextTokens != null ? contextTokens : defaults.contextTokens());
    }

    private static void set(Set<Capability> features, Capability c, @Nullable Boolean value) {
        if (value == null) {
            return;
        }
        if (value) {
            features.add(c);
        } else {
            features.remove(c);
        }
    }
}
