package dev.burstgate.gateway.server;

import dev.burstgate.gateway.server.ConnectionMeters.Reason;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The deadlines of reading requests on one HTTP/1.1 connection. A connection is always in one phase:
 *
 * <ol>
 *   <li>{@code IDLE} — open with every request answered and no byte of a next one: closed (no answer) after
 *       {@code idle-timeout};
 *   <li>{@code HEAD} — from the first byte of a request until its head is decoded: a total deadline of
 *       {@code header-timeout}, so a client trickling one byte at a time is cut as surely as a silent one;
 *   <li>{@code BODY} — from the end of the head until the last byte of the body: a total deadline of
 *       {@code body-timeout};
 *   <li>{@code BUSY} — the request is read and its answer is being made or written: no deadline, so a long streamed
 *       answer is never cut.
 * </ol>
 *
 * <p>When a {@code HEAD} or {@code BODY} deadline passes and nothing was sent for that request yet (every earlier
 * request answered, no answer started), the client gets a 408 in the OpenAI shape, then the connection is closed;
 * otherwise the connection is just closed. Either way the close is counted ({@link ConnectionMeters}) and logged at
 * DEBUG.
 *
 * <p>Two handlers share this state: {@link #requestBytes()} sits before the HTTP codec and sees raw bytes (where a
 * head starts), this handler sits after it and sees decoded requests (where a head or body ends) and the answers
 * written. One timer per connection, armed after each read and each answer and re-checked when it fires, so a request
 * read in one go costs no timer work. Bytes of a next pipelined request that arrive in the same read as the end of
 * the previous one start its head deadline only with the next read; until then the idle deadline covers them once
 * every request is answered. Time is the event loop's {@link io.netty.util.concurrent.Ticker}.
 */
final class RequestDeadlines extends ChannelDuplexHandler {

    private static final Logger log = LoggerFactory.getLogger(RequestDeadlines.class);

    enum Phase {
        IDLE,
        HEAD,
        BODY,
        BUSY
    }

    private final long idleNanos;
    private final long headerNanos;
    private final long bodyNanos;
    private final ErrorResponse headerTimedOut;
    private final ErrorResponse bodyTimedOut;
    private final ConnectionMeters meters;
    private final ChannelHandler requestBytes = new RequestBytes();

    private @Nullable ChannelHandlerContext ctx;
    private Phase phase = Phase.IDLE;
    private long phaseStart;
    /** Requests decoded and not yet answered in full. */
    private int unanswered;

    private boolean responseInProgress;
    private boolean informational;
    private boolean expired;
    private @Nullable ScheduledFuture<?> timer;
    private long timerAt;

    RequestDeadlines(
            ConnectionProperties limits,
            ErrorResponse headerTimedOut,
            ErrorResponse bodyTimedOut,
            ConnectionMeters meters) {
        this.idleNanos = limits.idleTimeout().toNanos();
        this.headerNanos = limits.headerTimeout().toNanos();
        this.bodyNanos = limits.bodyTimeout().toNanos();
        this.headerTimedOut = headerTimedOut;
        this.bodyTimedOut = bodyTimedOut;
        this.meters = meters;
    }

    /** The handler to place before the HTTP codec: it marks where a request's head starts. */
    ChannelHandler requestBytes() {
        return requestBytes;
    }

    Phase phase() {
        return phase;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        phaseStart = now();
        if (ctx.channel().isActive()) {
            arm();
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        arm();
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        disarm();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        disarm();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest request) {
            unanswered++;
            if (request.decoderResult().isFailure() || msg instanceof LastHttpContent) {
                enter(Phase.BUSY);
            } else {
                enter(Phase.BODY);
            }
        } else if (msg instanceof LastHttpContent) {
            enter(unanswered == 0 && !responseInProgress ? Phase.IDLE : Phase.BUSY);
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        arm();
        ctx.fireChannelReadComplete();
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof HttpResponse response) {
            informational = response.status().codeClass() == HttpStatusClass.INFORMATIONAL;
            responseInProgress = !informational;
        }
        if (msg instanceof LastHttpContent && !informational && responseInProgress) {
            responseInProgress = false;
            unanswered = Math.max(0, unanswered - 1);
            if (unanswered == 0 && phase == Phase.BUSY) {
                enter(Phase.IDLE);
                arm();
            }
        }
        ctx.write(msg, promise);
    }

    /** Raw bytes arrived: in {@code IDLE} or {@code BUSY} they are the first of a next request's head. */
    private void bytesArrived() {
        if (phase == Phase.IDLE || phase == Phase.BUSY) {
            enter(Phase.HEAD);
        }
    }

    private void enter(Phase next) {
        phase = next;
        phaseStart = now();
    }

    private long limit(Phase p) {
        return switch (p) {
            case IDLE -> idleNanos;
            case HEAD -> headerNanos;
            case BODY -> bodyNanos;
            case BUSY -> Long.MAX_VALUE;
        };
    }

    private long deadline() {
        return phase == Phase.BUSY ? Long.MAX_VALUE : phaseStart + limit(phase);
    }

    /** Makes sure the timer fires no later than the current phase's deadline; a later deadline is re-checked on fire. */
    private void arm() {
        ChannelHandlerContext c = ctx;
        if (c == null || expired || phase == Phase.BUSY || !c.channel().isActive()) {
            return;
        }
        long deadline = deadline();
        if (timer != null && timerAt <= deadline) {
            return;
        }
        disarm();
        schedule(c, deadline);
    }

    private void schedule(ChannelHandlerContext c, long deadline) {
        timerAt = deadline;
        timer = c.executor().schedule(this::fire, Math.max(0, deadline - now()), TimeUnit.NANOSECONDS);
    }

    private void disarm() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void fire() {
        timer = null;
        ChannelHandlerContext c = ctx;
        if (c == null || expired || phase == Phase.BUSY || !c.channel().isActive()) {
            return;
        }
        long deadline = deadline();
        if (now() < deadline) {
            schedule(c, deadline);
            return;
        }
        expire(c);
    }

    private void expire(ChannelHandlerContext c) {
        expired = true;
        Duration limit = Duration.ofNanos(limit(phase));
        switch (phase) {
            case IDLE -> {
                meters.closed(Reason.IDLE_TIMEOUT);
                log.debug("{} closed: no request within {}", c.channel(), limit);
                c.close();
            }
            case HEAD ->
                answerAndClose(c, Reason.HEADER_TIMEOUT, unanswered == 0, headerTimedOut, "request head", limit);
            case BODY -> answerAndClose(c, Reason.BODY_TIMEOUT, unanswered == 1, bodyTimedOut, "request body", limit);
            case BUSY -> throw new IllegalStateException("no deadline while busy");
        }
    }

    private void answerAndClose(
            ChannelHandlerContext c,
            Reason reason,
            boolean onlyThisRequestUnanswered,
            ErrorResponse answer,
            String what,
            Duration limit) {
        meters.closed(reason);
        boolean nothingSent = onlyThisRequestUnanswered && !responseInProgress;
        log.debug("{} closed{}: {} not received within {}", c.channel(), nothingSent ? " with 408" : "", what, limit);
        if (nothingSent) {
            c.writeAndFlush(answer.toMessage()).addListener(ChannelFutureListener.CLOSE);
        } else {
            c.close();
        }
    }

    private long now() {
        ChannelHandlerContext c = ctx;
        return c != null ? c.executor().ticker().nanoTime() : System.nanoTime();
    }

    /** Before the codec: every read of raw bytes. */
    private final class RequestBytes extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            bytesArrived();
            ctx.fireChannelRead(msg);
        }
    }
}
