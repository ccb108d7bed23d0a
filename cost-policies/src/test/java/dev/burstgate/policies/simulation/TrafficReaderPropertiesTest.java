package dev.burstgate.policies.simulation;

import static dev.burstgate.policies.HostileInput.num;
import static dev.burstgate.policies.HostileInput.obj;
import static dev.burstgate.policies.HostileInput.str;
import static org.assertj.core.api.Assertions.assertThat;

import dev.burstgate.policies.Fuzz;
import dev.burstgate.policies.HostileInput;
import dev.burstgate.policies.HostileInput.Node;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.random.RandomGenerator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Traffic files are whatever a user exported: each line is read or rejected with a {@link BadInputException} naming
 * the file and the line, whatever it holds. Each property runs over the generated lines or files of a few fixed
 * seeds ({@link Fuzz}); to explore further, add a seed.
 */
class TrafficReaderPropertiesTest {

    /** Our own messages quote at most ~100 characters of a value; the JSON parser's quote at most 256. */
    private static final int MAX_MESSAGE = 600;

    private final TrafficReader strict = new TrafficReader(false);
    private final TrafficReader skipping = new TrafficReader(true);

    /** A line and the number it has in its file. */
    record NumberedLine(long lineNo, String line) {
        static NumberedLine of(RandomGenerator r) {
            return new NumberedLine(
                    r.nextBoolean() ? r.nextLong(1, 10) : r.nextLong(1, 50_000_001),
                    TrafficReaderPropertiesTest.line(r));
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {20261206, 7, 1_000_003})
    void everyLineIsReadOrRejectedNamingTheFileAndTheLine(long seed) {
        Fuzz.check(seed, 1_000, NumberedLine::of, numbered -> {
            long lineNo = numbered.lineNo();
            try {
                TrafficRecord row = strict.parse("traffic.jsonl", lineNo, numbered.line());
                assertThat(row.line()).isEqualTo(lineNo);
                assertThat(row.messages()).isNotEmpty();
                assertThat(row.id()).isNotNull();
            } catch (BadInputException e) {
                assertThat(e.line()).isEqualTo(lineNo);
                assertThat(e.getMessage())
                        .startsWith("traffic.jsonl:" + lineNo + ": field '" + e.field() + "': ")
                        .hasSizeLessThanOrEqualTo(MAX_MESSAGE);
            }
        });
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {20261206, 7})
    void aFileStopsAtItsFirstBadLineOrSkipsAndCountsEveryBadLine(long seed) {
        Fuzz.check(seed, 500, TrafficReaderPropertiesTest::file, content -> {
            TrafficReader.Result skipped =
                    skipping.read("traffic.jsonl", new ByteArrayInputStream(content), bytes -> {});
            assertThat(skipped.rows())
                    .extracting(TrafficRecord::line)
                    .doesNotHaveDuplicates()
                    .isSorted();
            assertThat(skipped.problems())
                    .hasSizeLessThanOrEqualTo(Math.min(10, skipped.skipped()))
                    .allSatisfy(p -> assertThat(p).startsWith("traffic.jsonl:"));
            try {
                TrafficReader.Result read =
                        strict.read("traffic.jsonl", new ByteArrayInputStream(content), bytes -> {});
                assertThat(skipped.skipped()).isZero();
                assertThat(read.rows()).isEqualTo(skipped.rows());
            } catch (BadInputException e) {
                assertThat(skipped.skipped()).isPositive();
                assertThat(e.getMessage()).isEqualTo(skipped.problems().getFirst());
            }
        });
    }

    /** A valid row, the same after one to three edits (and then damaged), any value, or random text. */
    static String line(RandomGenerator r) {
        return switch (HostileInput.pick(r, 2, 6, 3, 1, 1)) {
            case 0 -> row(r).json();
            case 1 -> edited(r);
            case 2 -> HostileInput.damaged(r, edited(r));
            case 3 -> HostileInput.value(r).json();
            default -> HostileInput.anyString(r, 0, 60);
        };
    }

    private static String edited(RandomGenerator r) {
        return HostileInput.edited(
                        row(r), HostileInput.edits(r, HostileInput::value, TrafficReaderPropertiesTest::key, 3))
                .json();
    }

