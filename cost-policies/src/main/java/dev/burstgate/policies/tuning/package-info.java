/**
 * Thresholds that hold a quality target: a tuner that decides which requests to shadow (compare the cheaper tier's
 * answer with the stronger tier's), keeps the verdicts as a monotone function of the complexity score, and proposes
 * the cheapest threshold whose lower confidence bound of quality meets the target. Used offline by
 * {@code policy-lab tune}; the same object can run online in the gateway.
 */
@NullMarked
package dev.burstgate.policies.tuning;

import org.jspecify.annotations.NullMarked;
