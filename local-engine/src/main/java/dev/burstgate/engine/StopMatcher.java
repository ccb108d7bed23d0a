package dev.burstgate.engine;

import java.util.List;

/**
 * Finds stop strings in streamed text, also across pieces: text that could begin a stop string is held back until the
 * next piece decides. Not thread safe; one per generation.
 */
final class StopMatcher {

    /** Text safe to emit and whether a stop string ended generation (the stop string itself is not included). */
    record Result(String text, boolean stopped) {
        static final Result NOTHING = new Result("", false);
    }

    private final List<String> stops;
    private final StringBuilder pending = new StringBuilder();

    StopMatcher(List<String> stops) {
        this.stops = List.copyOf(stops);
    }

    Result accept(String text) {
        if (stops.isEmpty()) {
            return text.isEmpty() ? Result.NOTHING : new Result(text, false);
        }
        pending.append(text);
        int first = -1;
        for (String stop : stops) {
            int at = pending.indexOf(stop);
            if (at >= 0 && (first < 0 || at < first)) {
                first = at;
            }
        }
        if (first >= 0) {
            String before = pending.substring(0, first);
            pending.setLength(0);
            return new Result(before, true);
        }
        int keep = 0;
        for (String stop : stops) {
            keep = Math.max(keep, partialSuffix(pending, stop));
        }
        String emit = pending.substring(0, pending.length() - keep);
        pending.delete(0, pending.length() - keep);
        return emit.isEmpty() ? Result.NOTHING : new Result(emit, false);
    }

    /** Text held back as a possible stop-string start; call at the end of generation. */
    String flush() {
        String rest = pending.toString();
        pending.setLength(0);
        return rest;
    }

    /** Length of the longest suffix of {@code text} that is a proper prefix of {@code stop}. */
    private static int partialSuffix(CharSequence text, String stop) {
        int max = Math.min(stop.length() - 1, text.length());
        outer:
        for (int len = max; len > 0; len--) {
            int start = text.length() - len;
            for (int i = 0; i < len; i++) {
                if (text.charAt(start + i) != stop.charAt(i)) {
                    continue outer;
                }
            }
            return len;
        }
        return 0;
    }
}
