package dev.burstgate.gateway.dispatch;

import dev.burstgate.gateway.api.ApiException;
import dev.burstgate.gateway.tier.AttemptFailure;

/** The two descriptions of a failed attempt: what a client may read, and what the log and the ledger keep. */
final class Failures {

    private Failures() {}

    /** Never an endpoint, an upstream body or a class name: "answered an error (HTTP 503)". */
    static String publicMessage(Throwable e) {
        if (e instanceof AttemptFailure af) {
            return af.publicMessage();
        }
        if (e instanceof ApiException api) {
            return "failed: " + api.getMessage();
        }
        return "failed";
    }

    /** The detail: an {@link AttemptFailure}'s is already redacted of credentials. */
    static String detail(Throwable e) {
        if (e instanceof AttemptFailure af) {
            return af.getMessage() != null ? af.getMessage() : af.kind().name();
        }
        return e.getMessage() != null
                ? e.getClass().getSimpleName() + ": " + e.getMessage()
                : e.getClass().getSimpleName();
    }
}
