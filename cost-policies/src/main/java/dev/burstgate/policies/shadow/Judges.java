package dev.burstgate.policies.shadow;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The judges that need no model: pure functions of the two answers. */
public final class Judges {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Pattern BLANKS = Pattern.compile("\\s+");

    private Judges() {}

    /**
     * Exact match: the texts are equal after {@link #normalize} and the tool calls are equal by name and argument text
     * (normalized the same way).
     */
    public static Verdict exact(ShadowAnswer cheaper, ShadowAnswer stronger) {
        if (!normalize(cheaper.text()).equals(normalize(stronger.text()))
                || cheaper.toolCalls().size() != stronger.toolCalls().size()) {
            return Verdict.NOT_ACCEPTABLE;
        }
        for (int i = 0; i < cheaper.toolCalls().size(); i++) {
            ShadowAnswer.ToolCall a = cheaper.toolCalls().get(i);
            ShadowAnswer.ToolCall b = stronger.toolCalls().get(i);
            if (!a.name().equals(b.name()) || !normalize(a.arguments()).equals(normalize(b.arguments()))) {
                return Verdict.NOT_ACCEPTABLE;
            }
        }
        return Verdict.ACCEPTABLE;
    }

    /**
     * Structural match. When either answer calls tools: the same calls, in any order, each equal by name and by its
     * arguments parsed as JSON (arguments that are not JSON compare as normalized text). Otherwise, when both texts
     * are JSON: equal as JSON values (object keys in any order, numbers by value: {@code 1} equals {@code 1.0}).
     * Otherwise the texts compare as {@link #exact} does.
     */
    public static Verdict structural(ShadowAnswer cheaper, ShadowAnswer stronger) {
        if (!cheaper.toolCalls().isEmpty() || !stronger.toolCalls().isEmpty()) {
            return Verdict.of(sameCalls(cheaper.toolCalls(), stronger.toolCalls()));
        }
        JsonNode a = parse(cheaper.text());
        JsonNode b = parse(stronger.text());
        if (a != null && b != null) {
            return Verdict.of(jsonEqual(a, b));
        }
        if (a != null || b != null) {
            return Verdict.NOT_ACCEPTABLE;
        }
        return Verdict.of(normalize(cheaper.text()).equals(normalize(stronger.text())));
    }

    /** Unicode NFC, runs of white space as one space, none at either end. */
    public static String normalize(String s) {
        return BLANKS.matcher(Normalizer.normalize(s, Normalizer.Form.NFC))
                .replaceAll(" ")
                .strip();
    }

    private static boolean sameCalls(List<ShadowAnswer.ToolCall> a, List<ShadowAnswer.ToolCall> b) {
        if (a.size() != b.size()) {
            return false;
        }
        List<ShadowAnswer.ToolCall> left = sorted(a);
        List<ShadowAnswer.ToolCall> right = new ArrayList<>(b);
        for (ShadowAnswer.ToolCall call : left) {
            int match = -1;
            for (int i = 0; i < right.size(); i++) {
                if (sameCall(call, right.get(i))) {
                    match = i;
                    break;
                }
            }
            if (match < 0) {
                return false;
            }
            right.remove(match);
        }
        return true;
    }

    private static List<ShadowAnswer.ToolCall> sorted(List<ShadowAnswer.ToolCall> calls) {
        List<ShadowAnswer.ToolCall> out = new ArrayList<>(calls);
        out.sort(Comparator.comparing(ShadowAnswer.ToolCall::name));
        return out;
    }

    private static boolean sameCall(ShadowAnswer.ToolCall a, ShadowAnswer.ToolCall b) {
        if (!a.name().equals(b.name())) {
            return false;
        }
        JsonNode x = parse(a.arguments());
        JsonNode y = parse(b.arguments());
        if (x != null && y != null) {
            return jsonEqual(x, y);
        }
        return x == null && y == null && normalize(a.arguments()).equals(normalize(b.arguments()));
    }

    /** The text as one JSON value, or null when it is not one (blank included). */
    static @Nullable JsonNode parse(String text) {
        String t = text.strip();
        if (t.isEmpty()) {
            return null;
        }
        try {
            JsonNode n = JSON.readTree(t);
            return n == null || n.isMissingNode() ? null : n;
        } catch (JacksonException e) {
            return null;
        }
    }

    /** JSON equality with object keys in any order and numbers compared by value. */
    static boolean jsonEqual(JsonNode a, JsonNode b) {
        if (a.isNumber() && b.isNumber()) {
            return a.decimalValue().compareTo(b.decimalValue()) == 0;
        }
        if (a.isObject() && b.isObject()) {
            if (a.size() != b.size()) {
                return false;
            }
            for (Map.Entry<String, JsonNode> e : a.properties()) {
                JsonNode other = b.get(e.getKey());
                if (other == null || !jsonEqual(e.getValue(), other)) {
                    return false;
                }
            }
            return true;
        }
        if (a.isArray() && b.isArray()) {
            if (a.size() != b.size()) {
                return false;
            }
            Iterator<JsonNode> i = a.iterator();
            Iterator<JsonNode> j = b.iterator();
            while (i.hasNext()) {
                if (!jsonEqual(i.next(), j.next())) {
                    return false;
                }
            }
            return true;
        }
        return a.equals(b);
    }
}
