/** Prompt complexity: features, the logistic model and its bundled weights. */
@NullMarked
package dev.burstgate.policies.classifier;

import org.jspecify.annotations.NullMarked;
