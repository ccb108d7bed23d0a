package dev.burstgate.engine.bench;

import dev.burstgate.engine.ChatChunk;
import dev.burstgate.engine.ChatRequest;
import dev.burstgate.engine.EngineConfig;
import dev.burstgate.engine.LocalEngine;
import dev.burstgate.engine.NativeLogLevel;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * Tokens/s and time to first token for 1, 2 and 4 concurrent requests, either on the engine called directly or on any
 * OpenAI-compatible server (the engine's own, native llama.cpp's {@code llama-server}) through streamed HTTP, with the
 * same prompt, sampling and fixed answer length ({@code ignore_eos}). Not a test; run by {@code bench/bench.sh}:
 *
 * <pre>
 * java -cp CLASSPATH dev.burstgate.engine.bench.EngineBench --label tiny --model M.gguf --threads 2 --slots 4 \
 *     --ctx 2048 --tokens 256 --concurrency 1,2,4 --rounds 3 \
 *     --targets native=http://127.0.0.1:18090,engine-server=http://127.0.0.1:18091,engine-direct=direct
 * </pre>
 *
 * Targets are measured in interleaved rounds. Prints one tab-separated line per target and concurrency, starting with
 * {@code RESULT}: label, target, concurrency, best round's aggregate tokens/s of non-streamed requests, the same for
 * streamed requests, median time to first streamed token (ms), tokens generated. A round's aggregate tokens/s is all
 * its tokens over its wall time; the best round is reported because the machine may be shared.
 */
public final class EngineBench {

    static final String PROMPT = "Write a long story about a lighthouse keeper and a storm.";
    static final double TEMPERATURE = 0.8;
    static final double TOP_P = 0.95;

    /** One request's timings. */
    record Run(long startNanos, long firstNanos, long endNanos, int tokens) {}

    /** One round's aggregate tokens/s, mean time to first token, tokens generated. */
    record Measured(double tokensPerSecond, double ttftMs, int tokens) {}

