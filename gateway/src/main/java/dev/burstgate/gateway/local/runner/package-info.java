/**
 * Runner mode of the local tier: llama.cpp's own {@code llama-server} as a supervised child process on a loopback
 * port, spoken to over its OpenAI-compatible API, its live load feeding admission and burst routing.
 */
@NullMarked
package dev.burstgate.gateway.local.runner;

import org.jspecify.annotations.NullMarked;
