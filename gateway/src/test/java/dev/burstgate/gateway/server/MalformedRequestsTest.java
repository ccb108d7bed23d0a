package dev.burstgate.gateway.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.burstgate.gateway.api.ApiException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** What Netty's HTTP decoder cannot read is answered in the OpenAI shape behind the real codec. */
class MalformedRequestsTest {

    static final JsonMapper JSON = JsonMapper.builder().build();

    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final EmbeddedChannel channel = new EmbeddedChannel(
            new HttpServerCodec(),
            new MalformedRequests(
                    ErrorResponse.of(JSON, ApiException.badRequest("bad_request", null, "unreadable")),
                    ErrorResponse.of(JSON, ApiException.uriTooLong("too long")),
                    ErrorResponse.of(JSON, ApiException.headerFieldsTooLarge("too large")),
                    ErrorResponse.of(JSON, ApiException.badRequest("bad_request", null, "not HTTP/1")),
                    new ConnectionMeters(registry)));

    @AfterEach
    void tearDown() {
        channel.finishAndReleaseAll();
    }

    void send(String ascii) {
        channel.writeInbound(Unpooled.copiedBuffer(ascii, StandardCharsets.US_ASCII));
    }

    String written() {
        StringBuilder out = new StringBuilder();
        for (ByteBuf b = channel.readOutbound(); b != null; b = channel.readOutbound()) {
            out.append(b.toString(StandardCharsets.US_ASCII));
            b.release();
        }
        return out.toString();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
      request line too long | GET /LONG HTTP/1.1\\r\\n\\r\\n                       | 414 | uri_too_long
      headers too large     | GET / HTTP/1.1\\r\\nX-Big: LONG\\r\\n\\r\\n          | 431 | request_header_fields_too_large
      header without colon  | GET / HTTP/1.1\\r\\nNo colon here\\r\\n\\r\\n        | 400 | bad_request
      request line garbage  | \\u0001\\u0002\\u0003\\r\\n\\r\\n                   | 400 | bad_request
      HTTP/2 prior knowledge | PRI * HTTP/2.0\\r\\n\\r\\nSM\\r\\n\\r\\n             | 400 | bad_request
      bad chunk size        | POST / HTTP/1.1\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\nzz\\r\\n | 400 | bad_request
      """)
    void answersInTheOpenAiShapeAndCloses(String what, String request, int status, String code) {
        send(request.replace("\\r\\n", "\r\n")
                .replace("\\u0001\\u0002\\u0003", "\u0001\u0002\u0003")
                .replace("LONG", "a".repeat(20_000)));
        String answer = written();
        assertThat(answer)
                .as(what)
                .startsWith("HTTP/1.1 " + status + " ")
                .contains("connection: close")
                .contains("content-type: application/json");
        JsonNode error =
                JSON.readTree(answer.substring(answer.indexOf("\r\n\r\n") + 4)).path("error");
        assertThat(error.path("code").asString()).isEqualTo(code);
        assertThat(error.path("type").asString()).isEqualTo("invalid_request_error");
        assertThat(error.has("param")).isTrue();
        assertThat(channel.isOpen()).isFalse();
        assertThat(registry.counter(ConnectionMeters.CLOSED, "reason", "malformed_request")
                        .count())
                .isEqualTo(1);
    }

    @Test
    void passesReadableRequestsOnUntouched() {
        send("GET /v1/models HTTP/1.1\r\nAuthorization: Bearer k\r\n\r\n");
        HttpRequest request = channel.readInbound();
        assertThat(request.uri()).isEqualTo("/v1/models");
        ReferenceCountUtil.release(request);
        assertThat(written()).isEmpty();
        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void closesWithoutASecondAnswerWhenTheBodyTurnsUnreadableAfterTheAnswerStarted() {
        send("POST /v1/chat/completions HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n");
        ReferenceCountUtil.release(channel.readInbound());
        channel.writeOutbound(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK));
        written();
        send("zz\r\n");
        assertThat(written()).isEmpty();
        assertThat(channel.isOpen()).isFalse();
    }
}
