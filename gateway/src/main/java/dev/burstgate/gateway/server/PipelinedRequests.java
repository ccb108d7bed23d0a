package dev.burstgate.gateway.server;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import reactor.netty.channel.ChannelOperations;
import reactor.netty.http.server.HttpServerRequest;

/**
 * Lets one request at a time reach Reactor Netty: a request that arrives while the one before it is still being
 * answered waits here, with its body, until that answer's last byte is written and Reactor Netty has ended that
 * exchange, then goes on. Requests are thus answered one by one, in the order they were sent; a request that asks to
 * close the connection ({@code Connection: close}, or HTTP/1.0 without keep-alive) is the last one served, and what
 * follows it is dropped.
 *
 * <p>Why: Reactor Netty 1.3.8 queues such requests itself, but it reads a queued request's {@code Connection: close}
 * the moment the request is decoded and applies it to the connection at once. With requests still ahead of it in the
 * queue, the answer in progress goes out with {@code Connection: close} and the connection closes after it, so every
 * request in between is never run; with none ahead but the previous exchange not yet ended, the queued request is
 * never resumed, since resuming is skipped on a connection marked to close. Here a request reaches Reactor Netty only
 * when it would take it at once (no exchange bound to the channel: the same test its {@code HttpTrafficHandler}
 * makes), so Reactor Netty never queues, and honours each request's {@code Connection} header when that request's
 * answer is written. The end of an exchange is noticed on the event Reactor Netty sends down the pipeline when it ends
 * one, and after every answer written (for answers written below Reactor Netty, which bind no exchange).
 *
 * <p>At most {@value #MAX_HELD} messages wait here (bodies arrive in chunks of at most 8 KB); beyond that the
 * connection stops reading until there is room, as Reactor Netty's own queue does. The request deadlines keep running
 * meanwhile.
 */
final class PipelinedRequests extends ChannelDuplexHandler {

    static final int MAX_HELD = 32;

    private final ArrayDeque<HttpObject> held = new ArrayDeque<>();
    /** A request went on whose exchange has not ended: its answer is not whole yet, or Reactor Netty still holds it. */
    private boolean inFlight;
    /** The answer to the request in flight is written in full. */
    private boolean answered;
    /** A request that ends the connection was received: what follows is dropped. */
    private boolean lastRequestSeen;
    /** Dropping the messages of a request after the last one. */
    private boolean dropping;

    private boolean informational;
    private boolean readsStopped;
    private boolean readPending;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HttpObject http)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (msg instanceof HttpRequest request) {
            if (lastRequestSeen) {
                dropping = true;
            } else {
                lastRequestSeen = request.decoderResult().isFailure() || !HttpUtil.isKeepAlive(request);
                dropping = false;
            }
        }
        if (dropping) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpRequest && !inFlight && held.isEmpty()) {
            inFlight = true;
            answered = false;
            ctx.fireChannelRead(msg);
        } else if (msg instanceof HttpRequest || !held.isEmpty()) {
            held.add(http);
            if (held.size() >= MAX_HELD && ctx.channel().config().isAutoRead()) {
                ctx.channel().config().setAutoRead(false);
                readsStopped = true;
            }
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    @Override
    public void read(ChannelHandlerContext ctx) {
        if (held.size() < MAX_HELD) {
            ctx.read();
        } else {
            readPending = true;
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof HttpResponse response) {
            informational = response.status().codeClass() == HttpStatusClass.INFORMATIONAL;
        }
        boolean last = msg instanceof LastHttpContent && !informational;
        ctx.write(msg, promise);
        if (last && inFlight) {
            answered = true;
            ctx.executor().execute(() -> releaseIfEnded(ctx));
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        ctx.fireUserEventTriggered(evt);
        if (inFlight && answered) {
            // Not while Reactor Netty is still ending the exchange that sent this event.
            ctx.executor().execute(() -> releaseIfEnded(ctx));
        }
    }

    /** Once the exchange in flight has ended, passes on the next held request with the part of its body that arrived. */
    private void releaseIfEnded(ChannelHandlerContext ctx) {
        if (inFlight && answered && !(ChannelOperations.get(ctx.channel()) instanceof HttpServerRequest)) {
            inFlight = false;
            answered = false;
        }
        if (inFlight || held.isEmpty() || ctx.isRemoved() || !ctx.channel().isActive()) {
            return;
        }
        inFlight = true;
        ctx.fireChannelRead(held.poll());
        while (held.peek() != null && !(held.peek() instanceof HttpRequest)) {
            ctx.fireChannelRead(held.poll());
        }
        if (held.size() < MAX_HELD) {
            if (readsStopped) {
                readsStopped = false;
                readPending = false;
                ctx.channel().config().setAutoRead(true);
            } else if (readPending) {
                readPending = false;
                ctx.read();
            }
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        discard();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        discard();
    }

    private void discard() {
        for (HttpObject o = held.poll(); o != null; o = held.poll()) {
            ReferenceCountUtil.release(o);
        }
    }
}
