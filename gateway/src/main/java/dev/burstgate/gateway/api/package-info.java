/**
 * The OpenAI API's shapes at the gateway's edge: the validated chat completion body, its parser, the JSON content
 * rule, Burstgate's own headers, and every failure answered as an OpenAI error.
 */
@NullMarked
package dev.burstgate.gateway.api;

import org.jspecify.annotations.NullMarked;
