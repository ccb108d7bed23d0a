package dev.burstgate.gateway.tier;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * An attempt on one tier failed. It carries two descriptions: {@link #publicMessage()}, built only from the
 * {@link Kind} and the upstream's HTTP status, which is all a client ever sees (in error messages, stream error
 * events and {@code X-Burstgate-Reason}); and {@link #getMessage()}, the detail for the log and the ledger's attempt
 * row (endpoint, upstream body), already redacted of credentials by whoever built it ({@link Redaction}).
 */
public final class AttemptFailure extends RuntimeException {

    /** What went wrong, in words a client may see. */
    public enum Kind {
        /** No answer (or no next chunk) in time. */
        TIMEOUT("timed out"),
        /** The connection could not be made. */
        UNREACHABLE("was unreachable"),
        /** The connection was lost before an answer was complete. */
        CONNECTION_LOST("dropped the connection"),
        /** The upstream answered an HTTP error status (5xx, 408...). */
        UPSTREAM_ERROR("answered an error"),
        /**
         * The upstream asked to be left alone for a while (HTTP 429), or every endpoint of the tier has: no breaker
         * failure; {@link #retryAfter()} says for how long.
         */
        THROTTLED("is rate limited"),
        /** The upstream's answer was not a chat completion. */
        INVALID_ANSWER("gave an invalid answer"),
        /** Its breaker is open, it has no healthy node, or it is disabled. */
        UNAVAILABLE("is unavailable"),
        /** Its concurrency limit is reached. */
        AT_CAPACITY("is at capacity"),
        /** The local engine's slots and queue are full. */
        BUSY("is busy"),
        /** The prompt does not fit the tier's context. */
        CONTEXT_EXCEEDED("cannot take a prompt this long"),
        /** The upstream refused the request as invalid (HTTP 4xx): the request, not the tier, is at fault. */
        REFUSED("refused the request as invalid"),
        /** Anything else. */
        FAILED("failed");

        private final String words;

        Kind(String words) {
            this.words = words;
        }
    }

    private final String endpoint;
    private final Kind kind;
    private final int status;
    private final @Nullable Duration retryAfter;

    /**
     * @param endpoint where the attempt went (for the ledger; never shown to clients)
     * @param kind what went wrong
     * @param status the upstream's HTTP status, or 0
     * @param detail for the log and the ledger: already redacted
     * @param retryAfter the wait the upstream asked for ({@code Retry-After}), or null
     */
    public AttemptFailure(
            String endpoint,
            Kind kind,
            int status,
            String detail,
            @Nullable Throwable cause,
            @Nullable Duration retryAfter) {
        super(detail, cause, false, false);
        this.endpoint = endpoint;
        this.kind = kind;
        this.status = status;
        this.retryAfter = retryAfter;
    }

    public AttemptFailure(String endpoint, Kind kind, int status, String detail, @Nullable Throwable cause) {
        this(endpoint, kind, status, detail, cause, null);
    }

    public AttemptFailure(String endpoint, Kind kind, String detail, @Nullable Throwable cause) {
        this(endpoint, kind, 0, detail, cause);
    }

    public String endpoint() {
        return endpoint;
    }

    public Kind kind() {
        return kind;
    }

    /** The upstream's HTTP status, or 0 when it gave none. */
    public int status() {
        return status;
    }

    /**
     * The wait the upstream asked for ({@code Retry-After}); for a {@link Kind#THROTTLED} tier, the time until its
     * first endpoint is back. Null when none was given.
     */
    public @Nullable Duration retryAfter() {
        return retryAfter;
    }

    /** This failure as the throttling of its whole tier, which may be asked again after {@code wait}. */
    public AttemptFailure throttled(Duration wait) {
        return new AttemptFailure(endpoint, Kind.THROTTLED, status, getMessageOrKind(), getCause(), wait);
    }

    private String getMessageOrKind() {
        String m = getMessage();
        return m != null ? m : kind.name();
    }

    public boolean timeout() {
        return kind == Kind.TIMEOUT;
    }

    /** What a client may read about this failure: e.g. "answered an error (HTTP 503)". */
    public String publicMessage() {
        return status > 0 ? kind.words + " (HTTP " + status + ")" : kind.words;
    }
}
