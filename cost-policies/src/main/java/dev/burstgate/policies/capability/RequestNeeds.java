package dev.burstgate.policies.capability;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * What one request needs from the tier that answers it.
 *
 * @param features each needed capability with the request parameter that needs it (named in a refusal), e.g.
 *     {@code VISION -> "messages[0].content[1]"}
 * @param promptTokens the prompt's size in tokens (an estimate is fine); a tier whose context is smaller cannot take it
 */
public record RequestNeeds(Map<Capability, String> features, long promptTokens) {

    /** A plain text chat of unknown size. */
    public static final RequestNeeds NONE = new RequestNeeds(Map.of(), 0);

    public RequestNeeds {
        Objects.requireNonNull(features, "features");
        EnumMap<Capability, String> copy = new EnumMap<>(Capability.class);
        copy.putAll(features);
        features = Collections.unmodifiableMap(copy);
        if (promptTokens < 0) {
            throw new IllegalArgumentException("promptTokens must be >= 0, got " + promptTokens);
        }
    }

    /** A text chat of {@code promptTokens} tokens. */
    public static RequestNeeds ofPromptTokens(long promptTokens) {
        return new RequestNeeds(Map.of(), promptTokens);
    }

    public Set<Capability> capabilities() {
        return features.keySet();
    }

    public boolean needs(Capability c) {
        return features.containsKey(c);
    }

    /** The parameter that needs {@code c}, or null when it is not needed. */
    public @Nullable String parameter(Capability c) {
        return features.get(c);
    }

    public RequestNeeds withPromptTokens(long tokens) {
        return new RequestNeeds(features, tokens);
    }
}
