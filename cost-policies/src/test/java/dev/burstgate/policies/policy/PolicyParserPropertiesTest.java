package dev.burstgate.policies.policy;

import static dev.burstgate.policies.HostileInput.num;
import static dev.burstgate.policies.HostileInput.obj;
import static dev.burstgate.policies.HostileInput.str;
import static org.assertj.core.api.Assertions.assertThat;

import dev.burstgate.policies.HostileInput;
import dev.burstgate.policies.HostileInput.Node;
import dev.burstgate.policies.HostileInput.Obj;
import dev.burstgate.policies.HostileInput.Scalar;
import dev.burstgate.policies.HostileInput.Seq;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * A policy file is edited by hand: whatever it holds, parsing gives a policy or a {@link PolicyException} whose
 * problems each name the file and a field, and it does so quickly. Fixed seeds keep runs reproducible; to explore
 * further, change a seed.
 */
class PolicyParserPropertiesTest {

  /** A problem quotes at most ~100 characters of a value or a key; field paths may join a few keys. */
  private static final int MAX_QUOTED = 400;

  private static final Pattern PLAIN_KEY = Pattern.compile("[a-z<][a-z0-9<_-]*");

  /** Parses on daemon threads, reused while they finish in time, so that a parse that never ends fails the test. */
  private static final ExecutorService PARSER = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "policy-parser-property");
    t.setDaemon(true);
    return t;
  });

  @Property(tries = 2_000, seed = "20261206")
  void aDocumentIsAPolicyOrProblemsNamingTheFileAndAField(@ForAll("documents") String yaml) {
    Policy policy;
    try {
      policy = within(Duration.ofSeconds(5), () -> Policy.parse(yaml, "fuzz.yaml"));
    } catch (PolicyException e) {
      assertThat(e.problems()).isNotEmpty().allSatisfy(p -> {
        assertThat(p.file()).isEqualTo("fuzz.yaml");
        assertThat(p.field()).isNotBlank().hasSizeLessThanOrEqualTo(MAX_QUOTED);
        assertThat(p.value()).hasSizeLessThanOrEqualTo(MAX_QUOTED);
        assertThat(p.message()).isNotBlank();
      });
      return;
    }
    assertThat(policy.source()).isEqualTo("fuzz.yaml");
    assertThat(policy.allowedTiers()).isNotEmpty();
    assertThat(policy.thresholds().cloudAt()).isBetween(0.0, 1.0);
  }

  /** Runs {@code parse} on a reused thread and fails if it takes longer than {@code limit}. */
  private static Policy within(Duration limit, Callable<Policy> parse) {
    Future<Policy> result = PARSER.submit(parse);
    try {
      return result.get(limit.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      result.cancel(true);
      throw new AssertionError("parsing took longer than " + limit, e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      if (e.getCause() instanceof Error error) {
        throw error;
      }
      throw new AssertionError(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  @Property(tries = 1_000, seed = "20261206")
  void aValidDocumentParsesToWhatItSays(@ForAll("policies") Obj policy, @ForAll boolean block) {
    Policy p = Policy.parse(block ? block(policy, 0) : policy.json(), "valid.yaml");
    assertThat(p.name()).isEqualTo(text(policy, "name"));
    assertThat(p.thresholds().cloudAt()).isEqualTo(Double.parseDouble(text(value(policy, "thresholds"), "cloud-at")));
  }

  @Provide
  Arbitrary<Obj> policies() {
    Arbitrary<String> name = Arbitraries.strings().withChars("abcdefghijklmnopqrstuvwxyz0123456789-")
        .ofMaxLength(30).map(s -> "p" + s);
    Arbitrary<Integer> percent = Arbitraries.integers().between(0, 100);
    Arbitrary<Node> thresholds = Combinators.combine(percent, percent.injectNull(0.5)).as((cloud, legacy) ->
        obj().put("cloud-at", num(cloud / 100.0))
            .put("legacy-at", legacy == null ? null : num(Math.max(cloud, legacy) / 100.0)).build());
    Arbitrary<Node> tiers = Arbitraries.subsetOf("local", "cloud", "legacy").ofMinSize(1)
        .map(s -> HostileInput.seq(s.stream().map(HostileInput::str).toList()));
    Arbitrary<Node> fallback = Arbitraries.subsetOf("local", "cloud", "legacy").map(from -> {
      HostileInput.ObjBuilder b = obj();
      for (String f : from) {
        b.put(f, HostileInput.seq(List.of("local", "cloud", "legacy").stream().filter(t -> !t.equals(f))
            .map(HostileInput::str).toList()));
      }
      return (Node) b.build();
    }).injectNull(0.5);
    Arbitrary<Node> burst = Combinators.combine(Arbitraries.integers().between(0, 10_000),
        Arbitraries.integers().between(0, 100)).as((w, l) -> (Node) obj().put("max-local-queue-wait-ms", num(w))
        .put("max-local-queue-length", num(l)).build()).injectNull(0.5);
    Arbitrary<Node> latency = Arbitraries.integers().between(1, 60_000)
        .map(ms -> (Node) obj().put("max-ms", num(ms)).build()).injectNull(0.5);
    Arbitrary<Node> step = Combinators.combine(Arbitraries.integers().between(1, 99),
        Arbitraries.of("local", "cloud", "legacy"))
        .as((at, tier) -> (Node) obj().put("at", num(at / 100.0)).put("max-tier", str(tier)).build());
    Arbitrary<Node> budget = Combinators.combine(step.list().ofMaxSize(3), Arbitraries.of("reject", "local-only"))
        .as((steps, action) -> (Node) obj().put("degrade", new Seq(steps)).put("on-exhausted", str(action)).build())
        .injectNull(0.5);
    Arbitrary<Node> privacy = Combinators.combine(Arbitraries.of("allow", "local-only", "reject"),
        Arbitraries.subsetOf("email", "phone", "card", "iban", "national-id"))
        .as((action, kinds) -> (Node) obj().put("on-pii", str(action))
            .put("kinds", HostileInput.seq(kinds.stream().map(HostileInput::str).toList())).build())
        .injectNull(0.5);
    Arbitrary<Node> overrides = tiers.map(t -> (Node) obj().put("allowed-forced-tiers", t).build()).injectNull(0.5);
    Arbitrary<Node> description = Arbitraries.strings().ofMaxLength(40).map(HostileInput::str).injectNull(0.5);
    Arbitrary<Node> sections = Combinators.combine(fallback, burst, latency, budget, privacy, overrides)
        .as((f, b, l, bu, p, o) -> obj().put("fallback", f).put("burst", b).put("latency", l).put("budget", bu)
            .put("privacy", p).put("overrides", o).build());
    return Combinators.combine(name, description, thresholds, tiers.injectNull(0.5), sections)
        .as((n, d, t, allowed, rest) -> {
          HostileInput.ObjBuilder b = obj().put("name", str(n)).put("description", d).put("thresholds", t)
              .put("allowed-tiers", allowed);
          ((Obj) rest).entries().forEach(e -> b.put(e.key(), e.value()));
          return b.build();
        });
  }

  @Provide
  Arbitrary<String> documents() {
    Arbitrary<Node> edited = Combinators.combine(policies(), HostileInput.edits(values(), keys(), 3))
        .as(HostileInput::edited);
    Arbitrary<String> written = Combinators.combine(edited, Arbitraries.of(Style.class))
        .as((doc, style) -> style.write(doc));
    return Arbitraries.frequencyOf(
        Tuple.of(20, written),
        Tuple.of(6, HostileInput.damaged(written)),
        Tuple.of(3, Combinators.combine(written, Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(6),
            Arbitraries.integers().between(0, 10_000), Arbitraries.of(true, false))
            .as(PolicyParserPropertiesTest::readAsIfNotUtf8)),
        Tuple.of(1, Arbitraries.strings().all().ofMaxLength(80)),
        Tuple.of(1, Arbitraries.integers().between(PolicyParser.MAX_CHARS + 1, 2 * PolicyParser.MAX_CHARS)
            .map(n -> "name: long\nthresholds: {cloud-at: 0.5}\ndescription: " + "d".repeat(n) + "\n")));
  }

  /** YAML's own scalars, tags, anchors and aliases, besides every JSON value. */
  private static Arbitrary<Node> values() {
    Arbitrary<Node> yaml = Arbitraries.of(".nan", ".NaN", ".inf", "-.inf", "+.inf", "~", "yes", "no", "on", "0x1F",
        "0o17", "0b101", "1_000", "0.5e-3", "!!binary AAAA", "!!str 5", "!!float 0.5", "!!int 7", "!!int x",
        "!!null ''", "!!timestamp 2001-12-14", "!custom x", "!!set {local, cloud}", "!!map {a: 1}", "*nothing",
        "*l9", "*l0", "&a 0.5", "&b [local]", "'single ''quoted'''", "? x", "[local, *l1]", "{<<: *l2}",
        "{? [a, b] : 1}", "\"\\ud800\"", "\"\\x41\\U0001F642\"", "|", ">-", "@x", "`x`", "%x", "- x", "a: b",
        "[1, 2", "{a: 1", "\"unterminated").map(Scalar::new);
    return Arbitraries.frequencyOf(Tuple.of(3, HostileInput.values()), Tuple.of(1, yaml));
  }

  private static Arbitrary<String> keys() {
    return Arbitraries.frequencyOf(
        Tuple.of(3, Arbitraries.of("name", "description", "thresholds", "cloud-at", "legacy-at", "allowed-tiers",
            "fallback", "local", "cloud", "legacy", "burst", "max-local-queue-wait-ms", "max-local-queue-length",
            "latency", "max-ms", "budget", "degrade", "at", "max-tier", "on-exhausted", "privacy", "on-pii", "kinds",
            "overrides", "allowed-forced-tiers", "<<", "LOCAL", "Cloud")),
        Tuple.of(1, HostileInput.oddStrings()));
  }

  /** How a document is written out. */
  enum Style {
    /** As JSON, which YAML reads as flow style. */
    FLOW,
    /** As YAML block style, indented mappings and sequences. */
    BLOCK,
    /** Block style after a "billion laughs" of anchors: l9 names 9^10 strings if aliases are expanded. */
    ALIAS_BOMB;

    String write(Node doc) {
      return switch (this) {
        case FLOW -> doc.json();
        case BLOCK -> block(doc, 0);
        case ALIAS_BOMB -> bomb() + block(doc, 0);
      };
    }

    private static String bomb() {
      StringBuilder sb = new StringBuilder("l0: &l0 [" + "lol,".repeat(8) + "lol]\n");
      for (int i = 1; i <= 9; i++) {
        sb.append('l').append(i).append(": &l").append(i).append(" [")
            .append(("*l" + (i - 1) + ",").repeat(8)).append("*l").append(i - 1).append("]\n");
      }
      return sb.toString();
    }
  }

  /** YAML block style; sequences' items and empty containers are written in flow style. */
  static String block(Node n, int indent) {
    String pad = " ".repeat(indent);
    return switch (n) {
      case Obj o when !o.entries().isEmpty() -> {
        StringBuilder sb = new StringBuilder();
        for (HostileInput.Entry e : o.entries()) {
          String key = PLAIN_KEY.matcher(e.key()).matches() ? e.key() : HostileInput.quote(e.key());
          boolean nested = e.value() instanceof Obj v && !v.entries().isEmpty()
              || e.value() instanceof Seq s && !s.items().isEmpty();
          sb.append(pad).append(key).append(':')
              .append(nested ? "\n" + block(e.value(), indent + 2) : " " + e.value().json() + "\n");
        }
        yield sb.toString();
      }
      case Seq s when !s.items().isEmpty() -> {
        StringBuilder sb = new StringBuilder();
        for (Node item : s.items()) {
          sb.append(pad).append("- ").append(item.json()).append('\n');
        }
        yield sb.toString();
      }
      default -> pad + n.json() + "\n";
    };
  }

  /** The document with bytes spliced in, read back as ISO-8859-1 or as UTF-8 with replacement characters. */
  private static String readAsIfNotUtf8(String doc, byte[] junk, int at, boolean latin1) {
    byte[] bytes = doc.getBytes(StandardCharsets.UTF_8);
    int i = Math.floorMod(at, bytes.length + 1);
    byte[] out = new byte[bytes.length + junk.length];
    System.arraycopy(bytes, 0, out, 0, i);
    System.arraycopy(junk, 0, out, i, junk.length);
    System.arraycopy(bytes, i, out, i + junk.length, bytes.length - i);
    return new String(out, latin1 ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8);
  }

  private static Node value(Node obj, String key) {
    return ((Obj) obj).entries().stream().filter(e -> e.key().equals(key)).findFirst().orElseThrow().value();
  }

  private static String text(Node obj, String key) {
    String json = ((Scalar) value(obj, key)).text();
    return json.startsWith("\"") ? json.substring(1, json.length() - 1) : json;
  }
}
