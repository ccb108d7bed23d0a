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

/**
 * Lets one request at a time reach the server behind it: a request pipelined behind one whose answer is not yet
 * written waits here, with its body, until that answer's last byte is written, then goes on. Requests are thus
 * answered one by one, in the order they were sent; a request that asks to close the connection ({@code Connection:
 * close}, or HTTP/1.0 without keep-alive) is the last one served, and what follows it is dropped.
 *
 * <p>Why: Reactor Netty queues pipelined requests itself, but it reads a queued request's {@code Connection: close}
 * the moment the request is decoded and applies it to the connection at once, so the answer to the request still in
 * progress goes out with {@code Connection: close} and the connection closes after it: every request in between is
 * never run. Passing requests on one at a time means Reactor Netty only ever sees the request it is answering, and
 * honours its {@code Connection} header exactly when that request's answer is written.
 *
 * <p>At most {@value #MAX_HELD} messages wait here (bodies arrive in chunks of at most 8 KB); beyond that the
 * connection stops reading until the queue has drained, as Reactor Netty's own queue does.
 */
final class PipelinedRequests extends ChannelDuplexHandler {

  static final int MAX_HELD = 32;

  private final ArrayDeque<HttpObject> held = new ArrayDeque<>();
  /** A request went on whose answer has not been written in full. */
  private boolean inFlight;
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
    boolean answered = msg instanceof LastHttpContent && !informational;
    ctx.write(msg, promise);
    if (answered) {
      inFlight = false;
      if (!held.isEmpty()) {
        ctx.executor().execute(() -> releaseNext(ctx));
      }
    }
  }

  /** Passes on the next held request with the part of its body that arrived. */
  private void releaseNext(ChannelHandlerContext ctx) {
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
