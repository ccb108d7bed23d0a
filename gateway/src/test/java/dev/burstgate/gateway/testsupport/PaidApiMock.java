package dev.burstgate.gateway.testsupport;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A stand-in for the paid legacy API: an HTTP/1.1 server on loopback that answers OpenAI chat completions (JSON or
 * SSE, with usage) and can fail on purpose in each way a real upstream does: an HTTP error, no answer at all, a reset
 * connection, or a stream cut after its first chunk. Raw sockets, so a reset is a real TCP reset.
 */
public final class PaidApiMock implements AutoCloseable {

    /** What the next request gets. */
    public enum Behavior {
        ANSWER,
        STATUS_500,
        HANG,
        RESET,
        CUT_AFTER_FIRST_CHUNK,
        STREAM_WITHOUT_USAGE,
        /** Answers keeping the connection open, then closes it without answering the next request sent on it. */
        ANSWER_THEN_DROP_NEXT_ON_CONNECTION,
        /** 503 Service Unavailable, with the {@code Retry-After} set by {@link #retryAfter}, if any. */
        STATUS_503,
        /** 400 with OpenAI's {@code context_length_exceeded} code. */
        CONTEXT_EXCEEDED_400,
        /** 400 for an invalid request. */
        STATUS_400,
        /**
         * 500 with an error page that echoes the request's credentials and names an internal host, as many upstream
         * error pages do: {@link #ECHO_HOST} and the {@code Authorization} header it received.
         */
        ECHO_CREDENTIALS_500,
        /** A stream whose second event is an error event echoing the credentials and {@link #ECHO_HOST}. */
        STREAM_ERROR_ECHOING_CREDENTIALS,
        /**
         * 429 Too Many Requests with the {@code Retry-After} set by {@link #retryAfter} (none by default), in the shape
         * of a hosted API's rate-limit error, naming {@link #ECHO_HOST} and the key it received.
         */
        STATUS_429
    }

    /** The internal host name {@link Behavior#ECHO_CREDENTIALS_500} pages name. */
    public static final String ECHO_HOST = "gpu-node-7.internal.example";

    /** A request as received. */
    public record Received(String method, String path, Map<String, String> headers, String body) {}

    private final ServerSocket server;
    private final Thread acceptor;
    private final ConcurrentLinkedDeque<Behavior> script = new ConcurrentLinkedDeque<>();
    private final List<Received> received = Collections.synchronizedList(new ArrayList<>());
    private final List<Socket> open = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger ids = new AtomicInteger();
    private volatile Behavior fallback = Behavior.ANSWER;
    private volatile String answer = "Legacy answer.";
    private volatile int promptTokens = 21;
    private volatile int completionTokens = 9;
    private volatile Duration pauseBetweenWords = Duration.ZERO;
    private volatile Duration delayBeforeAnswer = Duration.ZERO;
    private volatile @Nullable String toolName;
    private volatile String toolArguments = "{}";
    private volatile String retryAfter = "";

