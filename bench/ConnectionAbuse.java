import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a running Burstgate does with abusive connections, measured from outside over loopback:
 *
 * <ol>
 *   <li>slowloris: {@code slow} connections each trickle a request head one byte a second; counts those the gateway
 *       cut (with a 408 or by closing) and when;
 *   <li>idle flood: opens {@code flood} connections that send nothing; counts those closed at once, then tries a
 *       legitimate request while the flood holds its connections, and again until one is served (the flood's
 *       connections reach the idle deadline);
 *   <li>pipelining: 50 requests in one write, the first answered asynchronously (the cost report), the last with
 *       {@code Connection: close}; counts the answers;
 *   <li>malformed requests: prints status and body of a bad request line, a 10 KB URI and 20 KB of headers;
 *   <li>aborted uploads: 100 requests that declare a 1000-byte body, send part of it and close; what they cost shows
 *       in the gateway's log.
 * </ol>
 *
 * <pre>
 * java bench/ConnectionAbuse.java [host:port] [slow] [flood]
 * java bench/ConnectionAbuse.java localhost:8080 200 12000
 * </pre>
 *
 * Keys: {@code BURSTGATE_KEY} and {@code BURSTGATE_ADMIN_KEY}, by default the demo's. The flood needs that many file
 * descriptors in this process ({@code ulimit -n}). Every phase is bounded in time and stops by itself.
 */
public class ConnectionAbuse {

  static final Pattern STATUS = Pattern.compile("HTTP/1\\.1 (\\d{3})");

