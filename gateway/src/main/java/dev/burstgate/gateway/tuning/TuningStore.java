package dev.burstgate.gateway.tuning;

import dev.burstgate.policies.policy.Policy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The files of tuning, in one directory (the policy registry's overlay directory):
 *
 * <ul>
 *   <li>{@code <policy>.yaml}, the overlay in force: {@code thresholds} and, for a policy with a cascade,
 *       {@code cascade.escalate-below} (all the registry reads; an overlay without {@code cascade} leaves the policy
 *       file's), {@code applied_at}, {@code by}, {@code reason}, and {@code history}, the overlays it replaced, oldest
 *       first. Written as JSON,
 *       which is YAML, to a temporary file moved into place, so a reload never reads half a file.
 *   <li>{@code audit.jsonl}, one JSON object a line, appended and never rewritten.
 * </ul>
 *
 * Not thread-safe: the {@link TuningService} serialises its calls.
 */
final class TuningStore {

    static final String AUDIT = "audit.jsonl";

    private final Path dir;
    private final JsonMapper json;

    TuningStore(Path dir, JsonMapper json) {
        this.dir = dir;
        this.json = json;
    }

    Path overlay(String policy) {
        return dir.resolve(policy + ".yaml");
    }

    /** The overlay of a policy, or null when its thresholds are its own. */
    @Nullable
    ObjectNode read(String policy) {
        Path file = overlay(policy);
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            return (ObjectNode) json.readTree(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** Puts {@code next} in force, keeping the overlay it replaces (if any) in its history. */
    void push(String policy, ObjectNode next) {
        ObjectNode current = read(policy);
        ArrayNode history = next.putArray("history");
        if (current != null) {
            JsonNode earlier = current.remove("history");
            if (earlier != null && earlier.isArray()) {
                earlier.forEach(history::add);
            }
            history.add(current);
        }
        write(policy, next);
    }

    /**
     * Steps back to the overlay before the one in force, or removes the overlay when there was none.
     *
     * @return false when there is no overlay to step back from
     */
    boolean pop(String policy) {
        ObjectNode current = read(policy);
        if (current == null) {
            return false;
        }
        JsonNode history = current.get("history");
        if (history == null || !history.isArray() || history.isEmpty()) {
            try {
                Files.delete(overlay(policy));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot remove " + overlay(policy), e);
            }
            return true;
        }
        List<JsonNode> earlier = new ArrayList<>();
        history.forEach(earlier::add);
        ObjectNode previous = (ObjectNode) earlier.removeLast();
        ArrayNode rest = previous.putArray("history");
        earlier.forEach(rest::add);
        write(policy, previous);
        return true;
    }

    void audit(ObjectNode entry) {
        try {
            Files.createDirectories(dir);
            Files.writeString(
                    dir.resolve(AUDIT),
                    json.writeValueAsString(entry) + "\n",
                    StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND,
                    StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + dir.resolve(AUDIT), e);
        }
    }

    /** Every audit entry, oldest first (a line that does not parse is skipped). */
    List<JsonNode> audit() {
        Path file = dir.resolve(AUDIT);
        if (!Files.isRegularFile(file)) {
            return List.of();
        }
        List<JsonNode> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (line.isBlank()) {
                    continue;
                }
                try {
                    out.add(json.readTree(line));
                } catch (RuntimeException e) {
                    // a line cut by a crash mid-append: the rest of the trail still reads
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        return out;
    }

    ObjectNode thresholds(Policy.Thresholds t) {
        ObjectNode o = json.createObjectNode();
        o.put("cloud-at", t.cloudAt());
        if (t.legacyAt() == null) {
            o.putNull("legacy-at");
        } else {
            o.put("legacy-at", t.legacyAt());
        }
        return o;
    }

    /** The thresholds with the cascade's {@code escalate-below} beside them, when there is one (audit entries). */
    ObjectNode setting(Policy.Thresholds t, @Nullable Double escalateBelow) {
        ObjectNode o = thresholds(t);
        if (escalateBelow != null) {
            o.put("escalate-below", escalateBelow);
        }
        return o;
    }

    private void write(String policy, ObjectNode overlay) {
        try {
            Files.createDirectories(dir);
            Path tmp = dir.resolve("." + policy + ".yaml.tmp");
            Files.writeString(tmp, json.writerWithDefaultPrettyPrinter().writeValueAsString(overlay));
            Files.move(tmp, overlay(policy), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + overlay(policy), e);
        }
    }
}
