package dev.burstgate.policies.capability;

import java.util.Locale;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A feature of the Chat Completions API that not every tier serves. The gateway routes a request only to tiers that
 * have every capability it needs; the configuration key and the error messages use {@link #key()}.
 */
public enum Capability {
    /** {@code tools}, {@code tool_choice}, {@code tool} messages and assistant {@code tool_calls}. */
    TOOLS("tools", "tools"),
    /** {@code response_format} {@code json_object} or {@code json_schema}. */
    JSON_SCHEMA("json-schema", "JSON output (response_format)"),
    /** {@code image_url} content parts. */
    VISION("vision", "image content"),
    /** {@code input_audio} content parts, or audio output ({@code audio}, {@code modalities}). */
    AUDIO("audio", "audio"),
    /** {@code file} content parts. */
    FILES("files", "file content"),
    /** {@code logprobs} / {@code top_logprobs}. */
    LOGPROBS("logprobs", "logprobs"),
    /** {@code n} greater than 1. */
    MULTIPLE_CHOICES("multiple-choices", "several choices (n > 1)"),
    /** Deprecated {@code functions} / {@code function_call}. */
    FUNCTIONS("functions", "functions (deprecated)"),
    /** {@code prediction}, {@code web_search_options} and other parameters only the OpenAI API itself serves. */
    OPENAI_EXTRAS("openai-extras", "OpenAI-only parameters");

    private final String key;
    private final String description;

    Capability(String key, String description) {
        this.key = key;
        this.description = description;
    }

    /** The configuration key: {@code tools}, {@code json-schema}, {@code vision}, ... */
    public String key() {
        return key;
    }

    /** A few words for a routing note or an error message: {@code needs vision}. */
    public String description() {
        return description;
    }

    /** The capability a key names, in any letter case, {@code _} or {@code -} alike. */
    public static Optional<Capability> fromKey(@Nullable String key) {
        if (key == null) {
            return Optional.empty();
        }
        String k = key.strip().toLowerCase(Locale.ROOT).replace('_', '-');
        for (Capability c : values()) {
            if (c.key.equals(k) || c.key.replace("-", "").equals(k)) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }
}
