package dev.burstgate.policies.simulation;

import static dev.burstgate.policies.HostileInput.num;
import static dev.burstgate.policies.HostileInput.obj;
import static dev.burstgate.policies.HostileInput.str;
import static org.assertj.core.api.Assertions.assertThat;

import dev.burstgate.policies.HostileInput;
import dev.burstgate.policies.HostileInput.Node;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.LongRange;

/**
 * Traffic files are whatever a user exported: each line is read or rejected with a {@link BadInputException} naming
 * the file and the line, whatever it holds. Fixed seeds keep runs reproducible; to explore further, change a seed.
 */
class TrafficReaderPropertiesTest {

  /** Our own messages quote at most ~100 characters of a value; the JSON parser's quote at most 256. */
  private static final int MAX_MESSAGE = 600;

  private final TrafficReader strict = new TrafficReader(false);
  private final TrafficReader skipping = new TrafficReader(true);

  @Property(tries = 3_000, seed = "20261206")
  void everyLineIsReadOrRejectedNamingTheFileAndTheLine(@ForAll("lines") String line,
      @ForAll @LongRange(min = 1, max = 50_000_000) long lineNo) {
    try {
      TrafficRecord row = strict.parse("traffic.jsonl", lineNo, line);
      assertThat(row.line()).isEqualTo(lineNo);
      assertThat(row.messages()).isNotEmpty();
      assertThat(row.id()).isNotNull();
    } catch (BadInputException e) {
      assertThat(e.line()).isEqualTo(lineNo);
      assertThat(e.getMessage()).startsWith("traffic.jsonl:" + lineNo + ": field '" + e.field() + "': ")
          .hasSizeLessThanOrEqualTo(MAX_MESSAGE);
    }
  }

  @Property(tries = 1_000, seed = "20261206")
  void aFileStopsAtItsFirstBadLineOrSkipsAndCountsEveryBadLine(@ForAll("files") byte[] content) throws IOException {
    TrafficReader.Result skipped = skipping.read("traffic.jsonl", new ByteArrayInputStream(content), bytes -> { });
    assertThat(skipped.rows()).extracting(TrafficRecord::line).doesNotHaveDuplicates().isSorted();
    assertThat(skipped.problems()).hasSizeLessThanOrEqualTo(Math.min(10, skipped.skipped()))
        .allSatisfy(p -> assertThat(p).startsWith("traffic.jsonl:"));
    try {
      TrafficReader.Result read = strict.read("traffic.jsonl", new ByteArrayInputStream(content), bytes -> { });
      assertThat(skipped.skipped()).isZero();
      assertThat(read.rows()).isEqualTo(skipped.rows());
    } catch (BadInputException e) {
      assertThat(skipped.skipped()).isPositive();
      assertThat(e.getMessage()).isEqualTo(skipped.problems().getFirst());
    }
  }

  @Provide
  Arbitrary<String> lines() {
    Arbitrary<String> edited = Combinators.combine(rows(), HostileInput.edits(HostileInput.values(), keys(), 3))
        .as((row, edits) -> HostileInput.edited(row, edits).json());
    return Arbitraries.frequencyOf(
        Tuple.of(2, rows().map(Node::json)),
        Tuple.of(6, edited),
        Tuple.of(3, HostileInput.damaged(edited)),
        Tuple.of(1, HostileInput.values().map(Node::json)),
        Tuple.of(1, Arbitraries.strings().all().ofMaxLength(60)));
  }

