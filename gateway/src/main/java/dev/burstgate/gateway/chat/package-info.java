/**
 * The OpenAI endpoints: {@code POST /v1/chat/completions} — read and validate the body, route it, answer from the
 * cache or dispatch it to the tiers, write the answer — and {@code GET /v1/models}.
 */
@NullMarked
package dev.burstgate.gateway.chat;

import org.jspecify.annotations.NullMarked;
