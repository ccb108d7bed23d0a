package dev.burstgate.gateway.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Pipelined requests reach the handler behind one at a time, released by each written answer. */
class PipelinedRequestsTest {

    final EmbeddedChannel channel = new EmbeddedChannel(new PipelinedRequests());

    @AfterEach
    void tearDown() {
        channel.finishAndReleaseAll();
    }

    static HttpRequest get(String uri) {
        return new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri);
    }

    static HttpRequest closing(String uri) {
        HttpRequest r = get(uri);
        r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        return r;
    }

    /** The URIs of the requests that went past the handler, releasing everything that did. */
    List<String> passed() {
        List<String> uris = new ArrayList<>();
        for (Object o = channel.readInbound(); o != null; o = channel.readInbound()) {
            if (o instanceof HttpRequest r) {
                uris.add(r.uri());
            } else if (o instanceof LastHttpContent) {
                uris.add("end");
            } else if (o instanceof HttpContent c) {
                uris.add(c.content().toString(StandardCharsets.US_ASCII));
            }
            ReferenceCountUtil.release(o);
        }
        return uris;
    }

    void answer(HttpResponseStatus status) {
        channel.writeOutbound(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.EMPTY_BUFFER));
        channel.runPendingTasks();
        for (Object o = channel.readOutbound(); o != null; o = channel.readOutbound()) {
            ReferenceCountUtil.release(o);
        }
    }

    @Test
    void passesTheNextRequestOnlyOnceTheAnswerBeforeItIsWritten() {
        channel.writeInbound(
                get("/1"),
                LastHttpContent.EMPTY_LAST_CONTENT,
                get("/2"),
                LastHttpContent.EMPTY_LAST_CONTENT,
                closing("/3"),
                LastHttpContent.EMPTY_LAST_CONTENT);
        assertThat(passed()).containsExactly("/1", "end");
        answer(HttpResponseStatus.OK);
        assertThat(passed()).containsExactly("/2", "end");
        answer(HttpResponseStatus.NOT_FOUND);
        assertThat(passed()).containsExactly("/3", "end");
        answer(HttpResponseStatus.OK);
        assertThat(passed()).isEmpty();
    }

    @Test
    void holdsAPipelinedBodyWithItsRequest() {
        channel.writeInbound(
                get("/1"),
                LastHttpContent.EMPTY_LAST_CONTENT,
                get("/2"),
                new DefaultHttpContent(Unpooled.copiedBuffer("ab", StandardCharsets.US_ASCII)));
        assertThat(passed()).containsExactly("/1", "end");
        answer(HttpResponseStatus.OK);
        assertThat(passed()).containsExactly("/2", "ab");
        channel.writeInbound(new DefaultLastHttpContent(Unpooled.copiedBuffer("cd", StandardCharsets.US_ASCII)));
        assertThat(passed())
                .as("the rest of the body of the request in progress goes straight on")
                .containsExactly("end");
    }

    @Test
    void dropsWhatFollowsARequestThatClosesTheConnection() {
        HttpContent afterLast = new DefaultHttpContent(Unpooled.copiedBuffer("x", StandardCharsets.US_ASCII));
        channel.writeInbound(closing("/1"), LastHttpContent.EMPTY_LAST_CONTENT, get("/2"), afterLast);
        assertThat(passed()).containsExactly("/1", "end");
        assertThat(afterLast.refCnt()).isZero();
        answer(HttpResponseStatus.OK);
        assertThat(passed()).isEmpty();
    }

    @Test
    void treatsAnUnreadableRequestAsTheLast() {
        HttpRequest bad = get("/bad-request");
        bad.setDecoderResult(DecoderResult.failure(new IllegalArgumentException("bad header")));
        channel.writeInbound(
                get("/1"), LastHttpContent.EMPTY_LAST_CONTENT, bad, get("/3"), LastHttpContent.EMPTY_LAST_CONTENT);
        answer(HttpResponseStatus.OK);
        assertThat(passed()).containsExactly("/1", "end", "/bad-request");
        answer(HttpResponseStatus.BAD_REQUEST);
        assertThat(passed()).isEmpty();
    }

    @Test
    void anInterimAnswerReleasesNothing() {
        channel.writeInbound(get("/1"), get("/2"), LastHttpContent.EMPTY_LAST_CONTENT);
        passed();
        answer(HttpResponseStatus.CONTINUE);
        assertThat(passed()).isEmpty();
        answer(HttpResponseStatus.OK);
        assertThat(passed()).containsExactly("/2", "end");
    }

    @Test
    void stopsReadingWhileTooManyMessagesWaitAndReadsAgainOnceThereIsRoom() {
        channel.writeInbound(get("/first"), LastHttpContent.EMPTY_LAST_CONTENT);
        for (int i = 0; i < PipelinedRequests.MAX_HELD / 2; i++) {
            channel.writeInbound(get("/" + i), LastHttpContent.EMPTY_LAST_CONTENT);
        }
        assertThat(channel.config().isAutoRead()).isFalse();
        passed();
        answer(HttpResponseStatus.OK);
        assertThat(passed()).containsExactly("/0", "end");
        assertThat(channel.config().isAutoRead()).isTrue();
    }
}
