package dev.burstgate.gateway.api;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;

/**
 * A failure the client sees as an OpenAI-shaped error: {@code {"error":{"message","type","param","code"}}}.
 * Every error Burstgate returns goes through this type, so no client mistake ends in a 500.
 */
public final class ApiException extends RuntimeException {

    private final HttpStatus status;
    private final String type;
    private final String code;
    private final @Nullable String param;
    private final Map<String, String> headers;

    public ApiException(HttpStatus status, String type, String code, @Nullable String param, String message) {
        this(status, type, code, param, message, Map.of());
    }

    private ApiException(
            HttpStatus status,
            String type,
            String code,
            @Nullable String param,
            String message,
            Map<String, String> headers) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.code = code;
        this.param = param;
        this.headers = headers;
    }

    /** The message the constructor was given, never null. */
    @Override
    public String getMessage() {
        return Objects.requireNonNull(super.getMessage());
    }

    /** This error with one more response header (such as {@code Allow} or {@code Retry-After}). */
    public ApiException withHeader(String name, String value) {
        Map<String, String> h = new LinkedHashMap<>(headers);
        h.put(name, value);
        return new ApiException(status, type, code, param, getMessage(), Collections.unmodifiableMap(h));
    }

    /** Response headers that go with this error. */
    public Map<String, String> headers() {
        return headers;
    }

    public static ApiException notFound(String message) {
        return new ApiException(HttpStatus.NOT_FOUND, "invalid_request_error", "not_found", null, message);
    }

    public static ApiException methodNotAllowed(String message) {
        return new ApiException(
                HttpStatus.METHOD_NOT_ALLOWED, "invalid_request_error", "method_not_allowed", null, message);
    }

    public static ApiException unsupportedMediaType(String message) {
        return new ApiException(
                HttpStatus.UNSUPPORTED_MEDIA_TYPE, "invalid_request_error", "unsupported_media_type", null, message);
    }

    public static ApiException badRequest(String code, @Nullable String param, String message) {
        return new ApiException(HttpStatus.BAD_REQUEST, "invalid_request_error", code, param, message);
    }

    /** 408: the request (its head or its body) did not arrive in time; the connection is closed afterwards. */
    public static ApiException requestTimeout(String message) {
        return new ApiException(HttpStatus.REQUEST_TIMEOUT, "invalid_request_error", "request_timeout", null, message);
    }

    /** 414: the request line is longer than the gateway reads. */
    public static ApiException uriTooLong(String message) {
        return new ApiException(HttpStatus.URI_TOO_LONG, "invalid_request_error", "uri_too_long", null, message);
    }

    /** 431: the request's header fields are larger than the gateway reads. */
    public static ApiException headerFieldsTooLarge(String message) {
        return new ApiException(
                HttpStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
                "invalid_request_error",
                "request_header_fields_too_large",
                null,
                message);
    }

    public static ApiException invalidKey(String message) {
        return new ApiException(HttpStatus.UNAUTHORIZED, "authentication_error", "invalid_api_key", null, message);
    }

    public static ApiException forbidden(String message) {
        return new ApiException(HttpStatus.FORBIDDEN, "permission_error", "forbidden", null, message);
    }

    public static ApiException tooLarge(String message) {
        return new ApiException(
                HttpStatus.CONTENT_TOO_LARGE, "invalid_request_error", "request_too_large", null, message);
    }

    public static ApiException rateLimited(String message) {
        return new ApiException(HttpStatus.TOO_MANY_REQUESTS, "rate_limit_error", "rate_limit_exceeded", null, message);
    }

    public static ApiException budgetExhausted(String message) {
        return new ApiException(HttpStatus.PAYMENT_REQUIRED, "insufficient_quota", "budget_exhausted", null, message);
    }

    public static ApiException noTier(HttpStatus status, String code, String message) {
        return new ApiException(status, "api_error", code, null, message);
    }

    public static ApiException timeout(String message) {
        return new ApiException(HttpStatus.GATEWAY_TIMEOUT, "timeout_error", "upstream_timeout", null, message);
    }

    public HttpStatus status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String code() {
        return code;
    }

    public @Nullable String param() {
        return param;
    }
}
