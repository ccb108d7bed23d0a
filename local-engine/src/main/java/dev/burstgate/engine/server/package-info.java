/** The engine as an OpenAI-compatible HTTP server (Reactor Netty), standalone or embedded. */
@NullMarked
package dev.burstgate.engine.server;

import org.jspecify.annotations.NullMarked;
