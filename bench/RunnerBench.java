import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Tokens/s and time to first token of OpenAI-compatible chat endpoints at several concurrencies, measured in
 * interleaved rounds: for each concurrency, each round measures every target once (non-streamed, then streamed), the
 * targets' order rotating from round to round, so load from elsewhere on a shared machine falls on all of them alike.
 * Every request carries the same prompt, sampling, seed and length, with the end-of-text token banned
 * ({@code logit_bias}) where the target honours it. Run by {@code bench/runner-bench.sh}:
 *
 * <pre>
 * java bench/RunnerBench.java --label 1b --tokens 128 --concurrency 1,2,4 --rounds 3 --eos 2 --warmup 45 \
 *     --targets native=http://127.0.0.1:18090,gateway-runner=http://127.0.0.1:18092
 * </pre>
 *
 * A target may add fields to every request it gets: {@code name=url|{"logprobs":true,"top_logprobs":5}}.
 *
 * Requests carry {@code Authorization: Bearer $BURSTGATE_KEY} (the demo key by default; llama-server ignores it) and
 * {@code model: local}. In a round each of the {@code concurrency} workers sends {@code --per-worker} requests (2 by
 * default) one after the other. Prints one tab-separated line per target and concurrency, starting with
 * {@code RESULT}: label, target, concurrency, best round's aggregate tokens/s non-streamed, the same streamed, median
 * time to first streamed token (ms), tokens generated, and the median over rounds of the target's tokens/s divided by
 * the first target's in the same round, non-streamed and streamed (a paired ratio: drift of the machine's load between
 * rounds falls on both sides of each ratio). A round's aggregate tokens/s is all its tokens over its wall time.
 */
public class RunnerBench {

  static final String PROMPT = "Write a long story about a lighthouse keeper and a storm.";
  static final Pattern COMPLETION = Pattern.compile("\"completion_tokens\"\\s*:\\s*(\\d+)");
  static final Pattern CONTENT = Pattern.compile("\"(?:content|reasoning_content)\"\\s*:\\s*\"(?!\")");
  static final String KEY = System.getenv().getOrDefault("BURSTGATE_KEY", "sk-burstgate-demo");

  record Run(long start, long first, long end, int tokens) {}

  record Measured(double tokensPerSecond, double ttftMs, int tokens) {}

  /** An endpoint, and request fields added to every request sent to it (a JSON object's members, or empty). */
  record Target(URI url, String extraFields) {}

  static int eos = -1;
  static int perWorker = 2;

