package dev.burstgate.engine;

import java.util.Objects;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A function the model may call.
 *
 * @param name             the function's name: 1 to 64 letters, digits, underscores or dashes
 * @param description      what it does, shown to the model
 * @param parametersSchema a JSON Schema (JSON text) of its arguments object
 * @param strict           whether the schema must be enforced exactly ({@code function.strict}): a constraint the
 *                         engine cannot enforce is then refused rather than ignored
 */
public record Tool(String name, @Nullable String description, String parametersSchema, boolean strict) {

    /** The schema of a function that takes no declared arguments. */
    public static final String ANY_OBJECT = "{\"type\":\"object\"}";

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    public Tool {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(parametersSchema, "parametersSchema");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(
                    "tool name must be 1 to 64 letters, digits, underscores or dashes, got '" + name + "'");
        }
        if (parametersSchema.isBlank()) {
            throw new IllegalArgumentException("tool '" + name + "' has a blank parameters schema");
        }
    }

    /** A non-strict tool. */
    public Tool(String name, @Nullable String description, String parametersSchema) {
        this(name, description, parametersSchema, false);
    }

    /** A non-strict tool taking any object. */
    public static Tool of(String name, @Nullable String description) {
        return new Tool(name, description, ANY_OBJECT, false);
    }
}