  public static void main(String[] args) throws Exception {
    String[] hostPort = (args.length > 0 ? args[0] : "localhost:8080").split(":");
    InetSocketAddress gateway = new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1]));
    int slow = args.length > 1 ? Integer.parseInt(args[1]) : 200;
    int flood = args.length > 2 ? Integer.parseInt(args[2]) : 12_000;
    String key = System.getenv().getOrDefault("BURSTGATE_KEY", "sk-burstgate-demo");
    String adminKey = System.getenv().getOrDefault("BURSTGATE_ADMIN_KEY", "sk-burstgate-admin-demo");

    slowloris(gateway, slow, key, Duration.ofSeconds(40));
    idleFlood(gateway, flood, key, Duration.ofSeconds(90));
    pipelining(gateway, key, adminKey);
    malformed(gateway);
    abortedUploads(gateway, key, 100);
  }

  static void abortedUploads(InetSocketAddress gateway, String key, int n) throws IOException {
    for (int i = 0; i < n; i++) {
      try (Socket s = new Socket()) {
        s.connect(gateway, 5000);
        s.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\n"
            + "Authorization: Bearer " + key + "\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
            + "{\"messages\":[")
            .getBytes(StandardCharsets.US_ASCII));
      }
    }
    System.out.printf("aborted uploads: %d sent (count the lines they left in the gateway's log)%n", n);
  }

  static String get(String path, String key) {
    return "GET " + path + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + key + "\r\n\r\n";
  }

  static void slowloris(InetSocketAddress gateway, int n, String key, Duration limit) throws IOException {
    byte[] head = ("GET /v1/models HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + key + "\r\nX-Pad: "
        + "a".repeat(1000)).getBytes(StandardCharsets.US_ASCII);
    long start = System.nanoTime();
    Map<SocketChannel, Integer> sent = new HashMap<>();
    List<Long> cutAfterMillis = new ArrayList<>();
    int answered408 = 0;
    try (Selector selector = Selector.open()) {
      for (int i = 0; i < n; i++) {
        SocketChannel c = SocketChannel.open(gateway);
        c.configureBlocking(false);
        c.register(selector, SelectionKey.OP_READ);
        sent.put(c, 0);
      }
      ByteBuffer buffer = ByteBuffer.allocate(4096);
      while (!sent.isEmpty() && System.nanoTime() - start < limit.toNanos()) {
        for (Map.Entry<SocketChannel, Integer> e : sent.entrySet()) {
          try {
            e.getKey().write(ByteBuffer.wrap(head, e.getValue() % head.length, 1));
            e.setValue(e.getValue() + 1);
          } catch (IOException closed) {
            // noticed on read
          }
        }
        long tickEnd = System.nanoTime() + Duration.ofSeconds(1).toNanos();
        while (System.nanoTime() < tickEnd) {
          selector.select(Math.max(1, (tickEnd - System.nanoTime()) / 1_000_000));
          for (SelectionKey k : selector.selectedKeys()) {
            SocketChannel c = (SocketChannel) k.channel();
            buffer.clear();
            int read;
            try {
              read = c.read(buffer);
            } catch (IOException reset) {
              read = -1;
            }
            if (read > 0 && new String(buffer.array(), 0, read, StandardCharsets.US_ASCII).startsWith("HTTP/1.1 408")) {
              answered408++;
            }
            if (read != 0) {
              cutAfterMillis.add((System.nanoTime() - start) / 1_000_000);
              sent.remove(c);
              k.cancel();
              c.close();
            }
          }
          selector.selectedKeys().clear();
        }
      }
      for (SocketChannel c : sent.keySet()) {
        c.close();
      }
    }
    cutAfterMillis.sort(null);
    System.out.printf("slowloris: %d connections trickling 1 byte/s: %d cut (%d with 408), %d still open after %d s;"
            + " cut after %s ms (first) .. %s ms (last)%n", n, cutAfterMillis.size(), answered408, sent.size(),
        limit.toSeconds(), cutAfterMillis.isEmpty() ? "-" : cutAfterMillis.getFirst(),
        cutAfterMillis.isEmpty() ? "-" : cutAfterMillis.getLast());
  }

  static void idleFlood(InetSocketAddress gateway, int n, String key, Duration limit) throws Exception {
    List<SocketChannel> open = new ArrayList<>();
    int failedToConnect = 0;
    long start = System.nanoTime();
    try (Selector selector = Selector.open()) {
      for (int i = 0; i < n; i++) {
        try {
          SocketChannel c = SocketChannel.open(gateway);
          c.configureBlocking(false);
          c.register(selector, SelectionKey.OP_READ);
          open.add(c);
        } catch (IOException e) {
          failedToConnect++;
        }
      }
      int closedAtOnce = drainClosed(selector, Duration.ofSeconds(2));
      System.out.printf("idle flood: %d connections opened in %d ms (%d failed to connect), %d closed by the gateway"
          + " at once, %d held%n", n, (System.nanoTime() - start) / 1_000_000, failedToConnect, closedAtOnce,
          open.size() - failedToConnect - closedAtOnce);
      long t0 = System.nanoTime();
      String during = legitimate(gateway, key);
      System.out.printf("  a legitimate request during the flood: %s in %d ms%n", during,
          (System.nanoTime() - t0) / 1_000_000);
      int closedLater = 0;
      String status = during;
      while (!status.startsWith("200") && System.nanoTime() - start < limit.toNanos()) {
        closedLater += drainClosed(selector, Duration.ofSeconds(1));
        status = legitimate(gateway, key);
      }
      System.out.printf("  served again (%s) %d s after the flood started; %d flood connections closed by the gateway"
          + " by then%n", status, (System.nanoTime() - start) / 1_000_000_000, closedAtOnce + closedLater);
    } finally {
      for (SocketChannel c : open) {
        c.close();
      }
    }
  }

  /** Counts connections the gateway closes within {@code wait}. */
  static int drainClosed(Selector selector, Duration wait) throws IOException {
    int closed = 0;
    long end = System.nanoTime() + wait.toNanos();
    ByteBuffer buffer = ByteBuffer.allocate(1024);
    while (System.nanoTime() < end) {
      selector.select(Math.max(1, (end - System.nanoTime()) / 1_000_000));
      for (SelectionKey k : selector.selectedKeys()) {
        SocketChannel c = (SocketChannel) k.channel();
        buffer.clear();
        int read;
        try {
          read = c.read(buffer);
        } catch (IOException reset) {
          read = -1;
        }
        if (read < 0) {
          closed++;
          k.cancel();
          c.close();
        }
      }
      selector.selectedKeys().clear();
    }
    return closed;
  }

  static String legitimate(InetSocketAddress gateway, String key) {
    try (Socket s = new Socket()) {
      s.connect(gateway, 5000);
      s.setSoTimeout(5000);
      s.getOutputStream().write(get("/v1/models", key).getBytes(StandardCharsets.US_ASCII));
      byte[] answer = s.getInputStream().readNBytes(12);
      return answer.length == 12 ? new String(answer, 9, 3, StandardCharsets.US_ASCII) : "closed without an answer";
    } catch (IOException e) {
      return "failed: " + e.getMessage();
    }
  }

  static void pipelining(InetSocketAddress gateway, String key, String adminKey) throws IOException {
    for (int n : new int[] {3, 50}) {
      StringBuilder requests = new StringBuilder(get("/admin/costs/summary", adminKey));
      for (int i = 1; i < n - 1; i++) {
        requests.append(get("/v1/models", key));
      }
      requests.append(get("/v1/models", key).replace("\r\n\r\n", "\r\nConnection: close\r\n\r\n"));
      String answers = exchange(gateway, requests.toString());
      Matcher m = STATUS.matcher(answers);
      int count = 0;
      while (m.find()) {
        count++;
      }
      System.out.printf("pipelining: %d requests in one write (first the cost report, last Connection: close):"
          + " %d answered%n", n, count);
    }
  }

  static void malformed(InetSocketAddress gateway) throws IOException {
    Map<String, String> cases = Map.of(
        "bad request line", "\u0001garbage\r\n\r\n",
        "10 KB URI", "GET /v1/models?q=" + "a".repeat(10_000) + " HTTP/1.1\r\nHost: x\r\n\r\n",
        "20 KB of headers", "GET /v1/models HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(20_000) + "\r\n\r\n");
    for (Map.Entry<String, String> c : cases.entrySet()) {
      String answer = exchange(gateway, c.getValue());
      String status = answer.isEmpty() ? "(nothing)" : answer.substring(0, answer.indexOf('\r'));
      String body = answer.contains("\r\n\r\n") ? answer.substring(answer.indexOf("\r\n\r\n") + 4) : "";
      System.out.printf("malformed, %s: %s, body: %s%n", c.getKey(), status, body.isEmpty() ? "(empty)" : body);
    }
  }

  /** Writes {@code request} in one write and returns what arrives until the gateway closes (or 10 s of silence). */
  static String exchange(InetSocketAddress gateway, String request) throws IOException {
    java.io.ByteArrayOutputStream answer = new java.io.ByteArrayOutputStream();
    try (Socket s = new Socket()) {
      s.connect(gateway, 5000);
      s.setSoTimeout(10_000);
      s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
      byte[] buffer = new byte[8192];
      for (int n = s.getInputStream().read(buffer); n >= 0; n = s.getInputStream().read(buffer)) {
        answer.write(buffer, 0, n);
      }
    } catch (java.net.SocketTimeoutException | java.net.SocketException e) {
      // silence or reset: report what arrived
    }
    return answer.toString(StandardCharsets.US_ASCII);
  }
}