    /**
     * A file of up to eight lines, each ended by LF, CRLF or CR (the last one maybe not), maybe after a byte order
     * mark: lines as above, blank ones, random bytes, and valid rows with bytes UTF-8 forbids spliced in.
     */
    static byte[] file(RandomGenerator r) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (r.nextBoolean()) {
            out.writeBytes(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF});
        }
        int lines = r.nextInt(9);
        boolean lastEnds = r.nextBoolean();
        for (int i = 0; i < lines; i++) {
            out.writeBytes(
                    switch (HostileInput.pick(r, 4, 1, 1, 2)) {
                        case 0 -> line(r).getBytes(StandardCharsets.UTF_8);
                        case 1 -> HostileInput.oneOf(r, "", "   ", "\t").getBytes(StandardCharsets.UTF_8);
                        case 2 -> {
                            byte[] junk = new byte[r.nextInt(41)];
                            r.nextBytes(junk);
                            yield junk;
                        }
                        default ->
                            splice(
                                    row(r).json().getBytes(StandardCharsets.UTF_8),
                                    r.nextInt(1_001),
                                    HostileInput.oneOf(r, NOT_UTF8));
                    });
            if (i < lines - 1 || lastEnds) {
                out.writeBytes(HostileInput.oneOf(r, "\n", "\r\n", "\r").getBytes(StandardCharsets.US_ASCII));
            }
        }
        return out.toByteArray();
    }

    /** Byte sequences UTF-8 forbids: a stray continuation, a truncated sequence, an overlong NUL, a surrogate. */
    private static final List<byte[]> NOT_UTF8 = List.of(
            new byte[] {(byte) 0xFF},
            new byte[] {(byte) 0x80},
            new byte[] {(byte) 0xC3},
            new byte[] {(byte) 0xC0, (byte) 0x80},
            new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
            new byte[] {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80},
            new byte[] {(byte) 0xE9});

    private static byte[] splice(byte[] line, int at, byte[] insert) {
        int i = Math.floorMod(at, line.length + 1);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(line, 0, i);
        out.writeBytes(insert);
        out.write(line, i, line.length - i);
        return out.toByteArray();
    }

    private static String key(RandomGenerator r) {
        return HostileInput.pick(r, 3, 1) == 0 ? HostileInput.oneOf(r, KEYS) : HostileInput.oddString(r);
    }

    private static final List<String> KEYS = List.of(
            "id",
            "prompt",
            "messages",
            "ts",
            "source",
            "subject",
            "level",
            "weak_correct",
            "strong_correct",
            "correct",
            "completion_tokens",
            "role",
            "content",
            "type",
            "text",
            "local",
            "cloud",
            "legacy");

    /** A valid row: a prompt or messages, with any of the optional fields. */
    static Node row(RandomGenerator r) {
        HostileInput.ObjBuilder b = obj().put(
                        "id",
                        HostileInput.maybe(
                                r,
                                0.3,
                                g -> g.nextBoolean()
                                        ? str(HostileInput.chars(g, HostileInput.ALNUM, 0, 10))
                                        : num(g.nextLong())));
        if (r.nextInt(3) < 2) {
            b.put("prompt", str(HostileInput.anyString(r, 0, 40)));
        } else {
            b.put(
                    "messages",
                    HostileInput.seq(HostileInput.listOf(
                            r,
                            1,
                            4,
                            g -> obj().put("role", str(HostileInput.oneOf(g, "system", "user", "assistant", "tool")))
                                    .put("content", content(g))
                                    .build())));
        }
        b.put(
                "ts",
                HostileInput.maybe(
                        r,
                        0.3,
                        g -> g.nextBoolean()
                                ? num(g.nextDouble(0, 4e9))
                                : str(Instant.ofEpochSecond(g.nextLong(4_000_000_001L))
                                        .toString())));
        b.put("source", word(r));
        b.put("subject", word(r));
        b.put("level", HostileInput.maybe(r, 0.5, g -> num(g.nextInt(1, 6))));
        b.put("weak_correct", bool(r));
        b.put("strong_correct", bool(r));
        b.put("correct", HostileInput.maybe(r, 0.6, g -> {
            HostileInput.ObjBuilder correct = obj();
            for (String tier : HostileInput.subsetOf(g, 0, "local", "cloud", "legacy")) {
                correct.put(tier, num(g.nextBoolean()));
            }
            return correct.build();
        }));
        b.put("completion_tokens", HostileInput.maybe(r, 0.5, g -> num(g.nextLong(100_001))));
        return b.build();
    }

    private static Node content(RandomGenerator r) {
        return switch (HostileInput.pick(r, 3, 1, 1)) {
            case 0 -> str(HostileInput.anyString(r, 0, 40));
            case 1 ->
                HostileInput.seq(HostileInput.listOf(
                        r,
                        0,
                        3,
                        g -> g.nextInt(4) < 3
                                ? obj().put("type", str("text"))
                                        .put("text", str(HostileInput.anyString(g, 0, 40)))
                                        .build()
                                : obj().put("type", str("image_url"))
                                        .put(
                                                "image_url",
                                                obj().put("url", str("https://example.com/a.png"))
                                                        .build())
                                        .build()));
            default -> new HostileInput.Scalar("null");
        };
    }

    private static Node word(RandomGenerator r) {
        return HostileInput.maybe(r, 0.5, g -> str(HostileInput.chars(g, HostileInput.ALPHA, 0, 12)));
    }

    private static Node bool(RandomGenerator r) {
        return HostileInput.maybe(r, 0.5, g -> new HostileInput.Scalar(String.valueOf(g.nextBoolean())));
    }
}
