package dev.burstgate.gateway.server;

import dev.burstgate.gateway.api.ApiException;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpServerCodec;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import reactor.netty.NettyPipeline;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.server.HttpServer;
import tools.jackson.databind.json.JsonMapper;

/**
 * Guards every connection of the HTTP server: the {@link ConnectionLimit} (one per server), and on each HTTP/1.1
 * connection, around Reactor Netty's HTTP codec:
 *
 * <pre>
 *   [{@value #REQUEST_BYTES}] httpCodec [{@value #REQUEST_DEADLINES}] [{@value #PIPELINED_REQUESTS}]
 *   [{@value #MALFORMED_REQUESTS}] httpTrafficHandler ... reactiveBridge
 * </pre>
 *
 * <p>{@link RequestDeadlines} (idle, header and body deadlines, 408), {@link PipelinedRequests} (one request at a time,
 * in order) and {@link MalformedRequests} (400 / 414 / 431 in the OpenAI shape). Connections of another layout
 * (HTTP/2, h2c upgrade) get the connection limit only. The error bodies are rendered once, here.
 */
final class ConnectionGuards implements NettyServerCustomizer {

    private static final Logger log = LoggerFactory.getLogger(ConnectionGuards.class);

    /** Pipeline name of the handler before the HTTP codec that marks where a request's head starts. */
    public static final String REQUEST_BYTES = "burstgate.requestBytes";
    /** Pipeline name of {@link RequestDeadlines}. */
    public static final String REQUEST_DEADLINES = "burstgate.requestDeadlines";
    /** Pipeline name of {@link PipelinedRequests}. */
    public static final String PIPELINED_REQUESTS = "burstgate.pipelinedRequests";
    /** Pipeline name of {@link MalformedRequests}. */
    public static final String MALFORMED_REQUESTS = "burstgate.malformedRequests";

    private final ConnectionProperties limits;
    private final ConnectionMeters meters;
    private final ErrorResponse headerTimedOut;
    private final ErrorResponse bodyTimedOut;
    private final ErrorResponse badRequest;
    private final ErrorResponse uriTooLong;
    private final ErrorResponse headerFieldsTooLarge;
    private final ErrorResponse notHttp1;

    ConnectionGuards(ConnectionProperties limits, JsonMapper json, ConnectionMeters meters) {
        this.limits = limits;
        this.meters = meters;
        this.headerTimedOut = ErrorResponse.of(
                json,
                ApiException.requestTimeout("The request's headers were not received "
                        + "within " + seconds(limits.headerTimeout())
                        + " (burstgate.server.header-timeout); the connection is closed."));
        this.bodyTimedOut = ErrorResponse.of(
                json,
                ApiException.requestTimeout("The request body was not received within " + seconds(limits.bodyTimeout())
                        + " (burstgate.server.body-timeout); the connection is closed."));
        this.badRequest = ErrorResponse.of(
                json,
                ApiException.badRequest(
                        "bad_request",
                        null,
                        "Malformed HTTP request: the request line, a header or the body's framing could not be read."));
        this.uriTooLong = ErrorResponse.of(
                json, ApiException.uriTooLong("The request line is longer than the gateway reads; shorten the URL."));
        this.headerFieldsTooLarge = ErrorResponse.of(
                json,
                ApiException.headerFieldsTooLarge(
                        "The request's header fields are larger than the gateway reads; send fewer or shorter headers."));
        this.notHttp1 = ErrorResponse.of(
                json,
                ApiException.badRequest("bad_request", null, "Unsupported HTTP version: this port speaks HTTP/1.1."));
    }

    @Override
    public HttpServer apply(HttpServer server) {
        ConnectionLimit limit = new ConnectionLimit(limits.maxConnections(), meters);
        List<HttpProtocol> protocols = List.of(server.configuration().protocols());
        if (!protocols.equals(List.of(HttpProtocol.HTTP11))) {
            log.info(
                    "Request deadlines and pipelining guards apply to HTTP/1.1 connections only (protocols: {}); the "
                            + "connection limit applies to all",
                    protocols);
        }
        return server.doOnChannelInit((observer, channel, remoteAddress) -> {
            if (!limit.admit(channel)) {
                return;
            }
            ChannelPipeline pipeline = channel.pipeline();
            if (pipeline.get(NettyPipeline.HttpCodec) instanceof HttpServerCodec
                    && pipeline.get(NettyPipeline.HttpTrafficHandler) != null
                    && pipeline.get(NettyPipeline.H2CUpgradeHandler) == null) {
                RequestDeadlines deadlines = new RequestDeadlines(limits, headerTimedOut, bodyTimedOut, meters);
                pipeline.addBefore(NettyPipeline.HttpCodec, REQUEST_BYTES, deadlines.requestBytes())
                        .addAfter(NettyPipeline.HttpCodec, REQUEST_DEADLINES, deadlines)
                        .addAfter(REQUEST_DEADLINES, PIPELINED_REQUESTS, new PipelinedRequests())
                        .addAfter(
                                PIPELINED_REQUESTS,
                                MALFORMED_REQUESTS,
                                new MalformedRequests(badRequest, uriTooLong, headerFieldsTooLarge, notHttp1, meters));
            }
        });
    }

    /** {@code 10s}, or {@code 1500ms} when not whole seconds. */
    static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }
}
