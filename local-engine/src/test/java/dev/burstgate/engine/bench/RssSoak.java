package dev.burstgate.engine.bench;

import dev.burstgate.engine.ChatRequest;
import dev.burstgate.engine.ChatResult;
import dev.burstgate.engine.EngineConfig;
import dev.burstgate.engine.LocalEngine;
import dev.burstgate.engine.NativeLogLevel;
import dev.burstgate.engine.model.TinyModelGenerator;
import dev.burstgate.engine.server.LocalEngineServer;
import dev.burstgate.engine.server.ServerOptions;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Runs sequential requests and samples this process's resident memory ({@code VmRSS} in {@code /proc/self/status})
 * every 100 requests, to show that requests do not leak native or Java memory. Run with a fixed, pre-touched heap so
 * heap growth does not show up as RSS: {@code java -Xms256m -Xmx256m -XX:+AlwaysPreTouch -cp CLASSPATH
 * dev.burstgate.engine.bench.RssSoak [direct|http|stream-cancel] [REQUESTS] [MODEL]}.
 */
public final class RssSoak {

    private RssSoak() {}

    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "direct";
        int requests = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
        Path model = args.length > 2
                ? Path.of(args[2])
                : TinyModelGenerator.ensureTinyModel(Path.of("target", "bench-models"));
        EngineConfig config = EngineConfig.builder()
                .modelPath(model)
                .threads(2)
                .parallel(2)
                .contextSize(1024)
                .nativeLogLevel(NativeLogLevel.OFF)
                .build();
        try (LocalEngine engine = LocalEngine.start(config);
                LocalEngineServer server = LocalEngineServer.start(engine, ServerOptions.loopback());
                HttpClient http = HttpClient.newHttpClient()) {
            System.out.printf("mode=%s requests=%d model=%s%n", mode, requests, model.getFileName());
            System.out.printf("%8s %10s %10s%n", "requests", "rss_kib", "delta_kib");
            long base = -1;
            long tokens = 0;
            for (int i = 0; i <= requests; i++) {
                if (i % 100 == 0) {
                    long rss = rssKib();
                    if (i == 100) {
                        base = rss; // after warm-up: JIT, pools and native caches have settled
                    }
                    System.out.printf(Locale.ROOT, "%8d %10d %10s%n", i, rss, base < 0 ? "-" : rss - base);
                }
                if (i == requests) {
                    break;
                }
                ChatRequest request = ChatRequest.builder()
                        .user("Request number " + i)
                        .maxTokens(32)
                        .ignoreEos(true)
                        .seed((long) i)
                        .build();
                tokens += switch (mode) {
                    case "direct" ->
                        engine.complete(request).map(ChatResult::usage).block().completionTokens();
                    case "stream-cancel" ->
                        engine.stream(request).take(3).count().block().intValue();
                    case "http" -> {
                        String body = "{\"messages\":[{\"role\":\"user\",\"content\":\"Request number " + i
                                + "\"}],\"max_tokens\":32,\"ignore_eos\":true,\"stream\":" + (i % 2 == 0) + "}";
                        HttpResponse<String> res = http.send(
                                HttpRequest.newBuilder(server.baseUri().resolve("/v1/chat/completions"))
                                        .POST(HttpRequest.BodyPublishers.ofString(body))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
                        if (res.statusCode() != 200) {
                            throw new IllegalStateException("HTTP " + res.statusCode() + ": " + res.body());
                        }
                        yield 32;
                    }
                    default -> throw new IllegalArgumentException("mode must be direct, http or stream-cancel");
                };
            }
            System.out.printf("tokens=%d stats=%s%n", tokens, engine.stats());
        }
        // the binding leaves its native loop thread attached as a non-daemon thread
        System.exit(0);
    }

    static long rssKib() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }
}
