/**
 * The HTTP server's connections: how long the gateway waits for a client's request (idle, header and body
 * deadlines, answered 408), how many connections it holds at once, pipelined requests answered one at a time in order,
 * and requests the HTTP decoder rejects answered in the OpenAI error shape (400, 414, 431). Netty handlers installed by
 * one {@code NettyServerCustomizer}; settings under {@code burstgate.server.*}.
 */
@NullMarked
package dev.burstgate.gateway.server;

import org.jspecify.annotations.NullMarked;
