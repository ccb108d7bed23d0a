package dev.burstgate.engine.grammar;

import java.io.Serial;
import java.util.Objects;

/** A JSON Schema the grammar builder cannot honour: malformed, or using a constraint it cannot enforce. */
public final class InvalidSchemaException extends IllegalArgumentException {

    @Serial
    private static final long serialVersionUID = 1L;

    private final String path;

    public InvalidSchemaException(String path, String message) {
        super((path.isEmpty() ? "schema" : "schema at '" + path + "'") + ": " + message);
        this.path = path;
    }

    /** Where in the schema, as a JSON Pointer ("" for the root). */
    public String path() {
        return path;
    }

    @Override
    public String getMessage() {
        return Objects.requireNonNull(super.getMessage());
    }
}
