package dev.burstgate.gateway.api;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.annotation.Order;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebExceptionHandler;
import org.springframework.web.util.DisconnectedClientHelper;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import tools.jackson.databind.json.JsonMapper;

/**
 * Turns every failure into the OpenAI error shape. Runs before Boot's default handler, so gateway routes,
 * functional endpoints and framework errors (404, 405, 415) all answer alike.
 *
 * <p>A connection that closed before its answer (a client that aborts its upload, or one the server's request
 * deadlines closed) has no one to answer: it is logged in one DEBUG line, without a stack trace, and recorded with
 * status {@value #CLIENT_CLOSED_REQUEST} (as nginx does); nothing is written. It is neither a 500 nor the gateway's
 * failure. Only a connection that is really closed counts: the same exception on a live connection (from an
 * upstream, say) is a 500 like any other failure.
 */
@Component
@Order(-2)
class ApiErrorHandler implements WebExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ApiErrorHandler.class);

    private static final long DRAIN_LIMIT = 1 << 20;
    private static final Duration DRAIN_TIME = Duration.ofSeconds(1);
    /** The status recorded for a request whose client closed the connection before its answer. */
    static final int CLIENT_CLOSED_REQUEST = 499;

    private final JsonMapper json;

    ApiErrorHandler(JsonMapper json) {
        this.json = json;
    }

    @Override
    public Mono<Void> handle(ServerWebExchange exchange, Throwable ex) {
        ServerHttpResponse response = exchange.getResponse();
        if (response.isCommitted()) {
            return Mono.error(ex);
        }
        if (DisconnectedClientHelper.isClientDisconnectedException(ex) && connectionClosed(exchange)) {
            log.debug(
                    "{} {}: the connection closed before the answer ({})",
                    exchange.getRequest().getMethod(),
                    exchange.getRequest().getPath(),
                    ex.toString());
            response.setStatusCode(HttpStatusCode.valueOf(CLIENT_CLOSED_REQUEST));
            return Mono.empty();
        }
        ApiException api = toApiException(ex);
        if (api.status().is5xxServerError()) {
            log.warn(
                    "{} {} -> {} {}: {}",
                    exchange.getRequest().getMethod(),
                    exchange.getRequest().getPath(),
                    api.status().value(),
                    api.code(),
                    api.getMessage(),
                    ex instanceof ApiException ? null : ex);
        }
        byte[] body = json.writeValueAsBytes(ErrorBodies.body(json, api));
        response.setStatusCode(api.status());
        // No tier answered an error, and nothing was billed for it.
        response.getHeaders().remove(BurstgateHeaders.TIER);
        response.getHeaders().remove(BurstgateHeaders.COST);
        api.headers().forEach(response.getHeaders()::set);
        response.getHeaders().setContentType(MediaType.APPLICATION_JSON);
        response.getHeaders().setContentLength(body.length);
        return drainBody(exchange)
                .then(response.writeWith(
                        Mono.fromSupplier(() -> response.bufferFactory().wrap(body))));
    }

    /**
     * Reads and drops what is left of a small request body before the error is written: a connection closed with
     * unread bytes is reset by the operating system, and a reset can destroy the error answer before the client has
     * read it. Bodies already read, larger than {@value #DRAIN_LIMIT} bytes or slower than {@link #DRAIN_TIME} are left.
     */
    private static Mono<Void> drainBody(ServerWebExchange exchange) {
        long length = exchange.getRequest().getHeaders().getContentLength();
        if (length <= 0 || length > DRAIN_LIMIT) {
            return Mono.empty();
        }
        return exchange.getRequest()
                .getBody()
                .doOnNext(DataBufferUtils::release)
                .then()
                .timeout(DRAIN_TIME, Mono.empty())
                .onErrorResume(e -> Mono.empty());
    }

    private static boolean connectionClosed(ServerWebExchange exchange) {
        Object nativeRequest = ServerHttpRequestDecorator.getNativeRequest(exchange.getRequest());
        return nativeRequest instanceof Connection connection
                && !connection.channel().isActive();
    }

    static ApiException toApiException(Throwable ex) {
        Throwable t = ex;
        while (t != null) {
            if (t instanceof ApiException api) {
                return api;
            }
            if (t instanceof DataBufferLimitException) {
                return ApiException.tooLarge("Request body exceeds the gateway's size limit.");
            }
            t = t.getCause() == t ? null : t.getCause();
        }
        if (ex instanceof ResponseStatusException rse) {
            HttpStatusCode code = rse.getStatusCode();
            HttpStatus status = HttpStatus.resolve(code.value());
            if (code.value() == 404) {
                return ApiException.notFound(
                        "Unknown path. Burstgate serves POST /v1/chat/completions and GET /v1/models.");
            }
            if (code.value() == 405) {
                return ApiException.methodNotAllowed("This method is not allowed here.");
            }
            if (code.value() == 413) {
                return ApiException.tooLarge("Request body exceeds the gateway's size limit.");
            }
            if (code.value() == 415) {
                return ApiException.unsupportedMediaType(
                        "Send the request body as JSON: 'Content-Type: application/json'.");
            }
            if (code.is4xxClientError() && status != null) {
                // The framework's reason may name its internals: the client gets the status's own phrase.
                return new ApiException(
                        status, "invalid_request_error", "invalid_request", null, status.getReasonPhrase() + ".");
            }
            if (code.value() == 503) {
                return ApiException.noTier(
                        HttpStatus.SERVICE_UNAVAILABLE,
                        "service_unavailable",
                        "The service is unavailable; try again later.");
            }
        }
        return new ApiException(
                HttpStatus.INTERNAL_SERVER_ERROR,
                "api_error",
                "internal_error",
                null,
                "The gateway failed unexpectedly; the failure was logged.");
    }
}
