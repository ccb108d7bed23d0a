package dev.burstgate.gateway.testsupport;

import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Reads a server-sent-events body as the JSON objects of its {@code data:} events ({@code [DONE]} left out). */
public final class Sse {

    private Sse() {}

    public static List<JsonNode> events(JsonMapper json, String body) {
        List<JsonNode> out = new ArrayList<>();
        for (String block : body.split("\n\n")) {
            String data = block.strip();
            if (data.startsWith("data: ") && !data.equals("data: [DONE]")) {
                out.add(json.readTree(data.substring(6)));
            }
        }
        return out;
    }
}
