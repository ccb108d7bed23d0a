package dev.burstgate.gateway.api;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * Chat completion bodies for {@link ChatRequestParserPropertiesTest}: valid requests; the same with values replaced,
 * dropped, repeated (a duplicate key) or added anywhere in the tree by hostile ones (every JSON type, integers past 32
 * and 64 bits and past a double's range, floats that round to infinity, number-like strings, lone surrogates, NUL,
 * right-to-left marks, long strings, deep nesting); and those bodies cut short, with bytes spliced in, or replaced by
 * random bytes.
 */
final class ChatBodies {

  private static final String HEX = "0123456789abcdef";

  private ChatBodies() {}

  /** A JSON value; objects may repeat keys, strings may hold lone surrogates. */
  sealed interface Json permits Raw, Arr, Obj {
    String text();

    int size();
  }

  /** A scalar (or any text) written as given. */
  record Raw(String text) implements Json {
    @Override
    public int size() {
      return 1;
    }
  }

  record Arr(List<Json> items) implements Json {
    Arr {
      items = List.copyOf(items);
    }

    @Override
    public String text() {
      return "[" + String.join(",", items.stream().map(Json::text).toList()) + "]";
    }

    @Override
    public int size() {
      return 1 + items.stream().mapToInt(Json::size).sum();
    }
  }

  record Obj(List<Field> fields) implements Json {
    Obj {
      fields = List.copyOf(fields);
    }

    @Override
    public String text() {
      return "{" + String.join(",", fields.stream().map(f -> quote(f.name()) + ":" + f.value().text()).toList())
          + "}";
    }

    @Override
    public int size() {
      return 1 + fields.stream().mapToInt(f -> f.value().size()).sum();
    }
  }

  record Field(String name, Json value) {}

  static Json str(String s) {
    return new Raw(quote(s));
  }

  static Json num(Object n) {
    return new Raw(String.valueOf(n));
  }

  /** Fields in order, skipping absent (null) values. */
  static Obj obj(Object... nameValuePairs) {
    List<Field> fields = new ArrayList<>();
    for (int i = 0; i < nameValuePairs.length; i += 2) {
      if (nameValuePairs[i + 1] != null) {
        fields.add(new Field((String) nameValuePairs[i], (Json) nameValuePairs[i + 1]));
      }
    }
    return new Obj(fields);
  }

