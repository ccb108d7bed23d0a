package dev.burstgate.engine.grammar;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * Turns a JSON Schema into GBNF rules whose every complete match is a JSON document valid against the schema.
 *
 * <p>Supported: {@code type} (one or several), {@code enum}, {@code const}, {@code properties} with {@code required}
 * (declared properties only; {@code additionalProperties} with a schema or {@code true} adds free extra keys),
 * {@code items}, {@code minItems}/{@code maxItems}, {@code minLength}/{@code maxLength}, the string formats
 * {@code date}, {@code time}, {@code date-time} and {@code uuid}, integer {@code minimum}/{@code maximum} for small
 * ranges and for lower bounds of 0 or 1, {@code anyOf}/{@code oneOf}, a single-element {@code allOf}, local
 * {@code $ref}s ({@code #}, {@code #/$defs/...}, {@code #/definitions/...}, recursion included), and annotations
 * (title, description, default, examples...), which are ignored. Any other constraint (pattern, multipleOf, not,
 * uniqueItems...) is refused in strict mode and ignored otherwise, so only strict output is guaranteed to validate.
 *
 * <p>Numbers and integers have bounded digits and whitespace is bounded, so a schema whose strings have a
 * {@code maxLength} and whose arrays have a {@code maxItems} (and no recursion) yields a finite language: any model,
 * random weights included, ends its answer.
 */
public final class JsonSchemaGrammar {

    /** Largest length or item bound expanded into the grammar. */
    public static final int MAX_BOUND = 4096;
    /** Largest integer range enumerated. */
    static final int MAX_ENUMERATED_RANGE = 1000;

    private static final int MAX_DEPTH = 64;

    private static final Set<String> ANNOTATIONS = Set.of(
            "title",
            "description",
            "default",
            "examples",
            "$schema",
            "$id",
            "$comment",
            "deprecated",
            "readOnly",
            "writeOnly",
            "$defs",
            "definitions",
            "nullable",
            "strict",
            "name");
    private static final Set<String> HANDLED = Set.of(
            "type",
            "enum",
            "const",
            "properties",
            "required",
            "additionalProperties",
            "items",
            "minItems",
            "maxItems",
            "minLength",
            "maxLength",
            "format",
            "minimum",
            "maximum",
            "exclusiveMinimum",
            "exclusiveMaximum",
            "anyOf",
            "oneOf",
            "allOf",
            "$ref");

    private static final ObjectMapper JSON = JsonMapper.builder().build();

    private final Gbnf g;
    private final JsonNode root;
    private final boolean strict;
    private final Map<String, String> refRules = new HashMap<>();

    private JsonSchemaGrammar(Gbnf g, JsonNode root, boolean strict) {
        this.g = g;
        this.root = root;
        this.strict = strict;
    }

    /** A whole grammar whose root is a document valid against {@code schema}. */
    public static String grammar(JsonNode schema, boolean strict) {
        Gbnf g = new Gbnf();
        String rule = rule(g, schema, strict, "value");
        return g.build(rule);
    }

    /**
     * Adds the rules for {@code schema} to {@code g}.
     *
     * @return the name of the rule matching a valid document
     * @throws InvalidSchemaException naming the place in the schema
     */
    public static String rule(Gbnf g, JsonNode schema, boolean strict, String nameHint) {
        return new JsonSchemaGrammar(g, schema, strict).visit(schema, "", nameHint, 0);
    }

    private String visit(JsonNode s, String path, String hint, int depth) {
        if (depth > MAX_DEPTH) {
            throw new InvalidSchemaException(path, "nested deeper than " + MAX_DEPTH + " levels");
        }
        if (s.isBoolean()) {
            if (!s.booleanValue()) {
                throw new InvalidSchemaException(path, "the schema 'false' matches nothing");
            }
            return g.jsonValue();
        }
        if (!s.isObject()) {
            throw new InvalidSchemaException(path, "a schema must be an object or a boolean");
        }
        checkKeywords(s, path);
        JsonNode ref = s.get("$ref");
        if (ref != null) {
            return ref(ref, path, depth);
        }
        JsonNode constant = s.get("const");
        if (constant != null) {
            return g.rule(hint, Gbnf.literal(compact(constant)));
        }
        JsonNode enumeration = s.get("enum");
        if (enumeration != null) {
            if (!enumeration.isArray() || enumeration.isEmpty()) {
                throw new InvalidSchemaException(path + "/enum", "must be a non-empty array");
            }
            List<String> alts = new ArrayList<>();
            for (JsonNode v : enumeration) {
                alts.add(Gbnf.literal(compact(v)));
            }
            return g.rule(hint, String.join(" | ", alts));
        }
        for (String key : List.of("anyOf", "oneOf")) {
            JsonNode any = s.get(key);
            if (any != null) {
                if (!any.isArray() || any.isEmpty()) {
                    throw new InvalidSchemaException(path + "/" + key, "must be a non-empty array");
                }
                List<String> alts = new ArrayList<>();
                for (int i = 0; i < any.size(); i++) {
                    alts.add(visit(any.get(i), path + "/" + key + "/" + i, hint + "-" + i, depth + 1));
                }
                return g.rule(hint, String.join(" | ", alts));
            }
        }
        JsonNode all = s.get("allOf");
        if (all != null) {
            if (!all.isArray() || all.size() != 1) {
                throw new InvalidSchemaException(path + "/allOf", "only a single-element allOf is supported");
            }
            return visit(all.get(0), path + "/allOf/0", hint, depth + 1);
        }
        JsonNode type = s.get("type");
        if (type == null) {
            if (s.has("properties")) {
                return object(s, path, hint, depth);
            }
            if (s.has("items")) {
                return array(s, path, hint, depth);
            }
            return g.jsonValue();
        }
        if (type.isArray()) {
            if (type.isEmpty()) {
                throw new InvalidSchemaException(path + "/type", "must not be empty");
            }
            List<String> alts = new ArrayList<>();
            for (JsonNode t : type) {
                alts.add(typed(s, t, path, hint + "-" + t.asString(), depth));
            }
            return g.rule(hint, String.join(" | ", alts));
        }
        return typed(s, type, path, hint, depth);
    }

    private String typed(JsonNode s, JsonNode type, String path, String hint, int depth) {
        if (!type.isString()) {
            throw new InvalidSchemaException(path + "/type", "must be a string or an array of strings");
        }
        return switch (type.stringValue()) {
            case "object" -> object(s, path, hint, depth);
            case "array" -> array(s, path, hint, depth);
            case "string" -> string(s, path, hint);
            case "integer" -> integer(s, path, hint);
            case "number" -> {
                for (String k : List.of("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")) {
                    if (s.has(k)) {
                        unsupported(path, "'" + k + "' on a number");
                    }
                }
                yield g.jsonNumber();
            }
            case "boolean" -> g.shared("json-boolean", "\"true\" | \"false\"");
            case "null" -> g.shared("json-null", "\"null\"");
            default ->
                throw new InvalidSchemaException(
                        path + "/type",
                        "unknown type '" + type.stringValue()
                                + "' (object, array, string, integer, number, boolean, null)");
        };
    }

    private String ref(JsonNode ref, String path, int depth) {
        if (!ref.isString()) {
            throw new InvalidSchemaException(path + "/$ref", "must be a string");
        }
        String target = ref.stringValue();
        String existing = refRules.get(target);
        if (existing != null) {
            return existing;
        }
        JsonNode resolved;
        if (target.equals("#")) {
            resolved = root;
        } else if (target.startsWith("#/")) {
            resolved = root.at(target.substring(1));
            if (resolved.isMissingNode()) {
                throw new InvalidSchemaException(path + "/$ref", "'" + target + "' does not resolve in this schema");
            }
        } else {
            throw new InvalidSchemaException(path + "/$ref", "only local references (#/...) are supported");
        }
        String name = g.reserve("ref-" + target.substring(target.lastIndexOf('/') + 1));
        refRules.put(target, name);
        String body = visit(resolved, target.substring(1), name + "-body", depth + 1);
        g.define(name, body);
        return name;
    }

    private String object(JsonNode s, String path, String hint, int depth) {
        JsonNode props = s.get("properties");
        JsonNode additional = s.get("additionalProperties");
        String ws = g.space();
        if (props == null || props.isEmpty()) {
            if (additional != null && additional.isBoolean() && !additional.booleanValue()) {
                return g.rule(hint, "\"{\" " + ws + " \"}\"");
            }
            if (additional != null && additional.isObject()) {
                String value = visit(additional, path + "/additionalProperties", hint + "-extra", depth + 1);
                String kv = g.jsonString() + " " + ws + " \":\" " + ws + " " + value + " " + ws;
                return g.rule(hint, "\"{\" " + ws + " ( " + kv + " ( \",\" " + ws + " " + kv + " )* )? \"}\"");
            }
            return g.jsonObject();
        }
        if (!props.isObject()) {
            throw new InvalidSchemaException(path + "/properties", "must be an object");
        }
        java.util.Set<String> required = new java.util.HashSet<>();
        JsonNode req = s.get("required");
        if (req != null) {
            if (!req.isArray()) {
                throw new InvalidSchemaException(path + "/required", "must be an array of property names");
            }
            for (JsonNode r : req) {
                if (!r.isString()) {
                    throw new InvalidSchemaException(path + "/required", "must be an array of property names");
                }
                if (!props.has(r.stringValue())) {
                    unsupported(path + "/required", "required property '" + r.stringValue() + "' is not declared");
                }
                required.add(r.stringValue());
            }
        }
        List<String> requiredKv = new ArrayList<>();
        List<String> optionalKv = new ArrayList<>();
        int i = 0;
        for (Map.Entry<String, JsonNode> p : props.properties()) {
            String key = p.getKey();
            String value = visit(p.getValue(), path + "/properties/" + pointerEscape(key), hint + "-" + key, depth + 1);
            String kv = g.rule(
                    hint + "-" + key + "-kv",
                    Gbnf.literal(compact(JSON.getNodeFactory().stringNode(key))) + " " + ws + " \":\" " + ws + " "
                            + value);
            (required.contains(key) ? requiredKv : optionalKv).add(kv);
            i++;
        }
        if (i == 0) {
            throw new InvalidSchemaException(path + "/properties", "must not be empty");
        }
        String extra = "";
        if (additional != null && (additional.isObject() || (additional.isBoolean() && additional.booleanValue()))) {
            String value = additional.isObject()
                    ? visit(additional, path + "/additionalProperties", hint + "-extra", depth + 1)
                    : g.jsonValue();
            extra = " ( \",\" " + ws + " " + g.jsonString() + " " + ws + " \":\" " + ws + " " + value + " )*";
        }
        StringBuilder body = new StringBuilder("\"{\" ").append(ws).append(' ');
        if (!requiredKv.isEmpty()) {
            body.append(String.join(" \",\" " + ws + " ", requiredKv));
            for (String o : optionalKv) {
                body.append(" ( \",\" ").append(ws).append(' ').append(o).append(" )?");
            }
            body.append(extra);
        } else {
            // no required property: any in-order subset of the optional ones, commas between
            List<String> alts = new ArrayList<>();
            for (int first = 0; first < optionalKv.size(); first++) {
                StringBuilder alt = new StringBuilder(optionalKv.get(first));
                for (int k = first + 1; k < optionalKv.size(); k++) {
                    alt.append(" ( \",\" ")
                            .append(ws)
                            .append(' ')
                            .append(optionalKv.get(k))
                            .append(" )?");
                }
                alt.append(extra);
                alts.add(alt.toString());
            }
            body.append("( ").append(String.join(" | ", alts)).append(" )?");
        }
        body.append(' ').append(ws).append(" \"}\"");
        return g.rule(hint, body.toString());
    }

    private String array(JsonNode s, String path, String hint, int depth) {
        JsonNode items = s.get("items");
        String item = items == null ? g.jsonValue() : visit(items, path + "/items", hint + "-item", depth + 1);
        int min = bound(s, "minItems", path, 0);
        int max = bound(s, "maxItems", path, -1);
        if (max >= 0 && max < min) {
            throw new InvalidSchemaException(path, "maxItems is below minItems");
        }
        String ws = g.space();
        String next = "\",\" " + ws + " " + item + " " + ws;
        String list;
        if (max == 0) {
            list = "";
        } else {
            String rest = max < 0
                    ? " ( " + next + " )" + (min > 1 ? "{" + (min - 1) + ",}" : "*")
                    : max == 1 ? "" : " ( " + next + " ){" + Math.max(0, min - 1) + "," + (max - 1) + "}";
            list = item + " " + ws + rest;
            if (min == 0) {
                list = "( " + list + " )?";
            }
        }
        return g.rule(hint, "\"[\" " + ws + " " + list + " \"]\"");
    }

    private String string(JsonNode s, String path, String hint) {
        JsonNode format = s.get("format");
        if (format != null) {
            String f = format.isString() ? format.stringValue() : "";
            String date =
                    "[0-9]{4} \"-\" ( \"0\" [1-9] | \"1\" [0-2] ) \"-\" ( \"0\" [1-9] | [1-2] [0-9] | \"3\" [0-1] )";
            String time = "( [01] [0-9] | \"2\" [0-3] ) \":\" [0-5] [0-9] \":\" [0-5] [0-9] ( \".\" [0-9]{1,6} )? "
                    + "( \"Z\" | [+-] ( [01] [0-9] | \"2\" [0-3] ) \":\" [0-5] [0-9] )";
            String body = switch (f) {
                case "date" -> date;
                case "time" -> time;
                case "date-time" -> date + " \"T\" " + time;
                case "uuid" -> "[0-9a-f]{8} \"-\" [0-9a-f]{4} \"-\" [0-9a-f]{4} \"-\" [0-9a-f]{4} \"-\" [0-9a-f]{12}";
                default -> null;
            };
            if (body != null) {
                return g.rule(hint, "\"\\\"\" " + body + " \"\\\"\"");
            }
            unsupported(path + "/format", "format '" + f + "'");
        }
        if (s.has("pattern")) {
            unsupported(path + "/pattern", "'pattern'");
        }
        int min = bound(s, "minLength", path, 0);
        int max = bound(s, "maxLength", path, -1);
        if (max >= 0 && max < min) {
            throw new InvalidSchemaException(path, "maxLength is below minLength");
        }
        if (min == 0 && max < 0) {
            return g.jsonString();
        }
        String c = g.jsonChar();
        String reps = max < 0 ? "{" + min + ",}" : "{" + min + "," + max + "}";
        return g.rule(hint, "\"\\\"\" " + c + reps + " \"\\\"\"");
    }

    private String integer(JsonNode s, String path, String hint) {
        @Nullable Long min = integerBound(s, "minimum", path, 0);
        @Nullable Long exMin = integerBound(s, "exclusiveMinimum", path, 1);
        @Nullable Long max = integerBound(s, "maximum", path, 0);
        @Nullable Long exMax = integerBound(s, "exclusiveMaximum", path, -1);
        Long lo = maxOf(min, exMin);
        Long hi = minOf(max, exMax);
        if (lo == null && hi == null) {
            return g.jsonInteger();
        }
        if (lo != null && hi != null) {
            if (hi < lo) {
                throw new InvalidSchemaException(path, "the integer range is empty");
            }
            if (hi - lo <= MAX_ENUMERATED_RANGE) {
                List<String> alts = new ArrayList<>();
                for (long v = lo; v <= hi; v++) {
                    alts.add(Gbnf.literal(Long.toString(v)));
                }
                return g.rule(hint, String.join(" | ", alts));
            }
        }
        if (hi == null && lo != null && lo == 0) {
            return g.shared("json-nonnegative", "\"0\" | [1-9] [0-9]{0,15}");
        }
        if (hi == null && lo != null && lo == 1) {
            return g.shared("json-positive", "[1-9] [0-9]{0,15}");
        }
        unsupported(
                path,
                "integer bounds other than a range of at most " + MAX_ENUMERATED_RANGE
                        + " values or a minimum of 0 or 1");
        return g.jsonInteger();
    }

    /** An integer bound; the exclusive forms are turned inclusive by {@code shift}. */
    private static @Nullable Long integerBound(JsonNode s, String key, String path, int shift) {
        JsonNode v = s.get(key);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isNumber()) {
            throw new InvalidSchemaException(path + "/" + key, "must be a number");
        }
        double d = v.doubleValue();
        if (Math.abs(d) > 1e15) {
            throw new InvalidSchemaException(path + "/" + key, "is out of range");
        }
        long l = shift > 0 ? (long) Math.floor(d) + 1 : shift < 0 ? (long) Math.ceil(d) - 1 : 0;
        if (shift == 0) {
            l = key.startsWith("min") ? (long) Math.ceil(d) : (long) Math.floor(d);
        }
        return l;
    }

    private static @Nullable Long maxOf(@Nullable Long a, @Nullable Long b) {
        return a == null ? b : b == null ? a : Long.valueOf(Math.max(a, b));
    }

    private static @Nullable Long minOf(@Nullable Long a, @Nullable Long b) {
        return a == null ? b : b == null ? a : Long.valueOf(Math.min(a, b));
    }

    private int bound(JsonNode s, String key, String path, int absent) {
        JsonNode v = s.get(key);
        if (v == null || v.isNull()) {
            return absent;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < 0) {
            throw new InvalidSchemaException(path + "/" + key, "must be a non-negative integer");
        }
        if (v.intValue() > MAX_BOUND) {
            unsupported(path + "/" + key, "a bound above " + MAX_BOUND);
            return absent;
        }
        return v.intValue();
    }

    private void checkKeywords(JsonNode s, String path) {
        for (Map.Entry<String, JsonNode> e : s.properties()) {
            String k = e.getKey();
            if (!HANDLED.contains(k) && !ANNOTATIONS.contains(k)) {
                unsupported(path + "/" + pointerEscape(k), "the keyword '" + k + "'");
            }
        }
    }

    private void unsupported(String path, String what) {
        if (strict) {
            throw new InvalidSchemaException(
                    path, what + " is not supported in strict mode by the local engine's constrained decoding");
        }
    }

    private static String pointerEscape(String key) {
        return key.replace("~", "~0").replace("/", "~1");
    }

    private static String compact(JsonNode v) {
        return JSON.writeValueAsString(v);
    }
}
