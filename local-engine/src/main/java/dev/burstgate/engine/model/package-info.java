/**
 * Writes small llama-architecture GGUF files with seeded random weights, so tests, demos and benchmarks run real
 * llama.cpp inference without downloading a model.
 */
@NullMarked
package dev.burstgate.engine.model;

import org.jspecify.annotations.NullMarked;
