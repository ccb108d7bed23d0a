/**
 * Writing an answer over HTTP: the one place that sets the answer's status, headers and JSON or server-sent-event
 * framing, from the dispatcher's {@link dev.burstgate.gateway.dispatch.AnswerEvent}s.
 */
@NullMarked
package dev.burstgate.gateway.response;

import org.jspecify.annotations.NullMarked;
