package dev.burstgate.policies.routing;

/** Why a request is refused, with the HTTP status the gateway answers with. */
public enum RejectCode {
    /** The tenant's budget is used up and the policy rejects (402). */
    BUDGET_EXHAUSTED(402),
    /** The client forced a tier the policy, its budget state or its privacy rule does not allow (400). */
    TIER_NOT_ALLOWED(400),
    /** The prompt holds personal data and the policy rejects such prompts (400). */
    PII_REJECTED(400),
    /** No tier the policy allows can serve what the request needs (tools, images, its length, ...) (400). */
    UNSUPPORTED_BY_TIERS(400),
    /** Every tier the policy allows is down (503). */
    NO_TIER_AVAILABLE(503);

    private final int httpStatus;

    RejectCode(int httpStatus) {
        this.httpStatus = httpStatus;
    }

    public int httpStatus() {
        return httpStatus;
    }
}
