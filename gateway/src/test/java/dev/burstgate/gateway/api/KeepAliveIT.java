package dev.burstgate.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.burstgate.gateway.testsupport.GatewayIT;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.RepeatedTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * A keep-alive HTTP/1.1 connection keeps being served whatever the order in which its responses finish. Clients reuse
 * connections and send their next request the moment a response has arrived, sometimes before the gateway has
 * finished with the previous exchange; such a request is queued, and the connection must go on reading after the
 * queue has drained — otherwise the client waits for an answer that never comes (seen with Reactor Netty 1.3.6, the
 * version Spring Boot 4.0.7 brings: reactor-netty #4361). Tested over a raw socket, so the bytes on the wire are
 * exactly those written here.
 */
@GatewayIT(legacyMock = false, adminKey = KeepAliveIT.ADMIN_KEY)
class KeepAliveIT {

    static final String ADMIN_KEY = "sk-keep-alive-admin";
    static final int READ_TIMEOUT_MILLIS = 10_000;

    @LocalServerPort
    int port;

    /**
     * Two requests in one write: the first is answered asynchronously (the cost report reads the ledger off the event
     * loop), the second at once (the dashboard's redirect), so the second waits in the queue until the first is done.
     * The third request, sent after both answers, must be answered too.
     */
    @RepeatedTest(3)
    void answersTheNextRequestAfterQueuedOnes() throws IOException {
        try (Socket socket = new Socket("localhost", port)) {
            socket.setSoTimeout(READ_TIMEOUT_MILLIS);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            out.write((get("/admin/costs/summary", ADMIN_KEY) + get("/dashboard", null))
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertThat(readStatus(in)).as("the first request (the cost report)").isEqualTo(200);
            assertThat(readStatus(in)).as("the queued request (the redirect)").isEqualTo(308);

            out.write(get("/dashboard/", null).getBytes(StandardCharsets.US_ASCII));
            out.flush();
            int status;
            try {
                status = readStatus(in);
            } catch (SocketTimeoutException e) {
                throw new AssertionError(
                        "No answer within " + READ_TIMEOUT_MILLIS + " ms to a request on a kept-alive "
                                + "connection after queued requests: the connection stopped reading",
                        e);
            }
            assertThat(status).isEqualTo(200);
        }
    }

    static String get(String path, @Nullable String key) {
        return "GET " + path + " HTTP/1.1\r\nHost: localhost\r\n"
                + (key != null ? "Authorization: Bearer " + key + "\r\n" : "") + "\r\n";
    }

    /** Reads one whole response (Content-Length or chunked body) and returns its status. */
    static int readStatus(InputStream in) throws IOException {
        String statusLine = line(in);
        int status = Integer.parseInt(statusLine.split(" ")[1]);
        long length = 0;
        boolean chunked = false;
        for (String header = line(in); !header.isEmpty(); header = line(in)) {
            String name = header.substring(0, header.indexOf(':')).trim().toLowerCase(Locale.ROOT);
            String value = header.substring(header.indexOf(':') + 1).trim();
            if (name.equals("content-length")) {
                length = Long.parseLong(value);
            } else if (name.equals("transfer-encoding") && value.equalsIgnoreCase("chunked")) {
                chunked = true;
            }
        }
        if (!chunked) {
            in.readNBytes((int) length);
            return status;
        }
        for (long size = Long.parseLong(line(in).split(";")[0].trim(), 16);
                size > 0;
                size = Long.parseLong(line(in).split(";")[0].trim(), 16)) {
            in.readNBytes((int) size);
            line(in);
        }
        line(in); // the empty line after the last chunk
        return status;
    }

    static String line(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new IOException("connection closed by the gateway");
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.US_ASCII);
    }
}
