package dev.burstgate.engine;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import java.beans.FeatureDescriptor;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.TextStyle;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import jinjava.javax.el.CompositeELResolver;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * A GGUF's Jinja chat template ({@code tokenizer.chat_template}) rendered in Java with Jinjava, the way Hugging Face
 * renders it (trimmed blocks, {@code messages}, {@code tools}, {@code add_generation_prompt}, {@code bos_token},
 * {@code eos_token}, {@code raise_exception}, {@code strftime_now}, a Python-style {@code tojson} and Python string
 * methods). llama.cpp's own Jinja engine aborts the process on a template error, so client input never goes there.
 *
 * <p>Thread safe.
 */
final class ChatTemplate {

    /** How the model writes a tool call. */
    enum ToolFormat {
        /** {@code <tool_call>\n{"name": ..., "arguments": {...}}\n</tool_call>}, one block per call. */
        HERMES,
        /** The whole answer is {@code {"tool_calls": [{"name": ..., "arguments": {...}}]}}. */
        GENERIC
    }

    /** The template could not render this conversation; the caller falls back to a generic rendering. */
    static final class UnsupportedTemplateException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UnsupportedTemplateException(String message) {
            super(message);
        }
    }

    private static final ObjectMapper JSON = JsonMapper.builder().build();
    private static final ThreadLocal<@Nullable String> RAISED = new ThreadLocal<>();
    private static final Jinjava JINJAVA = createJinjava();

    private final String source;
    private final String bosToken;
    private final String eosToken;
    private final ToolFormat toolFormat;
    private final boolean rendersTools;

    private ChatTemplate(String source, String bosToken, String eosToken) {
        this.source = source;
        this.bosToken = bosToken;
        this.eosToken = eosToken;
        this.toolFormat = source.contains("<tool_call>") ? ToolFormat.HERMES : ToolFormat.GENERIC;
        this.rendersTools = source.contains("tools");
    }

    /** A template from Jinja source, or null when {@code source} is absent or a built-in template's name. */
    static @Nullable ChatTemplate of(@Nullable String source, String bosToken, String eosToken) {
        if (source == null || !(source.contains("{%") || source.contains("{{"))) {
            return null;
        }
        return new ChatTemplate(source, bosToken, eosToken);
    }

    ToolFormat toolFormat() {
        return toolFormat;
    }

    /** Whether the template shows the {@code tools} to the model itself (otherwise the caller describes them). */
    boolean rendersTools() {
        return rendersTools;
    }

    String source() {
        return source;
    }

    /**
     * Renders the conversation, ending in the answer prompt.
     *
     * @throws InvalidChatRequestException   when the template refuses the conversation ({@code raise_exception})
     * @throws UnsupportedTemplateException  when Jinjava cannot render the template
     */
    String render(List<ChatMessage> messages, List<Tool> tools) {
        Map<String, Object> context = new HashMap<>();
        context.put("messages", messages(messages));
        if (!tools.isEmpty()) {
            context.put("tools", tools(tools));
        }
        context.put("add_generation_prompt", true);
        context.put("bos_token", bosToken);
        context.put("eos_token", eosToken);
        RAISED.remove();
        RenderResult result;
        try {
            result = JINJAVA.renderForResult(source, context);
        } catch (RuntimeException e) {
            throw new UnsupportedTemplateException("the chat template failed: " + e);
        } finally {
            String raised = RAISED.get();
            RAISED.remove();
            if (raised != null) {
                throw new InvalidChatRequestException(
                        "the model's chat template refused the conversation: " + raised, "messages");
            }
        }
        for (TemplateError e : result.getErrors()) {
            if (e.getSeverity() == TemplateError.ErrorType.FATAL) {
                throw new UnsupportedTemplateException("the chat template failed: " + e.getMessage());
            }
        }
        String out = result.getOutput();
        // llama.cpp adds the beginning-of-sequence token itself
        if (!bosToken.isEmpty() && out.startsWith(bosToken)) {
            out = out.substring(bosToken.length());
        }
        return out;
    }

    private static List<Map<String, @Nullable Object>> messages(List<ChatMessage> messages) {
        Map<String, String> callNames = new HashMap<>();
        List<Map<String, @Nullable Object>> out = new ArrayList<>(messages.size());
        for (ChatMessage m : messages) {
            Map<String, @Nullable Object> msg = new LinkedHashMap<>();
            msg.put("role", m.role().wireName());
            msg.put("content", m.content().isEmpty() && !m.toolCalls().isEmpty() ? null : m.content());
            if (!m.toolCalls().isEmpty()) {
                List<Object> calls = new ArrayList<>();
                for (ToolCall c : m.toolCalls()) {
                    callNames.put(c.id(), c.name());
                    Map<String, @Nullable Object> function = new LinkedHashMap<>();
                    function.put("name", c.name());
                    function.put("arguments", arguments(c.arguments()));
                    Map<String, @Nullable Object> call = new LinkedHashMap<>();
                    call.put("id", c.id());
                    call.put("type", "function");
                    call.put("function", function);
                    calls.add(call);
                }
                msg.put("tool_calls", calls);
            }
            if (m.toolCallId() != null) {
                msg.put("tool_call_id", m.toolCallId());
                String name = callNames.get(m.toolCallId());
                if (name != null) {
                    msg.put("name", name);
                }
            }
            out.add(msg);
        }
        return out;
    }

    /** Arguments as templates expect them: an object (Hugging Face convention), or the text if it is not one. */
    private static @Nullable Object arguments(String json) {
        try {
            JsonNode node = JSON.readTree(json);
            return node != null && node.isObject() ? plain(node) : json;
        } catch (JacksonException e) {
            return json;
        }
    }

    static List<Object> tools(List<Tool> tools) {
        List<Object> out = new ArrayList<>();
        for (Tool t : tools) {
            Map<String, @Nullable Object> function = new LinkedHashMap<>();
            function.put("name", t.name());
            if (t.description() != null) {
                function.put("description", t.description());
            }
            function.put("parameters", plain(JSON.readTree(t.parametersSchema())));
            Map<String, @Nullable Object> tool = new LinkedHashMap<>();
            tool.put("type", "function");
            tool.put("function", function);
            out.add(tool);
        }
        return out;
    }

    /** JSON as plain Java values (ordered maps, lists, strings, numbers, booleans, null). */
    static @Nullable Object plain(JsonNode node) {
        if (node.isObject()) {
            Map<String, @Nullable Object> map = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                map.put(e.getKey(), plain(e.getValue()));
            }
            return map;
        }
        if (node.isArray()) {
            List<@Nullable Object> list = new ArrayList<>();
            for (JsonNode v : node) {
                list.add(plain(v));
            }
            return list;
        }
        if (node.isString()) {
            return node.stringValue();
        }
        if (node.isBoolean()) {
            return node.booleanValue();
        }
        if (node.isIntegralNumber()) {
            return node.canConvertToLong() ? (Object) node.longValue() : node.bigIntegerValue();
        }
        if (node.isNumber()) {
            return node.doubleValue();
        }
        return null;
    }

    /** Python's {@code json.dumps} with its default separators ({@code ", "} and {@code ": "}). */
    static String toPythonJson(@Nullable Object value, int indent) {
        StringBuilder sb = new StringBuilder();
        writePython(sb, value, indent, 0);
        return sb.toString();
    }

    private static void writePython(StringBuilder sb, @Nullable Object v, int indent, int level) {
        if (v == null) {
            sb.append("null");
        } else if (v instanceof String s) {
            sb.append(JSON.writeValueAsString(s));
        } else if (v instanceof Boolean || v instanceof Number) {
            sb.append(v);
        } else if (v instanceof Map<?, ?> map) {
            if (map.isEmpty()) {
                sb.append("{}");
                return;
            }
            sb.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : map.entrySet()) {
                if (!first) {
                    sb.append(indent > 0 ? "," : ", ");
                }
                first = false;
                newline(sb, indent, level + 1);
                sb.append(JSON.writeValueAsString(String.valueOf(e.getKey()))).append(": ");
                writePython(sb, e.getValue(), indent, level + 1);
            }
            newline(sb, indent, level);
            sb.append('}');
        } else if (v instanceof Collection<?> list) {
            if (list.isEmpty()) {
                sb.append("[]");
                return;
            }
            sb.append('[');
            boolean first = true;
            for (Object o : list) {
                if (!first) {
                    sb.append(indent > 0 ? "," : ", ");
                }
                first = false;
                newline(sb, indent, level + 1);
                writePython(sb, o, indent, level + 1);
            }
            newline(sb, indent, level);
            sb.append(']');
        } else if (v instanceof Object[] array) {
            writePython(sb, List.of(array), indent, level);
        } else {
            sb.append(JSON.writeValueAsString(v.toString()));
        }
    }

    private static void newline(StringBuilder sb, int indent, int level) {
        if (indent > 0) {
            sb.append('\n').append(" ".repeat(indent * level));
        }
    }

    private static Jinjava createJinjava() {
        CompositeELResolver resolver = new CompositeELResolver();
        resolver.add(new PythonMethods());
        resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);
        JinjavaConfig config = JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                .withElResolver(resolver)
                .withMaxOutputSize(64L << 20)
                .withMaxRenderDepth(10)
                .withNestedInterpretationEnabled(false)
                .build();
        Jinjava jinjava = new Jinjava(config);
        jinjava.getGlobalContext()
                .registerFunction(new ELFunctionDefinition(
                        "", "raise_exception", ChatTemplate.class, "raiseException", Object.class));
        jinjava.getGlobalContext()
                .registerFunction(
                        new ELFunctionDefinition("", "strftime_now", ChatTemplate.class, "strftimeNow", String.class));
        jinjava.getGlobalContext().registerFilter(new ToJson());
        return jinjava;
    }

    /** {@code raise_exception(message)}: remembers the message and fails the render. */
    public static String raiseException(@Nullable Object message) {
        RAISED.set(String.valueOf(message));
        throw new IllegalStateException("raise_exception: " + message);
    }

    /** {@code strftime_now(format)}: the current time, Python {@code strftime} directives. */
    public static String strftimeNow(String format) {
        return strftime(ZonedDateTime.now(), format);
    }

    static String strftime(ZonedDateTime t, String format) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%' || i + 1 == format.length()) {
                sb.append(c);
                continue;
            }
            char d = format.charAt(++i);
            switch (d) {
                case 'd' -> sb.append(String.format("%02d", t.getDayOfMonth()));
                case 'm' -> sb.append(String.format("%02d", t.getMonthValue()));
                case 'Y' -> sb.append(t.getYear());
                case 'y' -> sb.append(String.format("%02d", t.getYear() % 100));
                case 'H' -> sb.append(String.format("%02d", t.getHour()));
                case 'I' -> sb.append(String.format("%02d", (t.getHour() + 11) % 12 + 1));
                case 'M' -> sb.append(String.format("%02d", t.getMinute()));
                case 'S' -> sb.append(String.format("%02d", t.getSecond()));
                case 'p' -> sb.append(t.getHour() < 12 ? "AM" : "PM");
                case 'b' -> sb.append(t.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
                case 'B' -> sb.append(t.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
                case 'a' -> sb.append(t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
                case 'A' -> sb.append(t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
                case 'j' -> sb.append(String.format("%03d", t.getDayOfYear()));
                case 'Z' -> sb.append(t.getZone().getId());
                case 'z' -> sb.append(t.format(DateTimeFormatter.ofPattern("xx")));
                case '%' -> sb.append('%');
                default -> sb.append('%').append(d);
            }
        }
        return sb.toString();
    }

    /** Python's {@code tojson} ({@code json.dumps}), with an optional {@code indent}. */
    private static final class ToJson implements Filter {
        @Override
        public String getName() {
            return "tojson";
        }

        @Override
        public Object filter(@Nullable Object var, JinjavaInterpreter interpreter, String... args) {
            int indent = 0;
            if (args.length > 0) {
                try {
                    indent = Integer.parseInt(args[0].trim());
                } catch (NumberFormatException e) {
                    indent = 0;
                }
            }
            return toPythonJson(var, indent);
        }

        @Override
        public Object filter(
                @Nullable Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            Object indent = kwargs.get("indent");
            if (indent == null && args.length > 0) {
                indent = args[0];
            }
            int n = indent instanceof Number num ? num.intValue() : 0;
            return toPythonJson(var, n);
        }
    }

    /** Python's string and dict methods that templates call ({@code startswith}, {@code strip}, {@code get}...). */
    private static final class PythonMethods extends ELResolver {
        @Override
        public @Nullable Object invoke(
                ELContext context,
                @Nullable Object base,
                Object method,
                Class<?> @Nullable [] paramTypes,
                Object @Nullable [] params) {
            Object[] p = params == null ? new Object[0] : params;
            Object result = null;
            if (base instanceof String s && method instanceof String m) {
                result = stringMethod(s, m, p);
            } else if (base instanceof Map<?, ?> map && method instanceof String m) {
                result = switch (m) {
                    case "get" -> p.length == 2 ? (map.containsKey(p[0]) ? map.get(p[0]) : p[1]) : null;
                    case "keys" -> p.length == 0 ? new ArrayList<>(map.keySet()) : null;
                    default -> null;
                };
                if (result == null && "get".equals(method) && p.length == 2) {
                    context.setPropertyResolved(true);
                    return null;
                }
            }
            if (result != null) {
                context.setPropertyResolved(true);
            }
            return result;
        }

        private static @Nullable Object stringMethod(String s, String m, Object[] p) {
            String a0 = p.length > 0 && p[0] != null ? p[0].toString() : null;
            return switch (m) {
                case "startswith" -> a0 == null ? null : s.startsWith(a0);
                case "endswith" -> a0 == null ? null : s.endsWith(a0);
                case "strip" -> a0 == null ? s.strip() : stripChars(stripChars(s, a0, true), a0, false);
                case "lstrip" -> a0 == null ? s.stripLeading() : stripChars(s, a0, true);
                case "rstrip" -> a0 == null ? s.stripTrailing() : stripChars(s, a0, false);
                case "upper" -> s.toUpperCase(Locale.ROOT);
                case "lower" -> s.toLowerCase(Locale.ROOT);
                case "title", "capitalize" ->
                    s.isEmpty() ? s : s.substring(0, 1).toUpperCase(Locale.ROOT) + s.substring(1);
                case "split" -> a0 == null ? List.of(s.strip().split("\\s+")) : splitLiteral(s, a0);
                case "find" -> a0 == null ? null : s.indexOf(a0);
                case "count" ->
                    a0 == null || a0.isEmpty()
                            ? null
                            : (s.length() - s.replace(a0, "").length()) / a0.length();
                default -> null;
            };
        }

        private static List<String> splitLiteral(String s, String sep) {
            List<String> out = new ArrayList<>();
            if (sep.isEmpty()) {
                out.add(s);
                return out;
            }
            int from = 0;
            while (true) {
                int at = s.indexOf(sep, from);
                if (at < 0) {
                    out.add(s.substring(from));
                    return out;
                }
                out.add(s.substring(from, at));
                from = at + sep.length();
            }
        }

        private static String stripChars(String s, String chars, boolean leading) {
            int start = 0;
            int end = s.length();
            if (leading) {
                while (start < end && chars.indexOf(s.charAt(start)) >= 0) {
                    start++;
                }
            } else {
                while (end > start && chars.indexOf(s.charAt(end - 1)) >= 0) {
                    end--;
                }
            }
            return s.substring(start, end);
        }

        @Override
        public @Nullable Object getValue(ELContext context, @Nullable Object base, Object property) {
            return null;
        }

        @Override
        public @Nullable Class<?> getType(ELContext context, @Nullable Object base, Object property) {
            return null;
        }

        @Override
        public void setValue(ELContext context, @Nullable Object base, Object property, @Nullable Object value) {}

        @Override
        public boolean isReadOnly(ELContext context, @Nullable Object base, Object property) {
            return true;
        }

        @Override
        public @Nullable Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, @Nullable Object base) {
            return null;
        }

        @Override
        public @Nullable Class<?> getCommonPropertyType(ELContext context, @Nullable Object base) {
            return null;
        }
    }

    @Override
    public String toString() {
        return "ChatTemplate[" + toolFormat + ", " + Objects.hash(source) + "]";
    }
}
