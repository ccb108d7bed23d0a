/** The local tier: the llama.cpp engine inside the gateway's process, answering without an HTTP hop. */
@NullMarked
package dev.burstgate.gateway.local;

import org.jspecify.annotations.NullMarked;
