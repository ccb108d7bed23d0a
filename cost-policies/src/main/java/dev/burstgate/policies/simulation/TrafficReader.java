package dev.burstgate.policies.simulation;

import dev.burstgate.policies.Tier;
import dev.burstgate.policies.capability.ChatBodyNeeds;
import dev.burstgate.policies.classifier.ChatMessage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads JSON Lines traffic and prompt files: one object a line with {@code prompt} (a string) or {@code messages}
 * (an array of {@code {"role","content"}}), and the optional fields described in {@link TrafficRecord}. Blank lines
 * are ignored. Lines end with LF, CR LF or CR and are UTF-8 (a byte order mark before the first is skipped); a line
 * that is not UTF-8 is one bad line. Every bad line is a {@link BadInputException} naming the file, the line and the
 * field, and quoting at most {@value #SHOWN} characters of the value.
 */
public final class TrafficReader {

    /** How much of a bad value a message quotes. */
    static final int SHOWN = 100;

    private final JsonMapper mapper = JsonMapper.builder().build();
    private final boolean skipBadLines;

    /**
     * @param skipBadLines when true, bad lines are counted and skipped; when false the first one throws
     */
    public TrafficReader(boolean skipBadLines) {
        this.skipBadLines = skipBadLines;
    }

    /** The usable rows, how many lines were skipped and the first problems seen. */
    public record Result(List<TrafficRecord> rows, int skipped, List<String> problems) {
        public Result {
            rows = List.copyOf(rows);
            problems = List.copyOf(problems);
        }
    }

    /**
     * Reads a whole file.
     *
     * @param progress called with the number of bytes read so far, every few thousand lines
     * @throws BadInputException for the first bad line, unless bad lines are skipped
     */
    public Result read(Path file, LongConsumer progress) throws IOException {
        return read(file.toString(), Files.newInputStream(file), progress);
    }

    /** Reads and closes {@code in}, naming it {@code file} in messages. */
    Result read(String file, InputStream in, LongConsumer progress) throws IOException {
        List<TrafficRecord> rows = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        int skipped = 0;
        long lineNo = 0;
        try (Lines lines = new Lines(in)) {
            while (lines.next()) {
                lineNo++;
                if (lineNo % 2000 == 0) {
                    progress.accept(lines.consumed());
                }
                try {
                    String line = lines.text(file, lineNo);
                    if (line.isBlank()) {
                        continue;
                    }
                    rows.add(parse(file, lineNo, line));
                } catch (BadInputException e) {
                    if (!skipBadLines) {
                        throw e;
                    }
                    skipped++;
                    if (problems.size() < 10) {
                        problems.add(e.getMessage());
                    }
                }
            }
            progress.accept(lines.consumed());
        }
        return new Result(rows, skipped, problems);
    }

    /** Parses one line. */
    public TrafficRecord parse(String file, long lineNo, String line) {
        JsonNode n;
        try {
            n = mapper.readTree(line);
        } catch (JacksonException e) {
            throw new BadInputException(file, lineNo, "(line)", "not valid JSON: " + e.getOriginalMessage());
        }
        if (!n.isObject()) {
            throw new BadInputException(file, lineNo, "(line)", "expected a JSON object but found " + n.getNodeType());
        }
        JsonNode idNode = n.get("id");
        String id;
        if (idNode == null || idNode.isNull()) {
            id = Long.toString(lineNo);
        } else if (idNode.isContainer()) {
            throw new BadInputException(
                    file, lineNo, "id", "expected a string or a number but found " + idNode.getNodeType());
        } else {
            id = idNode.asString();
        }
        List<ChatMessage> messages = new ArrayList<>();
        JsonNode prompt = n.get("prompt");
        JsonNode msgs = n.get("messages");
        if (prompt != null && !prompt.isNull()) {
            if (!prompt.isString()) {
                throw new BadInputException(
                        file, lineNo, "prompt", "expected a string but found " + prompt.getNodeType());
            }
            messages.add(ChatMessage.user(prompt.asString()));
        } else if (msgs != null && !msgs.isNull()) {
            if (!msgs.isArray() || msgs.isEmpty()) {
                throw new BadInputException(file, lineNo, "messages", "expected a non-empty array");
            }
            int i = 0;
            for (JsonNode m : msgs) {
                JsonNode role = m.get("role");
                JsonNode content = m.get("content");
                if (role == null || !role.isString()) {
                    throw new BadInputException(file, lineNo, "messages[" + i + "].role", "expected a string");
                }
                String text;
                if (content == null || content.isNull()) {
                    text = "";
                } else if (content.isString()) {
                    text = content.asString();
                } else if (content.isArray()) {
                    List<String> parts = new ArrayList<>();
                    for (int j = 0; j < content.size(); j++) {
                        JsonNode part = content.get(j);
                        String field = "messages[" + i + "].content[" + j + "]";
                        if (!part.isObject()) {
                            throw new BadInputException(
                                    file,
                                    lineNo,
                                    field,
                                    "expected an object like {\"type\":\"text\"," + "\"text\":\"...\"} but found "
                                            + part.getNodeType());
                        }
                        if (part.path("type").asString("").equals("text")) {
                            JsonNode partText = part.get("text");
                            if (partText == null || !partText.isString()) {
                                throw new BadInputException(
                                        file,
                                        lineNo,
                                        field + ".text",
                                        "expected a string but found "
                                                + (partText == null ? "nothing" : partText.getNodeType()));
                            }
                            parts.add(partText.asString());
                        }
                    }
                    text = ChatMessage.joinParts(parts);
                } else {
                    throw new BadInputException(
                            file,
                            lineNo,
                            "messages[" + i + "].content",
                            "expected a string or an array of parts but found " + content.getNodeType());
                }
                messages.add(new ChatMessage(role.asString(), text));
                i++;
            }
        } else {
            throw new BadInputException(file, lineNo, "prompt", "missing: each line needs 'prompt' or 'messages'");
        }
        Double ts = null;
        JsonNode t = n.get("ts");
        if (t != null && !t.isNull()) {
            if (t.isNumber()) {
                ts = toDouble(t);
            } else if (t.isString()) {
                try {
                    Instant instant = Instant.parse(t.asString());
                    ts = instant.getEpochSecond() + instant.getNano() / 1e9;
                } catch (DateTimeParseException e) {
                    throw new BadInputException(
                            file,
                            lineNo,
                            "ts",
                            "expected seconds or an ISO-8601 instant but was '" + shown(t.asString()) + "'");
                }
            } else {
                throw new BadInputException(
                        file, lineNo, "ts", "expected a number or a string but found " + t.getNodeType());
            }
            if (!Double.isFinite(ts) || ts < 0) {
                throw new BadInputException(file, lineNo, "ts", "must be a finite number >= 0 but was " + shown(t));
            }
        }
        Integer level = null;
        JsonNode lv = n.get("level");
        if (lv != null && !lv.isNull()) {
            if (!lv.canConvertToInt() || lv.asInt() < 1 || lv.asInt() > 5) {
                throw new BadInputException(file, lineNo, "level", "expected an integer 1..5 but was " + shown(lv));
            }
            level = lv.asInt();
        }
        Boolean weak = bool(file, lineNo, n, "weak_correct");
        Boolean strong = bool(file, lineNo, n, "strong_correct");
        Map<Tier, Boolean> perTier = new EnumMap<>(Tier.class);
        JsonNode correct = n.get("correct");
        if (correct != null && !correct.isNull()) {
            if (!correct.isObject()) {
                throw new BadInputException(file, lineNo, "correct", "expected an object like {\"local\":true}");
            }
            for (var e : correct.properties()) {
                Tier tier = Tier.fromLabel(e.getKey()).orElse(null);
                if (tier == null) {
                    throw new BadInputException(
                            file,
                            lineNo,
                            "correct." + shown(e.getKey()),
                            "unknown tier; expected local, " + "cloud or legacy");
                }
                if (!e.getValue().isBoolean()) {
                    throw new BadInputException(
                            file,
                            lineNo,
                            "correct." + e.getKey(),
                            "expected true or false but was " + shown(e.getValue()));
                }
                perTier.put(tier, e.getValue().asBoolean());
            }
        }
        Long completion = null;
        JsonNode ct = n.get("completion_tokens");
        if (ct != null && !ct.isNull()) {
            if (!ct.canConvertToLong() || ct.asLong() < 0) {
                throw new BadInputException(
                        file, lineNo, "completion_tokens", "expected an integer >= 0 but was " + shown(ct));
            }
            completion = ct.asLong();
        }
        Double confidence = null;
        JsonNode lc = n.get("local_confidence");
        if (lc != null && !lc.isNull()) {
            if (!lc.isNumber() || !(lc.asDouble() >= 0 && lc.asDouble() <= 1)) {
                throw new BadInputException(
                        file, lineNo, "local_confidence", "expected a number in [0, 1] but was " + shown(lc));
            }
            confidence = lc.asDouble();
        }
        return new TrafficRecord(
                lineNo,
                id,
                messages,
                ts,
                text(file, lineNo, n, "source"),
                text(file, lineNo, n, "subject"),
                level,
                weak,
                strong,
                perTier,
                completion,
                ChatBodyNeeds.read(n),
                confidence);
    }

    /** An optional scalar as text ("" when absent); an object or array is a bad line, not an empty value. */
    private static String text(String file, long lineNo, JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return "";
        }
        if (v.isContainer()) {
            throw new BadInputException(file, lineNo, field, "expected a string but found " + v.getNodeType());
        }
        return v.asString();
    }

    /** A number as a double: an integer beyond a double's range is infinite, as a float literal would be. */
    private static double toDouble(JsonNode number) {
        if (number.isBigInteger()) {
            return number.bigIntegerValue().doubleValue();
        }
        if (number.isBigDecimal()) {
            return number.decimalValue().doubleValue();
        }
        return number.asDouble();
    }

    private static String shown(JsonNode v) {
        return shown(v.toString());
    }

    /** At most {@link #SHOWN} characters of {@code s}, never ending in half a surrogate pair. */
    private static String shown(String s) {
        if (s.length() <= SHOWN) {
            return s;
        }
        int end = Character.isHighSurrogate(s.charAt(SHOWN - 1)) ? SHOWN - 1 : SHOWN;
        return s.substring(0, end) + "… (" + s.length() + " characters)";
    }

    private static @Nullable Boolean bool(String file, long lineNo, JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isBoolean()) {
            throw new BadInputException(file, lineNo, field, "expected true or false but was " + shown(v));
        }
        return v.asBoolean();
    }

    /**
     * The lines of a file, split at LF, CR LF or CR as {@link java.io.BufferedReader#readLine} does, and decoded one at
     * a time so that bytes which are not UTF-8 spoil one line rather than the rest of the file.
     */
    private static final class Lines implements AutoCloseable {

        private final InputStream in;
        private final byte[] buffer = new byte[1 << 16];
        private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder();
        private int pos;
        private int end;
        private boolean skipLf;
        private boolean first = true;
        private byte[] line = new byte[256];
        private int length;
        private long consumed;

        Lines(InputStream in) {
            this.in = in;
        }

        /** Reads the next line; false at the end of the file. */
        boolean next() throws IOException {
            length = 0;
            boolean any = false;
            while (true) {
                if (pos == end) {
                    end = Math.max(0, in.read(buffer, 0, buffer.length));
                    pos = 0;
                    if (end == 0) {
                        return any;
                    }
                }
                byte b = buffer[pos++];
                consumed++;
                if (skipLf) {
                    skipLf = false;
                    if (b == '\n') {
                        continue;
                    }
                }
                any = true;
                if (b == '\n') {
                    return true;
                }
                if (b == '\r') {
                    skipLf = true;
                    return true;
                }
                if (length == line.length) {
                    line = Arrays.copyOf(line, length * 2);
                }
                line[length++] = b;
            }
        }

        /** The line just read, without its line end. */
        String text(String file, long lineNo) {
            ByteBuffer bytes = ByteBuffer.wrap(line, 0, length);
            if (first && length >= 3 && line[0] == (byte) 0xEF && line[1] == (byte) 0xBB && line[2] == (byte) 0xBF) {
                bytes.position(3);
            }
            first = false;
            CharBuffer chars = CharBuffer.allocate(length);
            CoderResult result = utf8.reset().decode(bytes, chars, true);
            if (result.isError()) {
                throw new BadInputException(
                        file,
                        lineNo,
                        "(line)",
                        "not UTF-8: byte " + (bytes.position() + 1) + " of the line starts an invalid sequence");
            }
            utf8.flush(chars);
            return chars.flip().toString();
        }

        /** Bytes read so far, line ends included. */
        long consumed() {
            return consumed;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
