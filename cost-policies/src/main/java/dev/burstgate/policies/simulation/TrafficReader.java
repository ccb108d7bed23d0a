package dev.burstgate.policies.simulation;

import dev.burstgate.policies.Tier;
import dev.burstgate.policies.classifier.ChatMessage;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongConsumer;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import org.jspecify.annotations.Nullable;

/**
 * Reads JSON Lines traffic and prompt files: one object a line with {@code prompt} (a string) or {@code messages}
 * (an array of {@code {"role","content"}}), and the optional fields described in {@link TrafficRecord}. Blank lines
 * are ignored.
 */
public final class TrafficReader {

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
    List<TrafficRecord> rows = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    int skipped = 0;
    long lineNo = 0;
    long bytes = 0;
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      while ((line = in.readLine()) != null) {
        lineNo++;
        bytes += line.length() + 1;
        if (lineNo % 2000 == 0) {
          progress.accept(bytes);
        }
        if (line.isBlank()) {
          continue;
        }
        try {
          rows.add(parse(file.toString(), lineNo, line));
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
    }
    progress.accept(bytes);
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
    String id = n.has("id") ? n.get("id").asString() : Long.toString(lineNo);
    List<ChatMessage> messages = new ArrayList<>();
    JsonNode prompt = n.get("prompt");
    JsonNode msgs = n.get("messages");
    if (prompt != null && !prompt.isNull()) {
      if (!prompt.isString()) {
        throw new BadInputException(file, lineNo, "prompt", "expected a string but found " + prompt.getNodeType());
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
          StringBuilder sb = new StringBuilder();
          for (JsonNode part : content) {
            if (part.path("type").asString("").equals("text")) {
              sb.append(part.path("text").asString("")).append('\n');
            }
          }
          text = sb.toString();
        } else {
          throw new BadInputException(file, lineNo, "messages[" + i + "].content",
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
        ts = t.asDouble();
      } else if (t.isString()) {
        try {
          Instant instant = Instant.parse(t.asString());
          ts = instant.getEpochSecond() + instant.getNano() / 1e9;
        } catch (DateTimeParseException e) {
          throw new BadInputException(file, lineNo, "ts", "expected seconds or an ISO-8601 instant but was '"
              + t.asString() + "'");
        }
      } else {
        throw new BadInputException(file, lineNo, "ts", "expected a number or a string but found "
            + t.getNodeType());
      }
      if (!Double.isFinite(ts) || ts < 0) {
        throw new BadInputException(file, lineNo, "ts", "must be a finite number >= 0 but was " + t);
      }
    }
    Integer level = null;
    JsonNode lv = n.get("level");
    if (lv != null && !lv.isNull()) {
      if (!lv.canConvertToInt() || lv.asInt() < 1 || lv.asInt() > 5) {
        throw new BadInputException(file, lineNo, "level", "expected an integer 1..5 but was " + lv);
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
        Tier tier;
        try {
          tier = Tier.valueOf(e.getKey().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException ex) {
          throw new BadInputException(file, lineNo, "correct." + e.getKey(), "unknown tier; expected local, cloud "
              + "or legacy");
        }
        if (!e.getValue().isBoolean()) {
          throw new BadInputException(file, lineNo, "correct." + e.getKey(), "expected true or false but was "
              + e.getValue());
        }
        perTier.put(tier, e.getValue().asBoolean());
      }
    }
    Long completion = null;
    JsonNode ct = n.get("completion_tokens");
    if (ct != null && !ct.isNull()) {
      if (!ct.canConvertToLong() || ct.asLong() < 0) {
        throw new BadInputException(file, lineNo, "completion_tokens", "expected an integer >= 0 but was " + ct);
      }
      completion = ct.asLong();
    }
    return new TrafficRecord(lineNo, id, messages, ts, n.path("source").asString(""),
        n.path("subject").asString(""), level, weak, strong, perTier, completion);
  }

  private static @Nullable Boolean bool(String file, long lineNo, JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isBoolean()) {
      throw new BadInputException(file, lineNo, field, "expected true or false but was " + v);
    }
    return v.asBoolean();
  }
}
