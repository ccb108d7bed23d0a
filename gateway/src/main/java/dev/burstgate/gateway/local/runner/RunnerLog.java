package dev.burstgate.gateway.local.runner;

import java.util.ArrayDeque;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * The runner's output, forwarded to the gateway's log (logger {@value #LOGGER}) at the level each line carries:
 * llama-server prefixes its lines with a time and a level letter ({@code 0.00.512.393 I srv  llama_server: model
 * loaded}): {@code E} becomes ERROR, {@code W} WARN, {@code I} INFO while the runner starts and DEBUG once it serves (a
 * few lines per request), {@code D} DEBUG. A line without a prefix counts as {@code I}. The last lines are kept, so a
 * runner that dies while starting can be reported with its own last words.
 */
final class RunnerLog {

    static final String LOGGER = "dev.burstgate.gateway.local.runner.llama-server";
    private static final Logger log = LoggerFactory.getLogger(LOGGER);
    private static final Pattern PREFIXED = Pattern.compile("^\\s*[\\d.:]+ ([DIWE]) (.*)$");
    private static final int KEPT = 20;

    private final ArrayDeque<String> last = new ArrayDeque<>(KEPT);
    private volatile boolean serving;

    /** A new runner starts: its lines replace the last one's. */
    void restart() {
        synchronized (last) {
            last.clear();
        }
        serving = false;
    }

    /** After this, informational lines go to DEBUG. */
    void serving(boolean serving) {
        this.serving = serving;
    }

    /** The level of one line, and its text without the prefix. */
    static Line parse(String raw, boolean serving) {
        Matcher m = PREFIXED.matcher(raw);
        String text = m.matches() ? m.group(2).strip() : raw.strip();
        char letter = m.matches() ? m.group(1).charAt(0) : 'I';
        Level level = switch (letter) {
            case 'E' -> Level.ERROR;
            case 'W' -> Level.WARN;
            case 'D' -> Level.DEBUG;
            default -> serving ? Level.DEBUG : Level.INFO;
        };
        return new Line(level, text);
    }

    record Line(Level level, String text) {}

    void accept(String raw) {
        if (raw.isBlank()) {
            return;
        }
        Line line = parse(raw, serving);
        synchronized (last) {
            if (last.size() == KEPT) {
                last.removeFirst();
            }
            last.addLast(line.text());
        }
        log.atLevel(line.level()).log("runner: {}", line.text());
    }

    /** The last lines, oldest first. */
    List<String> tail() {
        synchronized (last) {
            return List.copyOf(last);
        }
    }
}
