package dev.burstgate.policies.privacy;

import java.util.EnumMap;
import java.util.Map;
import java.util.Set;

/**
 * Which kinds of personal data a prompt holds and how many of each; never the values themselves.
 *
 * @param counts occurrences per kind (kinds not found are absent)
 * @param truncated true when the text was longer than {@link PiiDetector#MAX_ANALYSED_CHARS} and only that prefix
 *     was searched
 */
public record PrivacySignal(Map<PiiKind, Integer> counts, boolean truncated) {

    /** Nothing found. */
    public static final PrivacySignal NONE = new PrivacySignal(Map.of(), false);

    public PrivacySignal {
        EnumMap<PiiKind, Integer> copy = new EnumMap<>(PiiKind.class);
        counts.forEach((k, v) -> {
            if (v < 0) {
                throw new IllegalArgumentException("count of " + k.key() + " must be >= 0 but was " + v);
            }
            if (v > 0) {
                copy.put(k, v);
            }
        });
        counts = java.util.Collections.unmodifiableMap(copy);
    }

    public boolean found() {
        return !counts.isEmpty();
    }

    public Set<PiiKind> kinds() {
        return counts.keySet();
    }

    public int count(PiiKind kind) {
        return counts.getOrDefault(kind, 0);
    }

    /** True when any of {@code watched} was found. */
    public boolean foundAny(Set<PiiKind> watched) {
        for (PiiKind k : counts.keySet()) {
            if (watched.contains(k)) {
                return true;
            }
        }
        return false;
    }
}