    public PaidApiMock() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        acceptor = Thread.ofPlatform().daemon().name("paid-api-mock").start(this::acceptLoop);
    }

    public URI baseUrl() {
        return URI.create("http://127.0.0.1:" + server.getLocalPort());
    }

    /** Behaviours for the next requests, in order; afterwards {@link #always}. */
    public PaidApiMock then(Behavior... behaviors) {
        script.addAll(List.of(behaviors));
        return this;
    }

    public PaidApiMock always(Behavior behavior) {
        fallback = behavior;
        return this;
    }

    public PaidApiMock answering(String content, int prompt, int completion) {
        this.answer = content;
        this.promptTokens = prompt;
        this.completionTokens = completion;
        return this;
    }

    /**
     * Answers as a model calling a tool would: a request that declares tools and does not end with a {@code tool}
     * result gets a call of {@code name} with {@code argumentsJson} ({@code finish_reason: "tool_calls"}; streamed as
     * tool-call deltas, the arguments split in pieces); a request ending with a tool result gets the text answer.
     */
    public PaidApiMock callingTool(String name, String argumentsJson) {
        this.toolName = name;
        this.toolArguments = argumentsJson;
        return this;
    }

    /** Streams pause this long between two words of the answer (each word is one chunk), flushed before each pause. */
    public PaidApiMock pausingBetweenWords(Duration pause) {
        this.pauseBetweenWords = pause;
        return this;
    }

    /** Every request waits this long before its answer (or failure) begins, as a slow paid API does. */
    public PaidApiMock delayingAnswers(Duration delay) {
        this.delayBeforeAnswer = delay;
        return this;
    }

    /**
     * The {@code Retry-After} of {@link Behavior#STATUS_429} and {@link Behavior#STATUS_503} answers: seconds or an HTTP
     * date; empty for none (the default).
     */
    public PaidApiMock retryAfter(String value) {
        this.retryAfter = value;
        return this;
    }

    public List<Received> received() {
        synchronized (received) {
            return List.copyOf(received);
        }
    }

    public void reset() {
        script.clear();
        received.clear();
        fallback = Behavior.ANSWER;
        pauseBetweenWords = Duration.ZERO;
        delayBeforeAnswer = Duration.ZERO;
        toolName = null;
        retryAfter = "";
    }

    @Override
    public void close() throws IOException {
        server.close();
        synchronized (open) {
            for (Socket s : open) {
                s.close();
            }
        }
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                open.add(s);
                Thread.ofPlatform().daemon().start(() -> serve(s));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            InputStream in = new BufferedInputStream(socket.getInputStream());
            Received req = read(in);
            if (req == null) {
                return;
            }
            if (req.method().equals("GET") && req.path().equals("/health")) {
                // A load balancer's health check: always healthy, neither recorded nor taken from the script.
                json(socket.getOutputStream(), 200, "{\"status\":\"ok\"}");
                return;
            }
            received.add(req);
            if (delayBeforeAnswer.isPositive()) {
                Thread.sleep(delayBeforeAnswer);
            }
            Behavior b = script.poll();
            if (b == null) {
                b = fallback;
            }
            OutputStream out = socket.getOutputStream();
            boolean stream = req.body().replace(" ", "").contains("\"stream\":true");
            boolean usage = req.body().replace(" ", "").contains("\"include_usage\":true");
            switch (b) {
                case ANSWER -> {
                    String tool = toolName;
                    if (tool != null && wantsToolCall(req.body())) {
                        if (stream) {
                            streamToolCall(out, usage, tool);
                        } else {
                            json(out, 200, toolCallCompletion(tool));
                        }
                    } else if (stream) {
                        streamAnswer(out, usage, false);
                    } else {
                        json(out, 200, completion());
                    }
                }
                case STREAM_WITHOUT_USAGE -> streamAnswer(out, false, false);
                case ANSWER_THEN_DROP_NEXT_ON_CONNECTION -> {
                    byte[] answerBytes = completion().getBytes(StandardCharsets.UTF_8);
                    out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                                    + answerBytes.length + "\r\nConnection: keep-alive\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    out.write(answerBytes);
                    out.flush();
                    Received next = read(in);
                    if (next != null) {
                        received.add(next);
                    }
                }
                case STATUS_500 ->
                    json(out, 500, "{\"error\":{\"message\":\"internal failure\",\"type\":\"server_error\"}}");
                case STATUS_429 ->
                    json(
                            out,
                            429,
                            "{\"error\":{\"message\":\"Rate limit reached on " + ECHO_HOST + " for key "
                                    + req.headers().get("authorization")
                                    + "\",\"type\":\"requests\",\"code\":\"rate_limit_exceeded\"}}",
                            retryAfter.isEmpty() ? "" : "Retry-After: " + retryAfter + "\r\n");
                case STATUS_503 ->
                    json(
                            out,
                            503,
                            "{\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\"}}",
                            retryAfter.isEmpty() ? "" : "Retry-After: " + retryAfter + "\r\n");
                case STATUS_400 ->
                    json(
                            out,
                            400,
                            "{\"error\":{\"message\":\"bad parameter\",\"type\":\"invalid_request_error\","
                                    + "\"code\":\"invalid_value\"}}");
                case CONTEXT_EXCEEDED_400 ->
                    json(
                            out,
                            400,
                            "{\"error\":{\"message\":\"This model's maximum context length is 8 "
                                    + "tokens\",\"type\":\"invalid_request_error\",\"param\":\"messages\",\"code\":\"context_length_exceeded\"}}");
                case ECHO_CREDENTIALS_500 ->
                    json(
                            out,
                            500,
                            "<html><body><h1>500 at " + ECHO_HOST + ":8443</h1><pre>POST "
                                    + req.path() + " HTTP/1.1\nHost: " + ECHO_HOST + "\nAuthorization: "
                                    + req.headers().get("authorization")
                                    + "\n</pre><p>upstream http://admin:hunter22@" + ECHO_HOST + "/v1 failed; key "
                                    + String.valueOf(req.headers().get("authorization"))
                                            .replace("Bearer ", "") + "</p></body></html>");
                case STREAM_ERROR_ECHOING_CREDENTIALS -> {
                    streamAnswer(out, usage, true);
                    chunk(
                            out,
                            "data: {\"error\":{\"message\":\"worker at " + ECHO_HOST
                                    + " failed handling Authorization: "
                                    + req.headers().get("authorization") + "\",\"type\":\"server_error\"}}\n\n");
                    out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                }
                case HANG -> Thread.sleep(120_000);
                case RESET -> {
                    socket.setSoLinger(true, 0);
                    socket.close();
                }
                case CUT_AFTER_FIRST_CHUNK -> {
                    streamAnswer(out, usage, true);
                    Thread.sleep(200); // an upstream failing a moment after its first chunk, not along with it
                    socket.setSoLinger(true, 0);
                    socket.close();
                }
            }
        } catch (IOException | InterruptedException e) {
            // the client went away or the mock was closed
        } finally {
            open.remove(socket);
        }
    }

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** Whether the request declares tools and its last message is not a tool's result. */
    private static boolean wantsToolCall(String body) {
        JsonNode root = JSON.readTree(body);
        JsonNode messages = root.path("messages");
        return root.path("tools").isArray()
                && !root.path("tools").isEmpty()
                && !"none".equals(root.path("tool_choice").asString(""))
                && !messages.isEmpty()
                && !"tool".equals(messages.get(messages.size() - 1).path("role").asString(""));
    }

    private String toolCallCompletion(String tool) {
        ObjectNode c = JSON.createObjectNode();
        c.put("id", "chatcmpl-legacy-" + ids.incrementAndGet());
        c.put("object", "chat.completion");
        c.put("created", 1700000000);
        c.put("model", "legacy-model");
        ObjectNode choice = c.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode message = choice.putObject("message");
        message.put("role", "assistant");
        message.putNull("content");
        message.putNull("refusal");
        ObjectNode call = message.putArray("tool_calls").addObject();
        call.put("id", "call_mock" + ids.get());
        call.put("type", "function");
        call.putObject("function").put("name", tool).put("arguments", toolArguments);
        choice.put("finish_reason", "tool_calls");
        c.putObject("usage")
                .put("prompt_tokens", promptTokens)
                .put("completion_tokens", completionTokens)
                .put("total_tokens", promptTokens + completionTokens);
        return c.toString();
    }

    private void streamToolCall(OutputStream out, boolean usage, String tool) throws IOException {
        out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n"
                        + "Connection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        int id = ids.incrementAndGet();
        String head = "{\"id\":\"chatcmpl-legacy-" + id
                + "\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"legacy-model\",";
        ObjectNode first = JSON.createObjectNode();
        first.put("role", "assistant");
        first.putNull("content");
        ObjectNode call = first.putArray("tool_calls").addObject();
        call.put("index", 0);
        call.put("id", "call_mock" + id);
        call.put("type", "function");
        call.putObject("function").put("name", tool).put("arguments", "");
        chunk(out, "data: " + head + "\"choices\":[{\"index\":0,\"delta\":" + first + ",\"finish_reason\":null}]}\n\n");
        String args = toolArguments;
        int step = Math.max(1, (args.length() + 2) / 3);
        for (int i = 0; i < args.length(); i += step) {
            ObjectNode delta = JSON.createObjectNode();
            delta.putArray("tool_calls")
                    .addObject()
                    .put("index", 0)
                    .putObject("function")
                    .put("arguments", args.substring(i, Math.min(args.length(), i + step)));
            chunk(
                    out,
                    "data: " + head + "\"choices\":[{\"index\":0,\"delta\":" + delta
                            + ",\"finish_reason\":null}]}\n\n");
        }
        chunk(out, "data: " + head + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}\n\n");
        if (usage) {
            chunk(
                    out,
                    "data: " + head + "\"choices\":[],\"usage\":{\"prompt_tokens\":" + promptTokens
                            + ",\"completion_tokens\":" + completionTokens + ",\"total_tokens\":"
                            + (promptTokens + completionTokens) + "}}\n\n");
        }
        chunk(out, "data: [DONE]\n\n");
        out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    private String completion() {
        return """
        {"id":"chatcmpl-legacy-%d","object":"chat.completion","created":1700000000,"model":"legacy-model",
         "choices":[{"index":0,"message":{"role":"assistant","content":"%s"},"finish_reason":"stop"}],
         "usage":{"prompt_tokens":%d,"completion_tokens":%d,"total_tokens":%d}}""".formatted(
                        ids.incrementAndGet(), answer, promptTokens, completionTokens, promptTokens + completionTokens);
    }

    private void streamAnswer(OutputStream out, boolean usage, boolean cutAfterFirst)
            throws IOException, InterruptedException {
        out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n"
                        + "Connection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        int id = ids.incrementAndGet();
        String[] words = answer.split("(?<= )");
        for (int i = 0; i < words.length; i++) {
            if (i > 0 && pauseBetweenWords.isPositive()) {
                out.flush();
                Thread.sleep(pauseBetweenWords);
            }
            String role = i == 0 ? "\"role\":\"assistant\"," : "";
            chunk(
                    out,
                    "data: {\"id\":\"chatcmpl-legacy-" + id
                            + "\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
                            + "\"model\":\"legacy-model\",\"choices\":[{\"index\":0,\"delta\":{" + role
                            + "\"content\":\"" + words[i]
                            + "\"},\"finish_reason\":null}]}\n\n");
            if (cutAfterFirst) {
                out.flush();
                return;
            }
        }
        chunk(
                out,
                "data: {\"id\":\"chatcmpl-legacy-" + id
                        + "\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
                        + "\"model\":\"legacy-model\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n");
        if (usage) {
            chunk(
                    out,
                    "data: {\"id\":\"chatcmpl-legacy-" + id
                            + "\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
                            + "\"model\":\"legacy-model\",\"choices\":[],\"usage\":{\"prompt_tokens\":" + promptTokens
                            + ",\"completion_tokens\":" + completionTokens + ",\"total_tokens\":"
                            + (promptTokens + completionTokens) + "}}\n\n");
        }
        chunk(out, "data: [DONE]\n\n");
        out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    private static void chunk(OutputStream out, String data) throws IOException {
        byte[] b = data.getBytes(StandardCharsets.UTF_8);
        out.write((Integer.toHexString(b.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(b);
        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    private static void json(OutputStream out, int status, String body) throws IOException {
        json(out, status, body, "");
    }

    /** {@code headers}: further header lines, each ending in CRLF. */
    private static void json(OutputStream out, int status, String body, String headers) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        out.write(("HTTP/1.1 " + status + " X\r\nContent-Type: application/json\r\nContent-Length: " + b.length + "\r\n"
                        + headers + "Connection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.write(b);
        out.flush();
    }

    private static Received read(InputStream in) throws IOException {
        String requestLine = line(in);
        if (requestLine == null || requestLine.isEmpty()) {
            return null;
        }
        Map<String, String> headers = new LinkedHashMap<>();
        for (String l = line(in); l != null && !l.isEmpty(); l = line(in)) {
            int colon = l.indexOf(':');
            if (colon > 0) {
                headers.put(
                        l.substring(0, colon).strip().toLowerCase(Locale.ROOT),
                        l.substring(colon + 1).strip());
            }
        }
        byte[] body;
        if (headers.containsKey("content-length")) {
            body = in.readNBytes(Integer.parseInt(headers.get("content-length")));
        } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            for (int size = Integer.parseInt(line(in).strip(), 16);
                    size > 0;
                    size = Integer.parseInt(line(in).strip(), 16)) {
                b.write(in.readNBytes(size));
                line(in);
            }
            line(in);
            body = b.toByteArray();
        } else {
            body = new byte[0];
        }
        String[] parts = requestLine.split(" ");
        return new Received(
                parts[0], parts.length > 1 ? parts[1] : "", headers, new String(body, StandardCharsets.UTF_8));
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                break;
            }
            if (c != '\r') {
                b.write(c);
            }
        }
        if (c == -1 && b.size() == 0) {
            return null;
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }
}