  /** A JSON string literal; unpaired surrogates and controls become {@code \}{@code uXXXX} escapes. */
  static String quote(String s) {
    StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        sb.append(c).append(s.charAt(++i));
      } else if (c == '"' || c == '\\') {
        sb.append('\\').append(c);
      } else if (c < 0x20 || Character.isSurrogate(c)) {
        sb.append("\\u").append(HEX.charAt(c >> 12)).append(HEX.charAt(c >> 8 & 0xF)).append(HEX.charAt(c >> 4 & 0xF))
            .append(HEX.charAt(c & 0xF));
      } else {
        sb.append(c);
      }
    }
    return sb.append('"').toString();
  }

  /** Valid requests: every field the parser handles, each present or not, with values in range. */
  static Arbitrary<Obj> valid() {
    Arbitrary<String> text = Arbitraries.strings().ofMaxLength(30);
    Arbitrary<Json> content = Arbitraries.frequencyOf(
        Tuple.of(4, text.map(ChatBodies::str)),
        Tuple.of(1, text.list().ofMinSize(1).ofMaxSize(3)
            .map(parts -> new Arr(parts.stream().map(t -> (Json) obj("type", str("text"), "text", str(t))).toList()))),
        Tuple.of(1, Arbitraries.just(new Raw("null"))));
    Arbitrary<Json> message = Combinators.combine(
            Arbitraries.of("system", "developer", "user", "assistant", "tool"), content)
        .as((role, c) -> obj("role", str(role), "content", c));
    Arbitrary<Json> messages = message.list().ofMinSize(1).ofMaxSize(4).map(Arr::new);
    Arbitrary<Json> model = Arbitraries.of("auto", "local", "cloud", "legacy", "fast").map(ChatBodies::str)
        .injectNull(0.3);
    Arbitrary<Json> tokens = Arbitraries.integers().between(1, 4096).map(ChatBodies::num).injectNull(0.6);
    Arbitrary<Json> temperature = Arbitraries.integers().between(0, 200).map(t -> num(t / 100.0)).injectNull(0.6);
    Arbitrary<Json> topP = Arbitraries.integers().between(0, 100).map(t -> num(t / 100.0)).injectNull(0.6);
    Arbitrary<Json> stop = Arbitraries.oneOf(
        Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(8).map(ChatBodies::str),
        Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(8).list().ofMinSize(1).ofMaxSize(4)
            .map(l -> (Json) new Arr(l.stream().map(ChatBodies::str).toList()))).injectNull(0.6);
    Arbitrary<Json> seed = Arbitraries.integers().between(0, Integer.MAX_VALUE).map(ChatBodies::num).injectNull(0.6);
    Arbitrary<Json> flag = Arbitraries.of("true", "false").map(b -> (Json) new Raw(b)).injectNull(0.5);
    Arbitrary<Json> user = Arbitraries.strings().alpha().ofMaxLength(12).map(ChatBodies::str).injectNull(0.7);
    Arbitrary<Obj> sampling = Combinators.combine(tokens, tokens, temperature, topP, stop, seed, user)
        .as((maxTokens, maxCompletion, t, p, s, sd, u) -> obj("max_tokens", maxTokens,
            "max_completion_tokens", maxCompletion, "temperature", t, "top_p", p, "stop", s, "seed", sd, "user", u));
    return Combinators.combine(model, messages, flag, flag, Arbitraries.of(true, false), sampling)
        .as((m, msgs, stream, usage, extras, rest) -> {
          List<Field> fields = new ArrayList<>(obj("model", m, "messages", msgs, "stream", stream).fields());
          if ("true".equals(stream == null ? null : stream.text()) && usage != null) {
            fields.add(new Field("stream_options", obj("include_usage", usage)));
          }
          if (extras) {
            fields.add(new Field("n", num(1)));
            fields.add(new Field("response_format", obj("type", str("text"))));
            fields.add(new Field("metadata", obj("team", str("a"))));
            fields.add(new Field("presence_penalty", num(0.5)));
          }
          fields.addAll(rest.fields());
          return new Obj(fields);
        });
  }

  /**
   * Valid requests with one parameter set to a hostile value (so that the check of that parameter is reached, the
   * others passing), or after one to three edits anywhere: well-formed JSON, but anything may be wrong.
   */
  static Arbitrary<Json> edited() {
    Arbitrary<Json> oneParameter = Combinators.combine(valid(), Arbitraries.of(PARAMETERS), values())
        .as((body, name, value) -> {
          List<Field> fields = new ArrayList<>(body.fields().stream().filter(f -> !f.name().equals(name)).toList());
          fields.add(new Field(name, value));
          return (Json) new Obj(fields);
        });
    Arbitrary<Edit> edit = Combinators.combine(Arbitraries.integers().between(0, 10_000), Arbitraries.of(Op.class),
        Arbitraries.integers().between(0, 50), names(), values()).as(Edit::new);
    Arbitrary<Json> anywhere = Combinators.combine(valid(), edit.list().ofMinSize(1).ofMaxSize(3))
        .as((body, edits) -> {
          Json j = body;
          for (Edit e : edits) {
            j = e.applyTo(j);
          }
          return j;
        });
    return Arbitraries.frequencyOf(Tuple.of(1, oneParameter), Tuple.of(1, anywhere));
  }

  /** The parameters the parser reads. */
  private static final String[] PARAMETERS = {"model", "messages", "stream", "stream_options", "max_tokens",
      "max_completion_tokens", "temperature", "top_p", "stop", "seed", "n", "response_format", "user", "metadata"};

  /** Any body as bytes: valid, edited, damaged, not UTF-8, or random. */
  static Arbitrary<byte[]> any() {
    Arbitrary<String> text = Arbitraries.frequencyOf(
        Tuple.of(1, valid().map(Json::text)),
        Tuple.of(4, edited().map(Json::text)));
    Arbitrary<String> damaged = Combinators.combine(text, Arbitraries.of(Damage.class),
            Arbitraries.integers().between(0, 100_000), splices())
        .as((t, damage, at, insert) -> damage.apply(t, at, insert));
    return Arbitraries.frequencyOf(
        Tuple.of(6, text.map(ChatBodies::utf8)),
        Tuple.of(3, damaged.map(ChatBodies::utf8)),
        Tuple.of(1, Combinators.combine(text.map(ChatBodies::utf8), Arbitraries.integers().between(0, 100_000),
            Arbitraries.of(List.of(new byte[] {(byte) 0xFF}, new byte[] {(byte) 0xC3},
                new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, new byte[] {(byte) 0xC0, (byte) 0x80})))
            .as(ChatBodies::splice)),
        Tuple.of(1, Arbitraries.bytes().array(byte[].class).ofMaxSize(64)));
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] splice(byte[] body, int at, byte[] insert) {
    int i = Math.floorMod(at, body.length + 1);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(body, 0, i);
    out.writeBytes(insert);
    out.write(body, i, body.length - i);
    return out.toByteArray();
  }

  private static Arbitrary<String> splices() {
    return Arbitraries.frequencyOf(
        Tuple.of(3, Arbitraries.strings().all().ofMinLength(1).ofMaxLength(6)),
        Tuple.of(2, Arbitraries.of("\u0000", "\uD800", "\"", "\\", "{", "}", "[", "]", ":", ",", "NaN", "-",
            "/*", "//", "'", "\uFEFF", "1e9999", "tru", "nul")));
  }

  /** Parameter names: the handled, passed-through and unsupported ones, near misses, odd strings. */
  private static Arbitrary<String> names() {
    return Arbitraries.frequencyOf(
        Tuple.of(4, Arbitraries.of("model", "messages", "stream", "stream_options", "include_usage", "max_tokens",
            "max_completion_tokens", "temperature", "top_p", "stop", "seed", "n", "response_format", "type", "role",
            "content", "text", "user", "metadata", "store", "presence_penalty", "frequency_penalty",
            "service_tier", "tools", "logprobs", "functions", "Model", "max-tokens", "__proto__", "")),
        Tuple.of(1, oddStrings()));
  }

  private static Arbitrary<String> oddStrings() {
    return Arbitraries.frequencyOf(
        Tuple.of(3, Arbitraries.strings().all().ofMaxLength(10)),
        Tuple.of(3, Arbitraries.of("", " ", "NaN", "Infinity", "-1", "1", "true", "null", "auto", "AUTO", "local ",
            "\u202Elocal", "\uFEFFuser", "us\u0000er", "\uD800", "\uDFFF", "\u0130", "\uD83D\uDE42", "e\u0301",
            "text", "image_url", "user", "\\", "\"", "%s", "${x}", "a\nb")),
        Tuple.of(1, Combinators.combine(Arbitraries.strings().all().ofMinLength(1).ofMaxLength(3),
            Arbitraries.integers().between(150, 20_000)).as((unit, n) -> unit.repeat(n / unit.length() + 1)
            .substring(0, n))));
  }

  private static Arbitrary<String> oddNumbers() {
    return Arbitraries.frequencyOf(
        Tuple.of(4, Arbitraries.of("0", "-0", "1", "-1", "2", "0.5", "1.0", "1.5", "2.0000001", "-0.0", "1E+2",
            "2147483647", "2147483648", "-2147483648", "-2147483649", "4294967296", "9223372036854775807",
            "9223372036854775808", "-9223372036854775809", "18446744073709551616", "1e308", "1e309", "1e400",
            "-1e400", "1e-400", "4.9e-324")),
        Tuple.of(1, Arbitraries.longs().map(String::valueOf)),
        Tuple.of(1, Arbitraries.doubles().map(String::valueOf)),
        Tuple.of(2, Arbitraries.of(19, 20, 39, 309, 310, 400, 1_000, 1_001).map(n -> "9".repeat(n))));
  }

  /** Hostile values: scalars of every type, small containers, nesting up to past the parser's depth limit. */
  static Arbitrary<Json> values() {
    Arbitrary<Json> scalar = Arbitraries.frequencyOf(
        Tuple.of(4, oddStrings().map(ChatBodies::str)),
        Tuple.of(4, oddNumbers().map(n -> (Json) new Raw(n))),
        Tuple.of(1, Arbitraries.of("true", "false", "null").map(b -> (Json) new Raw(b))));
    Arbitrary<Json> arr = scalar.list().ofMaxSize(5).map(Arr::new);
    Arbitrary<Json> object = Combinators.combine(names(), scalar).as(Field::new).list().ofMaxSize(3).map(Obj::new);
    Arbitrary<Json> deep = Combinators.combine(Arbitraries.integers().between(2, 700), Arbitraries.of(true, false))
        .as((depth, arrays) -> new Raw((arrays ? "[" : "{\"a\":").repeat(depth) + "1"
            + (arrays ? "]" : "}").repeat(depth)));
    return Arbitraries.frequencyOf(Tuple.of(12, scalar), Tuple.of(2, arr), Tuple.of(2, object), Tuple.of(1, deep));
  }

  /** What an {@link Edit} does at its node. */
  enum Op { REPLACE, DROP, REPEAT, ADD }

  /**
   * One change: at the {@code at}-th node in pre-order (modulo the size), replace it, or for an object or array drop
   * entry {@code which}, repeat one of its keys with {@code value}, or add {@code name} with {@code value}.
   */
  record Edit(int at, Op op, int which, String name, Json value) {

    Json applyTo(Json root) {
      int[] countdown = {Math.floorMod(at, root.size())};
      return walk(root, countdown);
    }

    private Json walk(Json n, int[] countdown) {
      if (countdown[0]-- == 0) {
        return change(n);
      }
      return switch (n) {
        case Raw r -> r;
        case Arr a -> {
          List<Json> items = new ArrayList<>();
          for (Json item : a.items()) {
            items.add(walk(item, countdown));
          }
          yield new Arr(items);
        }
        case Obj o -> {
          List<Field> fields = new ArrayList<>();
          for (Field f : o.fields()) {
            fields.add(new Field(f.name(), walk(f.value(), countdown)));
          }
          yield new Obj(fields);
        }
      };
    }

    private Json change(Json n) {
      return switch (n) {
        case Raw r -> value;
        case Arr a when op == Op.REPLACE -> value;
        case Arr a -> {
          List<Json> items = new ArrayList<>(a.items());
          if (op != Op.DROP) {
            items.add(value);
          } else if (!items.isEmpty()) {
            items.remove(Math.floorMod(which, items.size()));
          }
          yield new Arr(items);
        }
        case Obj o when op == Op.REPLACE -> value;
        case Obj o -> {
          List<Field> fields = new ArrayList<>(o.fields());
          int i = fields.isEmpty() ? 0 : Math.floorMod(which, fields.size());
          switch (op) {
            case DROP -> {
              if (!fields.isEmpty()) {
                fields.remove(i);
              }
            }
            case REPEAT -> fields.add(new Field(fields.isEmpty() ? name : fields.get(i).name(), value));
            case ADD, REPLACE -> fields.add(new Field(name, value));
          }
          yield new Obj(fields);
        }
      };
    }
  }

  /** How a body's text is damaged. */
  enum Damage {
    CUT, SPLICE, OVERWRITE;

    String apply(String text, int at, String insert) {
      int i = text.isEmpty() ? 0 : Math.floorMod(at, text.length());
      return switch (this) {
        case CUT -> text.substring(0, i);
        case SPLICE -> text.substring(0, i) + insert + text.substring(i);
        case OVERWRITE -> text.substring(0, i) + insert + text.substring(Math.min(text.length(), i + insert.length()));
      };
    }
  }
}
