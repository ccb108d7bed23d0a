package dev.burstgate.gateway.ledger;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Chat completions sent by a few client threads, each one request after another with a short pause, until stopped;
 * remembers the request id ({@code X-Burstgate-Request-Id}) of every request that was answered 200.
 */
final class ChatLoad {

    private final URI uri;
    private final String key;
    private final int threads;
    private final Duration pause;
    private final Set<String> answered = ConcurrentHashMap.newKeySet();
    private final AtomicInteger sent = new AtomicInteger();
    private final AtomicInteger otherStatus = new AtomicInteger();
    private final AtomicInteger ioErrors = new AtomicInteger();
    private final List<Thread> workers = new ArrayList<>();
    private volatile boolean running;

    ChatLoad(int port, String key, int threads, Duration pause) {
        this.uri = URI.create("http://localhost:" + port + "/v1/chat/completions");
        this.key = key;
        this.threads = threads;
        this.pause = pause;
    }

    ChatLoad start() {
        running = true;
        for (int t = 0; t < threads; t++) {
            int id = t;
            workers.add(Thread.ofPlatform().name("chat-load-" + t).start(() -> run(id)));
        }
        return this;
    }

    private void run(int worker) {
        try (HttpClient http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2))
                .build()) {
            int i = 0;
            while (running) {
                String body =
                        "{\"model\":\"legacy\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"load "
                                + worker + "-" + i++ + "\"}]}";
                HttpRequest req = HttpRequest.newBuilder(uri)
                        .timeout(Duration.ofSeconds(20))
                        .header("Authorization", "Bearer " + key)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build();
                sent.incrementAndGet();
                try {
                    HttpResponse<String> res = http.send(req, HttpResponse.BodyHandlers.ofString());
                    if (res.statusCode() == 200) {
                        res.headers().firstValue("X-Burstgate-Request-Id").ifPresent(answered::add);
                    } else {
                        otherStatus.incrementAndGet();
                    }
                } catch (IOException e) {
                    ioErrors.incrementAndGet();
                }
                Thread.sleep(pause); // the clients' pace
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops sending and waits for the requests under way. */
    void stop() throws InterruptedException {
        running = false;
        for (Thread t : workers) {
            t.join(Duration.ofSeconds(30));
        }
    }

    Set<String> answered() {
        return answered;
    }

    int sent() {
        return sent.get();
    }

    int otherStatus() {
        return otherStatus.get();
    }

    int ioErrors() {
        return ioErrors.get();
    }
}
