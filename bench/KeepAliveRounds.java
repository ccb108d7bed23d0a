import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.List;

/**
 * Counts requests that a running Burstgate never answers on a kept-alive connection. One JDK {@code HttpClient}
 * (so one reused connection at a time) sends rounds of: a chat completion on the local tier, the same streamed, the
 * cost summary with the admin key, then the dashboard's redirect, page, scripts, stylesheet and the cost summary
 * without a key (401). Each request that has no answer within the time-out is reported; the gateway answers
 * everything in well under a second, so every one counted is a request the connection stopped serving.
 *
 * <pre>
 * java bench/KeepAliveRounds.java [base-url] [rounds] [HTTP_1_1|HTTP_2]
 * java bench/KeepAliveRounds.java http://localhost:8080 300 HTTP_1_1
 * </pre>
 *
 * Keys: {@code BURSTGATE_KEY} and {@code BURSTGATE_ADMIN_KEY}, by default the demo's.
 */
public class KeepAliveRounds {

  static final Duration TIMEOUT = Duration.ofSeconds(5);

  public static void main(String[] args) throws Exception {
    String base = args.length > 0 ? args[0] : "http://localhost:8080";
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 300;
    HttpClient.Version version = HttpClient.Version.valueOf(args.length > 2 ? args[2] : "HTTP_1_1");
    String key = System.getenv().getOrDefault("BURSTGATE_KEY", "sk-burstgate-demo");
    String adminKey = System.getenv().getOrDefault("BURSTGATE_ADMIN_KEY", "sk-burstgate-admin-demo");
    List<String> pages = List.of("/dashboard", "/dashboard/", "/dashboard/dashboard.js",
        "/webjars/chart.js/4.4.1/dist/chart.umd.js", "/dashboard/dashboard.css", "/admin/costs/summary");

    int sent = 0;
    int hung = 0;
    try (HttpClient http = HttpClient.newBuilder().version(version).connectTimeout(TIMEOUT).build()) {
      for (int round = 1; round <= rounds; round++) {
        for (boolean stream : new boolean[] {false, true}) {
          String body = "{\"model\":\"local\",\"max_tokens\":4,\"stream\":" + stream
              + (stream ? ",\"stream_options\":{\"include_usage\":true}" : "")
              + ",\"messages\":[{\"role\":\"user\",\"content\":\"Say something short\"}]}";
          sent++;
          hung += send(http, HttpRequest.newBuilder(URI.create(base + "/v1/chat/completions"))
              .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString(body)), round);
        }
        sent++;
        hung += send(http, HttpRequest.newBuilder(URI.create(base + "/admin/costs/summary"))
            .header("Authorization", "Bearer " + adminKey).GET(), round);
        for (String page : pages) {
          sent++;
          hung += send(http, HttpRequest.newBuilder(URI.create(base + page)).GET(), round);
        }
      }
    }
    System.out.printf("%s, %d rounds, %d requests: %d without an answer within %d s%n",
        version, rounds, sent, hung, TIMEOUT.toSeconds());
    System.exit(hung == 0 ? 0 : 1);
  }

  /** Sends one request; returns 1 when it got no answer in time. */
  static int send(HttpClient http, HttpRequest.Builder request, int round) throws Exception {
    HttpRequest r = request.timeout(TIMEOUT).build();
    try {
      http.send(r, HttpResponse.BodyHandlers.discarding());
      return 0;
    } catch (HttpTimeoutException e) {
      System.out.printf("round %d: no answer to %s %s%n", round, r.method(), r.uri().getPath());
      return 1;
    }
  }
}
