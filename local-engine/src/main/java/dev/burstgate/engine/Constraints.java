package dev.burstgate.engine;

import dev.burstgate.engine.grammar.Gbnf;
import dev.burstgate.engine.grammar.InvalidSchemaException;
import dev.burstgate.engine.grammar.JsonSchemaGrammar;
import dev.burstgate.engine.reasoning.ThinkSplitter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * What a request's answer is constrained to, as a GBNF grammar, and the parsing of tool calls out of an answer.
 *
 * <ul>
 *   <li>{@code response_format} json_object: any JSON object; json_schema: JSON valid against the schema.
 *   <li>{@code tool_choice} required or a named function: exactly the tool format's call block(s), each call
 *       {@code {"name": <a tool>, "arguments": <valid against that tool's schema>}}.
 *   <li>auto: free text (or the response format's JSON) that never contains the call marker, optionally followed by
 *       call blocks as above, so any call the model starts is complete and valid once it ends.
 *   <li>none or no tools, and no response format: no grammar (plain sampling, full speed).
 * </ul>
 *
 * When the prompt opened a {@code <think>} block, free reasoning up to {@code </think>} comes first.
 */
final class Constraints {

    private static final ObjectMapper JSON = JsonMapper.builder().build();

    /** The marker that starts the tool-call part of an answer, per format. */
    static String marker(ChatTemplate.ToolFormat format) {
        return switch (format) {
            case HERMES -> "<tool_call>";
            case GENERIC -> "{\"tool_calls\"";
        };
    }

    private Constraints() {}

    /**
     * The grammar for a request, or null when its answer is unconstrained.
     *
     * @throws InvalidChatRequestException naming the field when a schema is malformed or not enforceable
     */
    static @Nullable String grammar(ChatRequest request, ChatTemplate.ToolFormat format, boolean thinking) {
        boolean calls = request.toolsCallable();
        ResponseFormat rf = request.responseFormat();
        if (!calls && !rf.isJson()) {
            return null;
        }
        Gbnf g = new Gbnf();
        String answer = switch (rf.type()) {
            case TEXT -> null;
            case JSON_OBJECT -> g.jsonObject();
            case JSON_SCHEMA -> {
                JsonNode schema =
                        parse(java.util.Objects.requireNonNull(rf.schema()), "response_format.json_schema.schema");
                try {
                    yield JsonSchemaGrammar.rule(g, schema, rf.strict(), "answer");
                } catch (InvalidSchemaException e) {
                    throw new InvalidChatRequestException(
                            "response_format.json_schema.schema: " + e.getMessage(), "response_format");
                }
            }
        };
        String body;
        if (!calls) {
            body = java.util.Objects.requireNonNull(answer);
        } else {
            String block = callBlocks(g, request, format);
            if (request.toolChoice().forcesCall()) {
                body = block;
            } else if (answer != null) {
                body = answer + " | " + block;
            } else {
                body = g.notContaining("text", marker(format), block);
            }
        }
        if (thinking) {
            String reasoning = g.notContaining("reasoning", ThinkSplitter.CLOSE, "");
            return g.build(reasoning + " " + Gbnf.literal(ThinkSplitter.CLOSE) + " [\\n ]{0,4} (" + body + ")");
        }
        return g.build(body);
    }

    private static String callBlocks(Gbnf g, ChatRequest request, ChatTemplate.ToolFormat format) {
        List<String> alternatives = new ArrayList<>();
        List<Tool> tools = request.tools();
        for (int i = 0; i < tools.size(); i++) {
            Tool t = tools.get(i);
            if (request.toolChoice().function() != null
                    && !t.name().equals(request.toolChoice().function())) {
                continue;
            }
            String param = "tools[" + i + "].function.parameters";
            JsonNode schema = parse(t.parametersSchema(), param);
            String args;
            try {
                args = JsonSchemaGrammar.rule(g, schema, t.strict(), "args-" + t.name());
            } catch (InvalidSchemaException e) {
                throw new InvalidChatRequestException(param + ": " + e.getMessage(), "tools");
            }
            alternatives.add(g.rule(
                    "call-" + t.name(),
                    Gbnf.literal("{\"name\": " + JSON.writeValueAsString(t.name()) + ", \"arguments\": ") + " " + args
                            + " " + Gbnf.literal("}")));
        }
        String call = g.rule("call", String.join(" | ", alternatives));
        boolean parallel = request.parallelToolCalls();
        return switch (format) {
            case HERMES -> {
                String one = g.rule(
                        "call-block",
                        Gbnf.literal("<tool_call>\n") + " " + call + " " + Gbnf.literal("\n</tool_call>"));
                yield g.rule("call-blocks", parallel ? one + " ( \"\\n\" " + one + " )*" : one);
            }
            case GENERIC ->
                g.rule(
                        "call-blocks",
                        Gbnf.literal("{\"tool_calls\": [") + " " + call + (parallel ? " ( \", \" " + call + " )*" : "")
                                + " " + Gbnf.literal("]}"));
        };
    }

    /** Parses and checks JSON text a client gave as a schema. */
    static JsonNode parse(String schema, String param) {
        JsonNode node;
        try {
            node = JSON.readTree(schema);
        } catch (JacksonException e) {
            throw new InvalidChatRequestException(param + " is not valid JSON: " + e.getOriginalMessage(), param);
        }
        if (node == null || !(node.isObject() || node.isBoolean())) {
            throw new InvalidChatRequestException(param + " must be a JSON Schema object", param);
        }
        return node;
    }

    /** Checks a request's schemas without generating: the errors {@link #grammar} would raise. */
    static void check(ChatRequest request, ChatTemplate.ToolFormat format) {
        grammar(request, format, false);
    }

    /**
     * Parses the tool-call part of an answer (from the marker on).
     *
     * @return the calls, with fresh ids and compact arguments; null when the text is not complete, valid calls of the
     *         request's tools
     */
    static @Nullable List<ToolCall> parseCalls(String text, ChatTemplate.ToolFormat format, List<Tool> tools) {
        List<JsonNode> calls = new ArrayList<>();
        String rest = text.strip();
        try {
            switch (format) {
                case HERMES -> {
                    String open = "<tool_call>";
                    String close = "</tool_call>";
                    while (!rest.isEmpty()) {
                        if (!rest.startsWith(open)) {
                            return null;
                        }
                        int end = rest.indexOf(close);
                        if (end < 0) {
                            return null;
                        }
                        calls.add(JSON.readTree(rest.substring(open.length(), end)));
                        rest = rest.substring(end + close.length()).strip();
                    }
                }
                case GENERIC -> {
                    JsonNode root = JSON.readTree(rest);
                    JsonNode list = root == null ? null : root.get("tool_calls");
                    if (list == null || !list.isArray()) {
                        return null;
                    }
                    list.forEach(calls::add);
                }
            }
        } catch (JacksonException e) {
            return null;
        }
        if (calls.isEmpty()) {
            return null;
        }
        List<ToolCall> out = new ArrayList<>();
        for (JsonNode c : calls) {
            if (c == null || !c.isObject()) {
                return null;
            }
            JsonNode name = c.get("name");
            JsonNode arguments = c.get("arguments");
            if (name == null || !name.isString() || arguments == null || !arguments.isObject()) {
                return null;
            }
            if (tools.stream().noneMatch(t -> t.name().equals(name.stringValue()))) {
                return null;
            }
            out.add(ToolCall.of(name.stringValue(), JSON.writeValueAsString(arguments)));
        }
        return out;
    }

    /** A generic description of the tools for a system prompt, for templates without a tool format. */
    static String describeTools(List<Tool> tools) {
        StringBuilder sb = new StringBuilder("You can call these functions (JSON Schemas of their arguments):\n");
        for (Object t : ChatTemplate.tools(tools)) {
            @SuppressWarnings("unchecked")
            Map<String, Object> function = (Map<String, Object>) ((Map<String, Object>) t).get("function");
            sb.append(ChatTemplate.toPythonJson(function, 0)).append('\n');
        }
        sb.append("To call functions, answer with only this JSON: ")
                .append("{\"tool_calls\": [{\"name\": <function name>, \"arguments\": <arguments object>}]}");
        return sb.toString();
    }

    /** A tool call as the generic format writes it, for replaying history to templates without a tool format. */
    static String genericCalls(List<ToolCall> calls) {
        StringBuilder sb = new StringBuilder("{\"tool_calls\": [");
        for (int i = 0; i < calls.size(); i++) {
            ToolCall c = calls.get(i);
            if (i > 0) {
                sb.append(", ");
            }
            sb.append("{\"name\": ").append(JSON.writeValueAsString(c.name())).append(", \"arguments\": ");
            sb.append(c.arguments().isBlank() ? "{}" : c.arguments()).append('}');
        }
        return sb.append("]}").toString();
    }
}
