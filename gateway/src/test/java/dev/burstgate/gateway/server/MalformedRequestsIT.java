package dev.burstgate.gateway.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.burstgate.gateway.server.RawConnection.Response;
import dev.burstgate.gateway.testsupport.GatewayIT;
import dev.burstgate.gateway.testsupport.GatewayIT.Tenant;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Requests the HTTP decoder cannot read get their status with an OpenAI-shaped body and a closed connection, like
 * every other error; a client that aborts its upload costs one DEBUG line, not a 500 with a stack trace. Raw sockets,
 * so the bytes on the wire are exactly these.
 */
// The one line an aborted upload may cost, made visible so the test can wait for it.
@GatewayIT(
        legacyMock = false,
        tenants = @Tenant(name = "acme", key = MalformedRequestsIT.KEY),
        properties = "logging.level.dev.burstgate.gateway.api=debug")
@ExtendWith(OutputCaptureExtension.class)
class MalformedRequestsIT {

    static final String KEY = "sk-malformed";

    @LocalServerPort
    int port;

    @Autowired
    JsonMapper json;

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
      request line without a version | GET /v1/models\\r\\n\\r\\n                                  | 400 | bad_request
      control bytes as request line  | \\u0001\\u0002 garbage \\u0003\\r\\n\\r\\n                    | 400 | bad_request
      header without a colon         | GET /v1/models HTTP/1.1\\r\\nHost: x\\r\\nNo colon here\\r\\n\\r\\n | 400 | bad_request
      space before a header's colon  | GET /v1/models HTTP/1.1\\r\\nHost : x\\r\\n\\r\\n                 | 400 | bad_request
      URI of 10 KB                   | GET /v1/models?q=LONG HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n        | 414 | uri_too_long
      header fields of 20 KB         | GET /v1/models HTTP/1.1\\r\\nHost: x\\r\\nX-Big: HUGE\\r\\n\\r\\n  | 431 | request_header_fields_too_large
      """)
    void answersWhatTheDecoderCannotReadInTheOpenAiShapeAndCloses(String what, String request, int status, String code)
            throws IOException {
        String raw = request.replace("\\r\\n", "\r\n")
                .replace("\\u0001", "\u0001")
                .replace("\\u0002", "\u0002")
                .replace("\\u0003", "\u0003")
                .replace("LONG", "a".repeat(10_000))
                .replace("HUGE", "b".repeat(20_000));
        try (RawConnection c = RawConnection.open(port, Duration.ofSeconds(10))) {
            c.send(raw);
            Response r = c.read();
            assertThat(r.status()).as(what).isEqualTo(status);
            assertThat(r.header("content-type")).startsWith("application/json");
            assertThat(r.header("connection")).isEqualTo("close");
            JsonNode error = json.readTree(r.body()).path("error");
            assertThat(error.path("type").asString()).isEqualTo("invalid_request_error");
            assertThat(error.path("code").asString()).isEqualTo(code);
            assertThat(error.has("param")).isTrue();
            assertThat(error.path("message").asString())
                    .isNotBlank()
                    .doesNotContainIgnoringCase("exception")
                    .doesNotContain("io.netty", "reactor.", "java.");
            assertThat(c.closedByGateway()).isTrue();
        }
    }

    @Test
    void answersAMalformedRequestPipelinedBehindAGoodOneInItsTurn() throws IOException {
        try (RawConnection c = RawConnection.open(port, Duration.ofSeconds(10))) {
            c.send(RawConnection.get("/v1/models", KEY) + "GET /v1/models HTTP/1.1\r\nNo colon\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(200);
            assertThat(c.read().status()).isEqualTo(400);
            assertThat(c.closedByGateway()).isTrue();
        }
    }

    @Test
    void logsAnUploadAbortedMidBodyOnceWithoutAStackTrace(CapturedOutput output) throws Exception {
        int before = output.getOut().length();
        try (RawConnection c = RawConnection.open(port, Duration.ofSeconds(10))) {
            c.send(
                    "POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + KEY
                            + "\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"messages\":[{\"role\":\"user\",");
        }
        // Up to a minute: a shared machine can be slow to notice the close; the wait ends as soon as the line is there.
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(20))
                .untilAsserted(
                        () -> assertThat(output.getOut().substring(before)).contains("closed before the answer"));
        List<String> lines = output.getOut()
                .substring(before)
                .lines()
                .filter(l -> l.contains("/v1/chat/completions")
                        || l.contains("AbortedException")
                        || l.startsWith("\tat ")
                        || l.contains(" WARN ")
                        || l.contains(" ERROR "))
                .toList();
        assertThat(lines).singleElement().satisfies(line -> {
            assertThat(line).contains(" DEBUG ", "POST /v1/chat/completions: the connection closed before the answer");
            assertThat(line).doesNotContain("500");
        });
    }
}