  public static void main(String[] args) throws Exception {
    Map<String, String> opt = new LinkedHashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      opt.put(args[i].replaceFirst("^--", ""), args[i + 1]);
    }
    String label = opt.getOrDefault("label", "model");
    int tokens = Integer.parseInt(opt.getOrDefault("tokens", "128"));
    int rounds = Integer.parseInt(opt.getOrDefault("rounds", "3"));
    eos = Integer.parseInt(opt.getOrDefault("eos", "-1"));
    perWorker = Integer.parseInt(opt.getOrDefault("per-worker", "2"));
    int[] levels = Arrays.stream(opt.getOrDefault("concurrency", "1,2,4").split(",")).mapToInt(Integer::parseInt).toArray();
    Map<String, Target> targets = new LinkedHashMap<>();
    for (String spec : opt.get("targets").split(",(?=[^,{}]+=)")) {
      String[] kv = spec.split("=", 2);
      String[] urlExtra = kv[1].split("\\|", 2);
      String extra = urlExtra.length > 1 ? urlExtra[1].strip() : "";
      if (!extra.isEmpty() && !(extra.startsWith("{") && extra.endsWith("}"))) {
        throw new IllegalArgumentException("extra fields of " + kv[0] + " must be a JSON object: " + extra);
      }
      targets.put(kv[0], new Target(URI.create(urlExtra[0]).resolve("/v1/chat/completions"),
          extra.isEmpty() ? "" : extra.substring(1, extra.length() - 1).strip()));
    }
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    // Warm-up: a gateway is measured as it runs in service, with its code compiled by the JIT, not as it starts:
    // one-token requests, streamed and not, for --warmup seconds per target (also fills the prompt cache).
    long warmupNanos = (long) (Double.parseDouble(opt.getOrDefault("warmup", "45")) * 1e9);
    for (Map.Entry<String, Target> target : targets.entrySet()) {
      long began = System.nanoTime();
      int n = 0;
      do {
        run(http, target.getValue(), 0, 1, n % 2 == 0);
        n++;
      } while (System.nanoTime() - began < warmupNanos);
      run(http, target.getValue(), 0, Math.min(tokens, 16), true);
      run(http, target.getValue(), 0, Math.min(tokens, 16), false);
      System.err.printf(Locale.ROOT, "warm-up %s: %d requests%n", target.getKey(), n + 2);
    }
    List<String> names = new ArrayList<>(targets.keySet());
    for (int c : levels) {
      Map<String, List<Measured>> whole = new LinkedHashMap<>();
      Map<String, List<Measured>> streamed = new LinkedHashMap<>();
      for (int r = 0; r < rounds; r++) {
        for (int i = 0; i < names.size(); i++) {
          String name = names.get((i + r) % names.size());
          whole.computeIfAbsent(name, k -> new ArrayList<>()).add(round(http, targets.get(name), c, tokens, false));
          streamed.computeIfAbsent(name, k -> new ArrayList<>()).add(round(http, targets.get(name), c, tokens, true));
        }
      }
      for (String name : names) {
        double best = whole.get(name).stream().mapToDouble(Measured::tokensPerSecond).max().orElse(0);
        double bestStreamed = streamed.get(name).stream().mapToDouble(Measured::tokensPerSecond).max().orElse(0);
        double[] ttft = streamed.get(name).stream().mapToDouble(Measured::ttftMs).sorted().toArray();
        int total = whole.get(name).stream().mapToInt(Measured::tokens).sum()
            + streamed.get(name).stream().mapToInt(Measured::tokens).sum();
        String first = names.get(0);
        System.out.printf(Locale.ROOT, "RESULT\t%s\t%s\t%d\t%.1f\t%.1f\t%.1f\t%d\t%.3f\t%.3f%n",
            label, name, c, best, bestStreamed, ttft[ttft.length / 2], total,
            pairedRatio(whole.get(name), whole.get(first)), pairedRatio(streamed.get(name), streamed.get(first)));
        for (int r = 0; r < rounds; r++) {
          System.err.printf(Locale.ROOT, "  c=%d round %d %s: %.1f tokens/s, %.1f streamed%n",
              c, r, name, whole.get(name).get(r).tokensPerSecond(), streamed.get(name).get(r).tokensPerSecond());
        }
      }
    }
  }

  /** The median over rounds of {@code target}'s tokens/s over {@code reference}'s in the same round. */
  static double pairedRatio(List<Measured> target, List<Measured> reference) {
    double[] ratios = new double[target.size()];
    for (int r = 0; r < ratios.length; r++) {
      ratios[r] = target.get(r).tokensPerSecond() / reference.get(r).tokensPerSecond();
    }
    Arrays.sort(ratios);
    int n = ratios.length;
    return n % 2 == 1 ? ratios[n / 2] : (ratios[n / 2 - 1] + ratios[n / 2]) / 2;
  }

  static Measured round(HttpClient http, Target url, int concurrency, int tokens, boolean stream) throws Exception {
    List<Run> runs = new ArrayList<>();
    try (ExecutorService pool = Executors.newFixedThreadPool(concurrency)) {
      List<Future<List<Run>>> futures = new ArrayList<>();
      for (int i = 0; i < concurrency; i++) {
        long seed = 42 + i;
        futures.add(pool.submit(() -> {
          List<Run> mine = new ArrayList<>();
          for (int k = 0; k < perWorker; k++) {
            mine.add(run(http, url, seed + 1000L * k, tokens, stream));
          }
          return mine;
        }));
      }
      for (Future<List<Run>> f : futures) {
        runs.addAll(f.get());
      }
    }
    long s = runs.stream().mapToLong(Run::start).min().orElseThrow();
    long e = runs.stream().mapToLong(Run::end).max().orElseThrow();
    int total = runs.stream().mapToInt(Run::tokens).sum();
    double ttft = runs.stream().mapToLong(x -> x.first() - x.start()).average().orElse(0) / 1e6;
    return new Measured(total / ((e - s) / 1e9), ttft, total);
  }

  /**
   * Sends once more on a fresh connection when a pooled one was already closed by the server (llama-server closes a
   * connection after a stream while announcing keep-alive), so no request of a round is lost to the client's pool.
   */
  static <T> HttpResponse<T> send(HttpClient http, HttpRequest req, HttpResponse.BodyHandler<T> handler)
      throws Exception {
    try {
      return http.send(req, handler);
    } catch (java.io.IOException e) {
      return http.send(req, handler);
    }
  }

  static Run run(HttpClient http, Target target, long seed, int tokens, boolean stream) throws Exception {
    URI url = target.url();
    String body = "{\"model\":\"local\",\"messages\":[{\"role\":\"user\",\"content\":\"" + PROMPT + "\"}],"
        + "\"max_tokens\":" + tokens + ",\"temperature\":0.8,\"top_p\":0.95,\"seed\":" + seed
        + (eos >= 0 ? ",\"logit_bias\":{\"" + eos + "\":-100}" : "")
        + ",\"stream\":" + stream + (stream ? ",\"stream_options\":{\"include_usage\":true}" : "")
        + (target.extraFields().isEmpty() ? "" : "," + target.extraFields()) + "}";
    HttpRequest req = HttpRequest.newBuilder(url)
        .header("Content-Type", "application/json")
        .header("Authorization", "Bearer " + KEY)
        .timeout(Duration.ofMinutes(10))
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
    long start = System.nanoTime();
    if (!stream) {
      HttpResponse<String> r = send(http, req, HttpResponse.BodyHandlers.ofString());
      long end = System.nanoTime();
      if (r.statusCode() != 200) {
        throw new IllegalStateException("HTTP " + r.statusCode() + " from " + url + ": " + r.body());
      }
      return new Run(start, end, end, completion(r.body()));
    }
    HttpResponse<InputStream> r = send(http, req, HttpResponse.BodyHandlers.ofInputStream());
    if (r.statusCode() != 200) {
      throw new IllegalStateException("HTTP " + r.statusCode() + " from " + url + ": "
          + new String(r.body().readAllBytes(), StandardCharsets.UTF_8));
    }
    long first = 0;
    int completion = -1;
    try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        if (!line.startsWith("data: ")) {
          continue;
        }
        String data = line.substring(6);
        if (data.equals("[DONE]")) {
          break;
        }
        if (first == 0 && CONTENT.matcher(data).find()) {
          first = System.nanoTime();
        }
        if (data.contains("\"usage\":{")) {
          completion = completion(data);
        }
      }
    }
    long end = System.nanoTime();
    if (completion < 0) {
      throw new IllegalStateException("no usage in the stream from " + url);
    }
    return new Run(start, first == 0 ? end : first, end, completion);
  }

  static int completion(String json) {
    Matcher m = COMPLETION.matcher(json);
    if (!m.find()) {
      throw new IllegalStateException("no usage in " + json);
    }
    return Integer.parseInt(m.group(1));
  }
}
