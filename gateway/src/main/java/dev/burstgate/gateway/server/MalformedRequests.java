package dev.burstgate.gateway.server;

import dev.burstgate.gateway.server.ConnectionMeters.Reason;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.DecoderResultProvider;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers what the HTTP decoder could not read, in the OpenAI error shape, and closes the connection: a request line
 * longer than the decoder reads gets 414 ({@code uri_too_long}), header fields larger than it reads 431
 * ({@code request_header_fields_too_large}), any other unreadable request line, header or chunk 400
 * ({@code bad_request}), and so does a request that is not HTTP/1.x. Reactor Netty would answer these itself, with an
 * empty body and a WARN line each; here each is counted ({@link ConnectionMeters}) and logged at DEBUG, so a flood of
 * garbage does not flood the log.
 *
 * <p>Sits behind {@link PipelinedRequests}, so it sees one request at a time: a malformed request pipelined behind
 * others is answered in its turn. A body that turns out unreadable after its request's answer has started ends the
 * connection without another answer.
 */
final class MalformedRequests extends ChannelDuplexHandler {

    private static final Logger log = LoggerFactory.getLogger(MalformedRequests.class);

    private final ErrorResponse badRequest;
    private final ErrorResponse uriTooLong;
    private final ErrorResponse headerFieldsTooLarge;
    private final ErrorResponse notHttp1;
    private final ConnectionMeters meters;

    private boolean responseStarted;
    private boolean rejected;

    MalformedRequests(
            ErrorResponse badRequest,
            ErrorResponse uriTooLong,
            ErrorResponse headerFieldsTooLarge,
            ErrorResponse notHttp1,
            ConnectionMeters meters) {
        this.badRequest = badRequest;
        this.uriTooLong = uriTooLong;
        this.headerFieldsTooLarge = headerFieldsTooLarge;
        this.notHttp1 = notHttp1;
        this.meters = meters;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (rejected) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpRequest request) {
            responseStarted = false;
            if (request.decoderResult().isFailure()) {
                reject(
                        ctx,
                        msg,
                        answerFor(request.decoderResult().cause()),
                        request.decoderResult().cause().toString());
                return;
            }
            if (request.protocolVersion().majorVersion() != 1) {
                reject(ctx, msg, notHttp1, "version " + request.protocolVersion());
                return;
            }
        } else if (msg instanceof DecoderResultProvider decoded
                && decoded.decoderResult().isFailure()) {
            reject(
                    ctx,
                    msg,
                    responseStarted ? null : badRequest,
                    decoded.decoderResult().cause().toString());
            return;
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof HttpResponse response && response.status().codeClass() != HttpStatusClass.INFORMATIONAL) {
            responseStarted = true;
        }
        ctx.write(msg, promise);
    }

    private ErrorResponse answerFor(Throwable cause) {
        Throwable c = cause.getCause() != null ? cause.getCause() : cause;
        if (cause instanceof TooLongHttpLineException || c instanceof TooLongHttpLineException) {
            return uriTooLong;
        }
        if (cause instanceof TooLongHttpHeaderException || c instanceof TooLongHttpHeaderException) {
            return headerFieldsTooLarge;
        }
        return badRequest;
    }

    private void reject(ChannelHandlerContext ctx, Object msg, @Nullable ErrorResponse answer, String why) {
        rejected = true;
        ReferenceCountUtil.release(msg);
        meters.closed(Reason.MALFORMED_REQUEST);
        if (answer == null) {
            log.debug("{} closed: unreadable request body after the answer started ({})", ctx.channel(), why);
            ctx.close();
            return;
        }
        log.debug(
                "{} closed with {}: unreadable request ({})",
                ctx.channel(),
                answer.status().code(),
                why);
        ctx.writeAndFlush(answer.toMessage()).addListener(ChannelFutureListener.CLOSE);
    }
}
