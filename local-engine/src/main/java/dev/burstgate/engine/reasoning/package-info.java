/** Splits a model's {@code <think>...</think>} reasoning from its answer, token by token. */
@NullMarked
package dev.burstgate.engine.reasoning;

import org.jspecify.annotations.NullMarked;
