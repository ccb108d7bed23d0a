package dev.burstgate.engine;

import org.jspecify.annotations.Nullable;

/**
 * Splits streamed answer text at the tool-call marker: text before it streams on; from the marker on, text is held
 * until the end, when it is parsed into calls. Text that could be the start of the marker is held back until the next
 * piece decides. Not thread safe; one per generation.
 */
final class ToolCallStream {

    private final @Nullable String marker;
    private final StringBuilder pending = new StringBuilder();
    private boolean inCalls;

    /** @param marker the call marker, or null to pass all text through */
    ToolCallStream(@Nullable String marker) {
        this.marker = marker;
    }

    /** Text that may be emitted now. */
    String accept(String text) {
        if (marker == null) {
            return text;
        }
        pending.append(text);
        if (inCalls) {
            return "";
        }
        int at = pending.indexOf(marker);
        if (at >= 0) {
            inCalls = true;
            String before = pending.substring(0, at);
            pending.delete(0, at);
            return before;
        }
        int keep = partialSuffix(pending, marker);
        String emit = pending.substring(0, pending.length() - keep);
        pending.delete(0, pending.length() - keep);
        return emit;
    }

    /** Whether the marker has been seen. */
    boolean inCalls() {
        return inCalls;
    }

    /** Everything held back (the calls' text from the marker on, or a partial marker); clears it. */
    String drain() {
        String rest = pending.toString();
        pending.setLength(0);
        return rest;
    }

    private static int partialSuffix(CharSequence text, String tag) {
        int max = Math.min(tag.length() - 1, text.length());
        outer:
        for (int len = max; len > 0; len--) {
            int start = text.length() - len;
            for (int i = 0; i < len; i++) {
                if (text.charAt(start + i) != tag.charAt(i)) {
                    continue outer;
                }
            }
            return len;
        }
        return 0;
    }
}