    private EngineBench() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> opt = parse(args);
        String label = opt.getOrDefault("label", "model");
        int tokens = Integer.parseInt(opt.getOrDefault("tokens", "128"));
        int[] levels = Arrays.stream(opt.getOrDefault("concurrency", "1,2,4").split(","))
                .mapToInt(Integer::parseInt)
                .toArray();
        int rounds = Integer.parseInt(opt.getOrDefault("rounds", "3"));
        Map<String, Bench> targets = new LinkedHashMap<>();
        try {
            for (String spec : require(opt, "targets").split(",")) {
                String[] kv = spec.split("=", 2);
                if (kv.length != 2) {
                    throw new IllegalArgumentException("--targets wants name=direct or name=http://..., got " + spec);
                }
                targets.put(
                        kv[0],
                        kv[1].equals("direct")
                                ? new Direct(EngineConfig.builder()
                                        .modelPath(Path.of(require(opt, "model")))
                                        .threads(Integer.parseInt(opt.getOrDefault("threads", "2")))
                                        .parallel(Integer.parseInt(opt.getOrDefault("slots", "4")))
                                        .contextSize(Integer.parseInt(opt.getOrDefault("ctx", "2048")))
                                        .nativeLogLevel(NativeLogLevel.OFF)
                                        .build())
                                : new Http(URI.create(kv[1])));
            }
            for (Bench b : targets.values()) { // warm-up: JIT, connections, prompt cache
                b.run(0, Math.min(tokens, 16), true);
                b.run(0, Math.min(tokens, 16), false);
            }
            List<String> names = new ArrayList<>(targets.keySet());
            for (int c : levels) {
                Map<String, List<Measured>> whole = new LinkedHashMap<>();
                Map<String, List<Measured>> streamed = new LinkedHashMap<>();
                for (int r = 0; r < rounds; r++) {
                    // interleave the targets, rotating their order, so that load from elsewhere on the machine
                    // falls on all of them alike
                    for (int i = 0; i < names.size(); i++) {
                        String name = names.get((i + r) % names.size());
                        Bench b = targets.get(name);
                        whole.computeIfAbsent(name, k -> new ArrayList<>()).add(measure(b, c, tokens, false));
                        streamed.computeIfAbsent(name, k -> new ArrayList<>()).add(measure(b, c, tokens, true));
                    }
                }
                for (String name : names) {
                    List<Measured> w = whole.get(name);
                    List<Measured> s = streamed.get(name);
                    double best = w.stream()
                            .mapToDouble(Measured::tokensPerSecond)
                            .max()
                            .orElse(0);
                    double bestStreamed = s.stream()
                            .mapToDouble(Measured::tokensPerSecond)
                            .max()
                            .orElse(0);
                    double[] ttft =
                            s.stream().mapToDouble(Measured::ttftMs).sorted().toArray();
                    int total = w.stream().mapToInt(Measured::tokens).sum()
                            + s.stream().mapToInt(Measured::tokens).sum();
                    System.out.printf(
                            Locale.ROOT,
                            "RESULT\t%s\t%s\t%d\t%.1f\t%.1f\t%.1f\t%d%n",
                            label,
                            name,
                            c,
                            best,
                            bestStreamed,
                            ttft[ttft.length / 2],
                            total);
                }
            }
        } finally {
            targets.values().forEach(Bench::close);
        }
        // the binding leaves its native loop thread attached as a non-daemon thread
        System.exit(0);
    }

    /** One round: {@code concurrency} simultaneous requests; aggregate tokens/s over the round's wall time. */
    private static Measured measure(Bench bench, int concurrency, int tokens, boolean stream) throws Exception {
        List<Run> round = bench.runConcurrently(concurrency, tokens, stream);
        long s = round.stream().mapToLong(Run::startNanos).min().orElseThrow();
        long e = round.stream().mapToLong(Run::endNanos).max().orElseThrow();
        int total = round.stream().mapToInt(Run::tokens).sum();
        double ttftMs = round.stream()
                        .mapToLong(x -> x.firstNanos() - x.startNanos())
                        .average()
                        .orElse(0)
                / 1e6;
        return new Measured(total / ((e - s) / 1e9), ttftMs, total);
    }

    private abstract static class Bench implements AutoCloseable {
        abstract Run run(long seed, int tokens, boolean stream) throws Exception;

        List<Run> runConcurrently(int concurrency, int tokens, boolean stream) throws Exception {
            try (ExecutorService pool = Executors.newFixedThreadPool(concurrency)) {
                List<Future<Run>> futures = new ArrayList<>();
                for (int i = 0; i < concurrency; i++) {
                    long seed = 42 + i;
                    futures.add(pool.submit(() -> run(seed, tokens, stream)));
                }
                List<Run> runs = new ArrayList<>();
                for (Future<Run> f : futures) {
                    runs.add(f.get());
                }
                return runs;
            }
        }

        @Override
        public void close() {}
    }

    private static final class Direct extends Bench {
        private final LocalEngine engine;

        Direct(EngineConfig config) {
            engine = LocalEngine.start(config);
        }

        @Override
        Run run(long seed, int tokens, boolean stream) {
            ChatRequest request = ChatRequest.builder()
                    .user(PROMPT)
                    .maxTokens(tokens)
                    .temperature(TEMPERATURE)
                    .topP(TOP_P)
                    .seed(seed)
                    .ignoreEos(true)
                    .build();
            long start = System.nanoTime();
            if (!stream) {
                int n = engine.complete(request).block().usage().completionTokens();
                long end = System.nanoTime();
                return new Run(start, end, end, n);
            }
            long[] first = {0};
            ChatChunk last = engine.stream(request)
                    .doOnNext(c -> {
                        if (first[0] == 0
                                && (!c.content().isEmpty() || !c.reasoning().isEmpty())) {
                            first[0] = System.nanoTime();
                        }
                    })
                    .blockLast();
            long end = System.nanoTime();
            return new Run(
                    start, first[0] == 0 ? end : first[0], end, last.usage().completionTokens());
        }

        @Override
        public void close() {
            engine.close();
        }
    }

    private static final class Http extends Bench {
        private static final ObjectMapper JSON = JsonMapper.builder().build();
        private final URI url;
        private final HttpClient client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();

        Http(URI base) {
            this.url = base.resolve("/v1/chat/completions");
        }

        @Override
        Run run(long seed, int tokens, boolean stream) throws Exception {
            var body = JSON.createObjectNode();
            body.put("model", "bench");
            body.putArray("messages").addObject().put("role", "user").put("content", PROMPT);
            body.put("max_tokens", tokens);
            body.put("temperature", TEMPERATURE);
            body.put("top_p", TOP_P);
            body.put("seed", seed);
            body.put("ignore_eos", true);
            body.put("stream", stream);
            if (stream) {
                body.putObject("stream_options").put("include_usage", true);
            }
            HttpRequest req = HttpRequest.newBuilder(url)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
                    .build();
            long start = System.nanoTime();
            if (!stream) {
                HttpResponse<String> whole = client.send(req, HttpResponse.BodyHandlers.ofString());
                long end = System.nanoTime();
                if (whole.statusCode() != 200) {
                    throw new IllegalStateException(
                            "HTTP " + whole.statusCode() + " from " + url + ": " + whole.body());
                }
                int n = JSON.readTree(whole.body())
                        .get("usage")
                        .get("completion_tokens")
                        .intValue();
                return new Run(start, end, end, n);
            }
            HttpResponse<InputStream> res = client.send(req, HttpResponse.BodyHandlers.ofInputStream());
            if (res.statusCode() != 200) {
                throw new IllegalStateException("HTTP " + res.statusCode() + " from " + url + ": "
                        + new String(res.body().readAllBytes(), StandardCharsets.UTF_8));
            }
            long first = 0;
            int completion = -1;
            try (BufferedReader in = new BufferedReader(new InputStreamReader(res.body(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    if (!line.startsWith("data: ")) {
                        continue;
                    }
                    String data = line.substring(6);
                    if (data.equals("[DONE]")) {
                        break;
                    }
                    JsonNode event = JSON.readTree(data);
                    if (first == 0) {
                        JsonNode choices = event.get("choices");
                        if (choices != null && !choices.isEmpty()) {
                            JsonNode delta = choices.get(0).get("delta");
                            if (delta != null && (nonEmpty(delta, "content") || nonEmpty(delta, "reasoning_content"))) {
                                first = System.nanoTime();
                            }
                        }
                    }
                    JsonNode usage = event.get("usage");
                    if (usage != null && !usage.isNull()) {
                        completion = usage.get("completion_tokens").intValue();
                    }
                }
            }
            long end = System.nanoTime();
            if (completion < 0) {
                throw new IllegalStateException("no usage in the stream from " + url);
            }
            return new Run(start, first == 0 ? end : first, end, completion);
        }

        private static boolean nonEmpty(JsonNode delta, String field) {
            JsonNode v = delta.get(field);
            return v != null && v.isString() && !v.stringValue().isEmpty();
        }

        @Override
        public void close() {
            client.close();
        }
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --name value pairs, got " + String.join(" ", args));
            }
            out.put(args[i].substring(2), args[++i]);
        }
        return out;
    }

    private static String require(Map<String, String> opt, String name) {
        String v = opt.get(name);
        if (v == null) {
            throw new IllegalArgumentException("--" + name + " is required");
        }
        return v;
    }
}
