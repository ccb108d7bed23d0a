package dev.burstgate.policies.policy;

import static dev.burstgate.policies.HostileInput.num;
import static dev.burstgate.policies.HostileInput.obj;
import static dev.burstgate.policies.HostileInput.str;
import static org.assertj.core.api.Assertions.assertThat;

import dev.burstgate.policies.Fuzz;
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
import java.util.random.RandomGenerator;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A policy file is edited by hand: whatever it holds, parsing gives a policy or a {@link PolicyException} whose
 * problems each name the file and a field, and it does so quickly. Each property runs over the generated documents
 * of a few fixed seeds ({@link Fuzz}); to explore further, add a seed.
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

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {20261206, 7, 1_000_003})
    void aDocumentIsAPolicyOrProblemsNamingTheFileAndAField(long seed) {
        Fuzz.check(seed, 1_000, PolicyParserPropertiesTest::document, yaml -> {
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
        });
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

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {20261206, 7})
    void aValidDocumentParsesToWhatItSays(long seed) {
        Fuzz.check(seed, 500, Written::of, written -> {
            Policy p = Policy.parse(written.text(), "valid.yaml");
            assertThat(p.name()).isEqualTo(text(written.policy(), "name"));
            assertThat(p.thresholds().cloudAt())
                    .isEqualTo(Double.parseDouble(text(value(written.policy(), "thresholds"), "cloud-at")));
        });
    }

    /** A valid policy written as JSON (flow style) or in YAML block style; shown as its text. */
    record Written(Obj policy, String text) {
        static Written of(RandomGenerator r) {
            Obj policy = PolicyParserPropertiesTest.policy(r);
            return new Written(policy, r.nextBoolean() ? block(policy, 0) : policy.json());
        }

        @Override
        public String toString() {
            return text;
        }
    }

    private static final String[] TIERS = {"local", "cloud", "legacy"};

    /** A valid policy: every optional section present or not, each value in range. */
    static Obj policy(RandomGenerator r) {
        String name = "p" + HostileInput.chars(r, "abcdefghijklmnopqrstuvwxyz0123456789-", 0, 30);
        int cloud = r.nextInt(101);
        Integer legacy = HostileInput.maybe(r, 0.5, g -> g.nextInt(101));
        Node thresholds = obj().put("cloud-at", num(cloud / 100.0))
                .put("legacy-at", legacy == null ? null : num(Math.max(cloud, legacy) / 100.0))
                .build();
        Node fallback = HostileInput.maybe(r, 0.5, g -> {
            HostileInput.ObjBuilder b = obj();
            for (String from : HostileInput.subsetOf(g, 0, TIERS)) {
                b.put(
                        from,
                        strings(Stream.of(TIERS).filter(t -> !t.equals(from)).toList()));
            }
            return b.build();
        });
        Node burst = HostileInput.maybe(
                r,
                0.5,
                g -> obj().put("max-local-queue-wait-ms", num(g.nextInt(10_001)))
                        .put("max-local-queue-length", num(g.nextInt(101)))
                        .build());
        Node latency = HostileInput.maybe(
                r, 0.5, g -> obj().put("max-ms", num(g.nextInt(1, 60_001))).build());
        Node budget = HostileInput.maybe(
                r,
                0.5,
                g -> obj().put(
                                "degrade",
                                new Seq(HostileInput.listOf(
                                        g,
                                        0,
                                        3,
                                        h -> obj().put("at", num(h.nextInt(1, 100) / 100.0))
                                                .put("max-tier", str(HostileInput.oneOf(h, TIERS)))
                                                .build())))
                        .put("on-exhausted", str(HostileInput.oneOf(g, "reject", "local-only")))
                        .build());
        Node privacy = HostileInput.maybe(
                r,
                0.5,
                g -> obj().put("on-pii", str(HostileInput.oneOf(g, "allow", "local-only", "reject")))
                        .put(
                                "kinds",
                                strings(HostileInput.subsetOf(g, 0, "email", "phone", "card", "iban", "national-id")))
                        .build());
        Node overrides = HostileInput.maybe(
                r,
                0.5,
                g -> obj().put("allowed-forced-tiers", strings(HostileInput.subsetOf(g, 1, TIERS)))
                        .build());
        Node description = HostileInput.maybe(r, 0.5, g -> str(HostileInput.anyString(g, 0, 40)));
        Node allowed = HostileInput.maybe(r, 0.5, g -> strings(HostileInput.subsetOf(g, 1, TIERS)));
        return obj().put("name", str(name))
                .put("description", description)
                .put("thresholds", thresholds)
                .put("allowed-tiers", allowed)
                .put("fallback", fallback)
                .put("burst", burst)
                .put("latency", latency)
                .put("budget", budget)
                .put("privacy", privacy)
                .put("overrides", overrides)
                .build();
    }

    private static Node strings(List<String> values) {
        return HostileInput.seq(values.stream().map(HostileInput::str).toList());
    }

    /**
     * Any document: a valid policy after one to three edits, written in flow or block style or after an alias bomb;
     * the same damaged, or with bytes spliced in and read as if it were not UTF-8; random text; a file longer than a
     * policy may be.
     */
    static String document(RandomGenerator r) {
        return switch (HostileInput.pick(r, 20, 6, 3, 1, 1)) {
            case 0 -> written(r);
            case 1 -> HostileInput.damaged(r, written(r));
            case 2 -> {
                byte[] junk = new byte[r.nextInt(1, 7)];
                r.nextBytes(junk);
                yield readAsIfNotUtf8(written(r), junk, r.nextInt(10_001), r.nextBoolean());
            }
            case 3 -> HostileInput.anyString(r, 0, 80);
            default ->
                "name: long\nthresholds: {cloud-at: 0.5}\ndescription: "
                        + "d".repeat(r.nextInt(PolicyParser.MAX_CHARS + 1, 2 * PolicyParser.MAX_CHARS + 1)) + "\n";
        };
    }

    private static String written(RandomGenerator r) {
        Node edited = HostileInput.edited(
                policy(r),
                HostileInput.edits(r, PolicyParserPropertiesTest::yamlValue, PolicyParserPropertiesTest::key, 3));
        return HostileInput.oneOf(r, Style.values()).write(edited);
    }

    /** YAML's own scalars, tags, anchors and aliases, besides every JSON value. */
    private static Node yamlValue(RandomGenerator r) {
        return HostileInput.pick(r, 3, 1) == 0 ? HostileInput.value(r) : new Scalar(HostileInput.oneOf(r, YAML_VALUES));
    }

    private static final List<String> YAML_VALUES = List.of(
            ".nan",
            ".NaN",
            ".inf",
            "-.inf",
            "+.inf",
            "~",
            "yes",
            "no",
            "on",
            "0x1F",
            "0o17",
            "0b101",
            "1_000",
            "0.5e-3",
            "!!binary AAAA",
            "!!str 5",
            "!!float 0.5",
            "!!int 7",
            "!!int x",
            "!!null ''",
            "!!timestamp 2001-12-14",
            "!custom x",
            "!!set {local, cloud}",
            "!!map {a: 1}",
            "*nothing",
            "*l9",
            "*l0",
            "&a 0.5",
            "&b [local]",
            "'single ''quoted'''",
            "? x",
            "[local, *l1]",
            "{<<: *l2}",
            "{? [a, b] : 1}",
            "\"\\ud800\"",
            "\"\\x41\\U0001F642\"",
            "|",
            ">-",
            "@x",
            "`x`",
            "%x",
            "- x",
            "a: b",
            "[1, 2",
            "{a: 1",
            "\"unterminated");

    private static String key(RandomGenerator r) {
        return HostileInput.pick(r, 3, 1) == 0 ? HostileInput.oneOf(r, KEYS) : HostileInput.oddString(r);
    }

    private static final List<String> KEYS = List.of(
            "name",
            "description",
            "thresholds",
            "cloud-at",
            "legacy-at",
            "allowed-tiers",
            "fallback",
            "local",
            "cloud",
            "legacy",
            "burst",
            "max-local-queue-wait-ms",
            "max-local-queue-length",
            "latency",
            "max-ms",
            "budget",
            "degrade",
            "at",
            "max-tier",
            "on-exhausted",
            "privacy",
            "on-pii",
            "kinds",
            "overrides",
            "allowed-forced-tiers",
            "shadow",
            "rate",
            "near-threshold",
            "daily-budget-usd",
            "pairs",
            "judge",
            "tier",
            "local-vs-cloud",
            "any-vs-legacy",
            "structural",
            "<<",
            "LOCAL",
            "Cloud");

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
                sb.append('l')
                        .append(i)
                        .append(": &l")
                        .append(i)
                        .append(" [")
                        .append(("*l" + (i - 1) + ",").repeat(8))
                        .append("*l")
                        .append(i - 1)
                        .append("]\n");
            }
            return sb.toString();
        }
    }

    /** YAML block style; sequences' items and empty containers are written in flow style. */
    static String block(Node n, int indent) {
        String pad = " ".repeat(indent);
        return switch (n) {
            case Obj o
            when !o.entries().isEmpty() -> {
                StringBuilder sb = new StringBuilder();
                for (HostileInput.Entry e : o.entries()) {
                    String key = PLAIN_KEY.matcher(e.key()).matches() ? e.key() : HostileInput.quote(e.key());
                    boolean nested = e.value() instanceof Obj v && !v.entries().isEmpty()
                            || e.value() instanceof Seq s && !s.items().isEmpty();
                    sb.append(pad)
                            .append(key)
                            .append(':')
                            .append(
                                    nested
                                            ? "\n" + block(e.value(), indent + 2)
                                            : " " + e.value().json() + "\n");
                }
                yield sb.toString();
            }
            case Seq s
            when !s.items().isEmpty() -> {
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
        return ((Obj) obj)
                .entries().stream()
                        .filter(e -> e.key().equals(key))
                        .findFirst()
                        .orElseThrow()
                        .value();
    }

    private static String text(Node obj, String key) {
        String json = ((Scalar) value(obj, key)).text();
        return json.startsWith("\"") ? json.substring(1, json.length() - 1) : json;
    }
}
