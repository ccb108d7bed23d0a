package dev.burstgate.gateway.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.burstgate.gateway.api.ApiException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/** The deadlines on an embedded channel with Netty's HTTP codec, on the channel's frozen clock. */
class RequestDeadlinesTest {

    static final ConnectionProperties LIMITS =
            new ConnectionProperties(Duration.ofSeconds(60), Duration.ofSeconds(10), Duration.ofSeconds(30), 100);

    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    EmbeddedChannel channel;
    RequestDeadlines deadlines;

    @BeforeEach
    void setUp() {
        JsonMapper json = JsonMapper.builder().build();
        deadlines = new RequestDeadlines(
                LIMITS,
                ErrorResponse.of(json, ApiException.requestTimeout("head late")),
                ErrorResponse.of(json, ApiException.requestTimeout("body late")),
                new ConnectionMeters(registry));
        channel = new EmbeddedChannel();
        channel.freezeTime();
        channel.pipeline().addLast(deadlines.requestBytes(), new HttpServerCodec(), deadlines);
    }

    @AfterEach
    void tearDown() {
        for (Object o = channel.readInbound(); o != null; o = channel.readInbound()) {
            ReferenceCountUtil.release(o);
        }
        channel.finishAndReleaseAll();
    }

    void send(String ascii) {
        channel.writeInbound(Unpooled.copiedBuffer(ascii, StandardCharsets.US_ASCII));
    }

    void advance(Duration d) {
        channel.advanceTimeBy(d.toMillis(), TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
    }

    String written() {
        StringBuilder out = new StringBuilder();
        for (ByteBuf b = channel.readOutbound(); b != null; b = channel.readOutbound()) {
            out.append(b.toString(StandardCharsets.US_ASCII));
            b.release();
        }
        return out.toString();
    }

    void answer() {
        channel.writeOutbound(
                new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.EMPTY_BUFFER));
        written();
    }

    double closed(String reason) {
        return registry.counter(ConnectionMeters.CLOSED, "reason", reason).count();
    }

    @Test
    void closesAConnectionThatSendsNothingAfterTheIdleTimeoutWithoutAnAnswer() {
        advance(Duration.ofSeconds(59));
        assertThat(channel.isOpen()).isTrue();
        advance(Duration.ofSeconds(1));
        assertThat(channel.isOpen()).isFalse();
        assertThat(written()).isEmpty();
        assertThat(closed("idle_timeout")).isEqualTo(1);
    }

    @Test
    void answers408WhenTheHeadKeepsTricklingPastTheHeaderTimeout() {
        send("GET /v1/models HTTP/1.1\r\n");
        for (int i = 0; i < 9; i++) {
            advance(Duration.ofMillis(1100));
            send("X" + i + ": y\r\n");
        }
        assertThat(channel.isOpen()).as("still within 10 s of the first byte").isTrue();
        advance(Duration.ofMillis(200));
        assertThat(channel.isOpen()).isFalse();
        String answer = written();
        assertThat(answer)
                .startsWith("HTTP/1.1 408 Request Timeout\r\n")
                .contains("connection: close")
                .contains("content-type: application/json")
                .endsWith("\"code\":\"request_timeout\"}}");
        assertThat(closed("header_timeout")).isEqualTo(1);
    }

    @Test
    void answers408WhenTheBodyDoesNotArriveWithinTheBodyTimeout() {
        send("POST /v1/chat/completions HTTP/1.1\r\nContent-Length: 20\r\n\r\n{\"mess");
        assertThat(channel.<HttpObject>readInbound()).isNotNull();
        advance(Duration.ofSeconds(29));
        send("ages\":");
        assertThat(channel.isOpen()).isTrue();
        advance(Duration.ofSeconds(1));
        assertThat(channel.isOpen()).isFalse();
        assertThat(written()).startsWith("HTTP/1.1 408").contains("body late");
        assertThat(closed("body_timeout")).isEqualTo(1);
    }

    @Test
    void neverCutsAnAnswerWhileItIsMadeOrWritten() {
        send("GET /v1/models HTTP/1.1\r\n\r\n");
        assertThat(deadlines.phase()).isEqualTo(RequestDeadlines.Phase.BUSY);
        advance(Duration.ofMinutes(5));
        channel.writeOutbound(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK));
        advance(Duration.ofMinutes(30));
        assertThat(channel.isOpen()).as("a long stream").isTrue();
        channel.writeOutbound(LastHttpContent.EMPTY_LAST_CONTENT);
        assertThat(deadlines.phase()).isEqualTo(RequestDeadlines.Phase.IDLE);
        advance(Duration.ofSeconds(59));
        assertThat(channel.isOpen())
                .as("the idle clock starts at the end of the answer")
                .isTrue();
        advance(Duration.ofSeconds(1));
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void servesAKeptAliveConnectionRequestAfterRequest() {
        for (int i = 0; i < 5; i++) {
            advance(Duration.ofSeconds(50));
            send("GET /v1/models HTTP/1.1\r\n\r\n");
            advance(Duration.ofSeconds(20));
            answer();
        }
        assertThat(channel.isOpen()).isTrue();
        assertThat(written()).isEmpty();
    }

    @Test
    void closesWithoutA408WhenAnEarlierRequestIsStillUnanswered() {
        send("GET /first HTTP/1.1\r\n\r\n");
        send("GET /second HTTP/1.1\r\nX-Slow: ");
        advance(Duration.ofSeconds(10));
        assertThat(channel.isOpen()).isFalse();
        assertThat(written())
                .as("a 408 would read as the answer to the first request")
                .isEmpty();
    }

    @Test
    void ignoresInterimAnswers() {
        send("POST /v1/chat/completions HTTP/1.1\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
        channel.writeOutbound(
                new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE, Unpooled.EMPTY_BUFFER));
        written();
        advance(Duration.ofSeconds(30));
        assertThat(written()).as("nothing but the interim answer was sent").startsWith("HTTP/1.1 408");
    }

    @Test
    void startsTheIdleClockWhenTheLastRequestIsReadAfterItsEarlyAnswer() {
        send("POST /v1/chat/completions HTTP/1.1\r\nContent-Length: 4\r\n\r\n{");
        channel.writeOutbound(new DefaultFullHttpResponse(
                HttpVersion.HTTP_1_1, HttpResponseStatus.UNAUTHORIZED, Unpooled.EMPTY_BUFFER));
        written();
        send("}  ");
        assertThat(deadlines.phase()).isEqualTo(RequestDeadlines.Phase.IDLE);
        advance(Duration.ofSeconds(60));
        assertThat(channel.isOpen()).isFalse();
        assertThat(written()).isEmpty();
    }

    @Test
    void returnsToIdleOnceAWholeAnswerIsWritten() {
        send("GET /v1/models HTTP/1.1\r\n\r\n");
        DefaultFullHttpResponse ok = new DefaultFullHttpResponse(
                HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.copiedBuffer("{}", StandardCharsets.US_ASCII));
        ok.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 2);
        channel.writeOutbound(ok);
        assertThat(written()).startsWith("HTTP/1.1 200 OK").endsWith("{}");
        assertThat(deadlines.phase()).isEqualTo(RequestDeadlines.Phase.IDLE);
    }
}