  @Provide
  Arbitrary<byte[]> files() {
    Arbitrary<byte[]> line = Arbitraries.frequencyOf(
        Tuple.of(4, lines().map(s -> s.getBytes(StandardCharsets.UTF_8))),
        Tuple.of(1, Arbitraries.of("", "   ", "\t").map(s -> s.getBytes(StandardCharsets.UTF_8))),
        Tuple.of(1, Arbitraries.bytes().array(byte[].class).ofMaxSize(40)),
        Tuple.of(2, Combinators.combine(rows().map(r -> r.json().getBytes(StandardCharsets.UTF_8)),
            Arbitraries.integers().between(0, 1_000), notUtf8()).as(TrafficReaderPropertiesTest::splice)));
    Arbitrary<String> terminator = Arbitraries.of("\n", "\r\n", "\r");
    return Combinators.combine(Combinators.combine(line, terminator).as(Tuple::of).list().ofMaxSize(8),
        Arbitraries.of(true, false), Arbitraries.of(true, false)).as((parts, bom, lastEnds) -> {
          ByteArrayOutputStream out = new ByteArrayOutputStream();
          if (bom) {
            out.writeBytes(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF});
          }
          for (int i = 0; i < parts.size(); i++) {
            out.writeBytes(parts.get(i).get1());
            if (i < parts.size() - 1 || lastEnds) {
              out.writeBytes(parts.get(i).get2().getBytes(StandardCharsets.US_ASCII));
            }
          }
          return out.toByteArray();
        });
  }

  /** Byte sequences UTF-8 forbids: a stray continuation, a truncated sequence, an overlong NUL, a surrogate. */
  private static Arbitrary<byte[]> notUtf8() {
    return Arbitraries.of(List.of(new byte[] {(byte) 0xFF}, new byte[] {(byte) 0x80}, new byte[] {(byte) 0xC3},
        new byte[] {(byte) 0xC0, (byte) 0x80}, new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
        new byte[] {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, new byte[] {(byte) 0xE9}));
  }

  private static byte[] splice(byte[] line, int at, byte[] insert) {
    int i = Math.floorMod(at, line.length + 1);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(line, 0, i);
    out.writeBytes(insert);
    out.write(line, i, line.length - i);
    return out.toByteArray();
  }

  private static Arbitrary<String> keys() {
    return Arbitraries.frequencyOf(
        Tuple.of(3, Arbitraries.of("id", "prompt", "messages", "ts", "source", "subject", "level", "weak_correct",
            "strong_correct", "correct", "completion_tokens", "role", "content", "type", "text", "local", "cloud",
            "legacy")),
        Tuple.of(1, HostileInput.oddStrings()));
  }

  /** Valid rows: a prompt or messages, with any of the optional fields. */
  private static Arbitrary<Node> rows() {
    Arbitrary<String> text = Arbitraries.strings().ofMaxLength(40);
    Arbitrary<Node> part = Arbitraries.frequencyOf(
        Tuple.of(3, text.map(t -> obj().put("type", str("text")).put("text", str(t)).build())),
        Tuple.of(1, Arbitraries.just(obj().put("type", str("image_url"))
            .put("image_url", obj().put("url", str("https://example.com/a.png")).build()).build())));
    Arbitrary<Node> content = Arbitraries.frequencyOf(
        Tuple.of(3, text.map(HostileInput::str)),
        Tuple.of(1, part.list().ofMaxSize(3).map(HostileInput::seq)),
        Tuple.of(1, Arbitraries.just(new HostileInput.Scalar("null"))));
    Arbitrary<Node> message = Combinators.combine(Arbitraries.of("system", "user", "assistant", "tool"), content)
        .as((role, c) -> obj().put("role", str(role)).put("content", c).build());
    Arbitrary<Node> conversation = Arbitraries.frequencyOf(
        Tuple.of(2, text.map(t -> obj().put("prompt", str(t)).build())),
        Tuple.of(1, message.list().ofMinSize(1).ofMaxSize(4)
            .map(ms -> obj().put("messages", HostileInput.seq(ms)).build())));
    Arbitrary<Node> id = Arbitraries.oneOf(Arbitraries.strings().alpha().numeric().ofMaxLength(10)
        .map(HostileInput::str), Arbitraries.longs().map(HostileInput::num)).injectNull(0.3);
    Arbitrary<Node> ts = Arbitraries.oneOf(
        Arbitraries.doubles().between(0, 4e9).map(HostileInput::num),
        Arbitraries.longs().between(0, 4_000_000_000L).map(s -> str(java.time.Instant.ofEpochSecond(s).toString())))
        .injectNull(0.3);
    Arbitrary<Node> word = Arbitraries.strings().alpha().ofMaxLength(12).map(HostileInput::str).injectNull(0.5);
    Arbitrary<Node> level = Arbitraries.integers().between(1, 5).map(HostileInput::num).injectNull(0.5);
    Arbitrary<Node> bool = Arbitraries.of("true", "false").map(HostileInput.Scalar::new).map(Node.class::cast)
        .injectNull(0.5);
    Arbitrary<Node> correct = Arbitraries.subsetOf("local", "cloud", "legacy").flatMap(tiers ->
        Arbitraries.of(true, false).list().ofSize(tiers.size()).map(flags -> {
          HostileInput.ObjBuilder b = obj();
          int i = 0;
          for (String t : tiers) {
            b.put(t, num(flags.get(i++)));
          }
          return (Node) b.build();
        })).injectNull(0.6);
    Arbitrary<Node> tokens = Arbitraries.longs().between(0, 100_000).map(HostileInput::num).injectNull(0.5);
    Arbitrary<Node> labels = Combinators.combine(word, level, bool, bool, correct, tokens)
        .as((subject, lv, weak, strong, c, ct) -> obj().put("subject", subject).put("level", lv)
            .put("weak_correct", weak).put("strong_correct", strong).put("correct", c)
            .put("completion_tokens", ct).build());
    return Combinators.combine(conversation, id, ts, word, labels).as((conv, i, t, source, l) -> {
      HostileInput.ObjBuilder b = obj().put("id", i);
      ((HostileInput.Obj) conv).entries().forEach(e -> b.put(e.key(), e.value()));
      b.put("ts", t).put("source", source);
      ((HostileInput.Obj) l).entries().forEach(e -> b.put(e.key(), e.value()));
      return b.build();
    });
  }
}
