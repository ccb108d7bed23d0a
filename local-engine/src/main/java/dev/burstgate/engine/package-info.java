/**
 * The embedded llama.cpp engine: one {@link dev.burstgate.engine.LocalEngine} owns one native model, admits requests
 * into a bounded set of parallel slots and a bounded wait queue, and streams tokens as a {@code Flux}.
 */
@NullMarked
package dev.burstgate.engine;

import org.jspecify.annotations.NullMarked;
