package dev.burstgate.policies.budget;

/** What a policy does once a tenant's budget is used up. */
public enum ExhaustedAction {
    /** Reject requests with {@code BUDGET_EXHAUSTED} (HTTP 402), unless the local tier is free. */
    REJECT,
    /** Serve from the local tier only. */
    LOCAL_ONLY;

    /** The YAML spelling: {@code reject} or {@code local-only}. */
    public String key() {
        return this == REJECT ? "reject" : "local-only";
    }

    public static ExhaustedAction fromKey(String key) {
        return switch (key) {
            case "reject" -> REJECT;
            case "local-only" -> LOCAL_ONLY;
            default -> throw new IllegalArgumentException("expected reject or local-only but was '" + key + "'");
        };
    }
}
