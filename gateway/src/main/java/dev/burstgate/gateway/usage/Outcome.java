package dev.burstgate.gateway.usage;

/** How a request, or one attempt of it, ended. */
public enum Outcome {
    /** Answered by the first tier tried. */
    OK,
    /** Answered after at least one earlier tier failed before its first byte. */
    FALLBACK,
    /** The answer was cut after its first byte reached the client; the stream ended with an error event. */
    CUT,
    /** Refused by policy, budget or admission before any tier was tried. */
    REJECTED,
    /** No tier could answer. */
    ERROR,
    /** The client went away before the answer was complete. */
    CANCELLED,
    /**
     * An attempt only: the local tier answered but the policy's cascade found the answer unsure, discarded it and
     * went on down the fallback chain. The attempt is billed.
     */
    ESCALATED;

    private final String label = name().toLowerCase(java.util.Locale.ROOT);

    /** The outcome as meters and the ledger spell it: {@code ok}, {@code fallback}, ... */
    public String label() {
        return label;
    }
}
