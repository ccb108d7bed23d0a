package dev.burstgate.gateway.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.burstgate.gateway.server.RawConnection.Response;
import dev.burstgate.gateway.testsupport.GatewayIT;
import dev.burstgate.gateway.testsupport.GatewayIT.Tenant;
import dev.burstgate.gateway.testsupport.PaidApiMock;
import dev.burstgate.gateway.testsupport.TestGateway;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The request deadlines of a whole gateway, over raw sockets, with every deadline at 1 s: a connection that sends
 * nothing, a kept-alive connection left idle, a head or a body trickled byte by byte are all cut in about a second
 * (the trickles with a 408 in the OpenAI shape), while a streamed answer with pauses longer than every deadline
 * arrives whole. The legacy tier is an HTTP mock whose stream pauses between words.
 */
@GatewayIT(
        tenants = @Tenant(name = "acme", key = RequestDeadlinesIT.KEY, policy = "quality-first"),
        properties = {
            "burstgate.server.idle-timeout=1s",
            "burstgate.server.header-timeout=1s",
            "burstgate.server.body-timeout=1s"
        })
class RequestDeadlinesIT {

    static final String KEY = "sk-deadlines";
    static final Duration DEADLINE = Duration.ofSeconds(1);
    /** How far past a deadline the gateway may act on a busy test machine. */
    static final Duration SLACK = Duration.ofSeconds(2);
    /** The pace of a trickling client: well within each deadline, so only a total deadline cuts it. */
    static final Duration TRICKLE = Duration.ofMillis(100);

    @Autowired
    JsonMapper json;

    int port;
    PaidApiMock legacy;

    @BeforeEach
    void setUp(TestGateway gateway) {
        port = gateway.port();
        legacy = gateway.legacy();
    }

    RawConnection connect() throws IOException {
        return RawConnection.open(port, DEADLINE.plus(SLACK).plus(SLACK));
    }

    static Duration since(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    JsonNode requestTimeout(Response r) {
        assertThat(r.status()).isEqualTo(408);
        assertThat(r.header("content-type")).startsWith("application/json");
        assertThat(r.header("connection")).isEqualTo("close");
        JsonNode error = json.readTree(r.body()).path("error");
        assertThat(error.path("type").asString()).isEqualTo("invalid_request_error");
        assertThat(error.path("code").asString()).isEqualTo("request_timeout");
        assertThat(error.has("param")).isTrue();
        return error;
    }

    /**
     * Writes {@code text} one byte every {@link #TRICKLE} until the gateway answers; returns the answer and how many
     * bytes were written by then.
     */
    record Trickled(Response answer, int written) {}

    Trickled trickle(RawConnection c, String text) throws Exception {
        CompletableFuture<Response> answer = CompletableFuture.supplyAsync(() -> {
            try {
                return c.read();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        int written = 0;
        while (written < text.length() && !answer.isDone()) {
            try {
                c.send(text.substring(written, written + 1));
            } catch (IOException closed) {
                break;
            }
            written++;
            Thread.sleep(TRICKLE);
        }
        return new Trickled(answer.get(DEADLINE.plus(SLACK).toMillis(), TimeUnit.MILLISECONDS), written);
    }

    @Test
    void cutsAHeadTrickledByteByByteAfterTheHeaderTimeoutWith408() throws Exception {
        String head = "GET /v1/models HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + KEY + "\r\nX-Pad: "
                + "a".repeat(200) + "\r\n\r\n";
        try (RawConnection c = connect()) {
            long start = System.nanoTime();
            Trickled t = trickle(c, head);
            Duration took = since(start);
            assertThat(requestTimeout(t.answer()).path("message").asString()).contains("headers", "1s");
            assertThat(t.written()).as("cut while the head was still arriving").isLessThan(head.length());
            assertThat(took).isBetween(DEADLINE, DEADLINE.plus(SLACK));
            assertThat(c.closedByGateway()).isTrue();
        }
    }

    @Test
    void cutsABodyTrickledByteByByteAfterTheBodyTimeoutWith408() throws Exception {
        String body = "{\"messages\":[{\"role\":\"user\",\"content\":\"" + "a".repeat(100) + "\"}]}";
        try (RawConnection c = connect()) {
            c.send("POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + KEY
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n");
            long start = System.nanoTime();
            Trickled t = trickle(c, body);
            Duration took = since(start);
            assertThat(requestTimeout(t.answer()).path("message").asString()).contains("body", "1s");
            assertThat(t.written()).isLessThan(body.length());
            assertThat(took).isBetween(DEADLINE, DEADLINE.plus(SLACK));
            assertThat(c.closedByGateway()).isTrue();
        }
        assertThat(legacy.received()).isEmpty();
    }

    @Test
    void closesAKeptAliveConnectionLeftIdleForTheIdleTimeout() throws IOException {
        try (RawConnection c = connect()) {
            c.send(RawConnection.get("/v1/models", KEY));
            assertThat(c.read().status()).isEqualTo(200);
            long answered = System.nanoTime();
            assertThat(c.closedByGateway()).isTrue();
            assertThat(since(answered)).isBetween(DEADLINE.minusMillis(50), DEADLINE.plus(SLACK));
        }
    }

    @Test
    void closesAConnectionThatNeverSendsARequestWithoutAnswering() throws IOException {
        try (RawConnection c = connect()) {
            long opened = System.nanoTime();
            assertThat(c.closedByGateway()).as("closed without a byte").isTrue();
            assertThat(since(opened)).isBetween(DEADLINE.minusMillis(50), DEADLINE.plus(SLACK));
        }
    }

    @Test
    void streamsAnAnswerThatPausesLongerThanEveryDeadline() throws IOException {
        Duration pause = DEADLINE.plusMillis(500);
        legacy.answering("one two three", 12, 3).pausingBetweenWords(pause);
        String body = "{\"model\":\"legacy\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"count\"}]}";
        try (RawConnection c = RawConnection.open(port, Duration.ofSeconds(20))) {
            long start = System.nanoTime();
            c.send("POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + KEY
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
            Response stream = c.read();
            assertThat(stream.status()).isEqualTo(200);
            assertThat(stream.header("content-type")).startsWith("text/event-stream");
            assertThat(stream.body()).contains("\"one \"", "\"two \"", "\"three\"", "data: [DONE]");
            assertThat(since(start)).as("the stream outlasted every deadline").isGreaterThan(pause.multipliedBy(2));

            c.send(RawConnection.get("/v1/models", KEY));
            assertThat(c.read().status()).as("the connection is still served").isEqualTo(200);
        }
    }
}
