package dev.burstgate.policies;

import java.util.Locale;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/** The three places a prompt can be answered, cheapest first. */
public enum Tier {
    /** The model inside the gateway process. */
    LOCAL,
    /** The pool of cloud endpoints serving a mid-size model. */
    CLOUD,
    /** The commercial API being replaced; the fallback of last resort. */
    LEGACY;

    private final String label = name().toLowerCase(Locale.ROOT);

    /** The tier's name as the API, headers, metrics and the ledger spell it: {@code local}, {@code cloud}, {@code legacy}. */
    public String label() {
        return label;
    }

    /**
     * The tier a label names — {@code local}, {@code cloud} or {@code legacy}, in any letter case, blanks around it
     * ignored — or empty for anything else. The one reading of a tier name, for policies, traffic files, the command
     * line and requests alike.
     */
    public static Optional<Tier> fromLabel(@Nullable String label) {
        if (label == null) {
            return Optional.empty();
        }
        return switch (label.strip().toLowerCase(Locale.ROOT)) {
            case "local" -> Optional.of(LOCAL);
            case "cloud" -> Optional.of(CLOUD);
            case "legacy" -> Optional.of(LEGACY);
            default -> Optional.empty();
        };
    }
}
