package dev.burstgate.engine;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The shape of the answer ({@code response_format}).
 *
 * @param type   text, any JSON object, or JSON valid against a schema
 * @param schema the JSON Schema (JSON text), for {@link Type#JSON_SCHEMA} only
 * @param name   the schema's name, for {@link Type#JSON_SCHEMA} only (informational)
 * @param strict whether the schema must be enforced exactly: a constraint the engine cannot enforce is then refused
 *               rather than ignored
 */
public record ResponseFormat(
        Type type, @Nullable String schema, @Nullable String name, boolean strict) {

    /** Kinds of answer. */
    public enum Type {
        TEXT,
        JSON_OBJECT,
        JSON_SCHEMA
    }

    public static final ResponseFormat TEXT = new ResponseFormat(Type.TEXT, null, null, false);
    public static final ResponseFormat JSON_OBJECT = new ResponseFormat(Type.JSON_OBJECT, null, null, false);

    public ResponseFormat {
        Objects.requireNonNull(type, "type");
        if ((type == Type.JSON_SCHEMA) != (schema != null)) {
            throw new IllegalArgumentException("a schema is given with, and only with, the JSON_SCHEMA type");
        }
        if (schema != null && schema.isBlank()) {
            throw new IllegalArgumentException("response format schema must not be blank");
        }
        if (type != Type.JSON_SCHEMA && (name != null || strict)) {
            throw new IllegalArgumentException("name and strict belong to the JSON_SCHEMA type");
        }
    }

    /** Answers valid against {@code schema}. */
    public static ResponseFormat jsonSchema(@Nullable String name, String schema, boolean strict) {
        return new ResponseFormat(Type.JSON_SCHEMA, Objects.requireNonNull(schema, "schema"), name, strict);
    }

    /** Whether the answer must be JSON. */
    public boolean isJson() {
        return type != Type.TEXT;
    }
}
