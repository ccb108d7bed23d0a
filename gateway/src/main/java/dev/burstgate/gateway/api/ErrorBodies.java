package dev.burstgate.gateway.api;

import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** Renders errors in the OpenAI shape, for JSON bodies and for SSE error events. */
public final class ErrorBodies {

    private ErrorBodies() {}

    public static ObjectNode body(JsonMapper json, ApiException e) {
        ObjectNode root = json.createObjectNode();
        ObjectNode error = root.putObject("error");
        error.put("message", e.getMessage());
        error.put("type", e.type());
        if (e.param() == null) {
            error.putNull("param");
        } else {
            error.put("param", e.param());
        }
        error.put("code", e.code());
        return root;
    }
}
