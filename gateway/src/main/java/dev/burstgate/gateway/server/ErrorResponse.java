package dev.burstgate.gateway.server;

import dev.burstgate.gateway.api.ApiException;
import dev.burstgate.gateway.api.ErrorBodies;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import tools.jackson.databind.json.JsonMapper;

/**
 * An answer the connection handlers write themselves, below the web framework: an {@link ApiException} rendered once
 * (at start-up) as its OpenAI-shaped JSON body, sent with {@code Connection: close} because the connection ends with
 * it.
 */
record ErrorResponse(HttpResponseStatus status, byte[] body) {

    static ErrorResponse of(JsonMapper json, ApiException error) {
        return new ErrorResponse(
                HttpResponseStatus.valueOf(error.status().value()),
                json.writeValueAsBytes(ErrorBodies.body(json, error)));
    }

    /** A new response message (the body bytes are shared, never written to). */
    FullHttpResponse toMessage() {
        FullHttpResponse response =
                new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        return response;
    }
}
