package dev.burstgate.gateway.local.runner;

import dev.burstgate.policies.routing.LocalEngineState;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The runner's load, as routing and admission need it: requests this gateway has in flight on it (exact, counted by
 * {@link RunnerBackend}) and what the runner itself reports on {@code GET /metrics}, read in the background every
 * {@code poll-interval} ({@code llamacpp:requests_processing}, {@code llamacpp:requests_deferred},
 * {@code llamacpp:predicted_tokens_seconds}), so requests that reach it by another way count too. From these it
 * derives the same {@link LocalEngineState} the in-process engine reports: busy slots, queue, a queue-wait estimate
 * from the measured service time, and whether a new request is admitted ({@code parallel} slots plus
 * {@code max-queue} waiting places). A runner that is not healthy admits nothing, so the router bursts. A request
 * that ends is taken off the last reading at once, so a reading a moment old never refuses the next request.
 */
public final class RunnerLoad implements AutoCloseable {

    /** Service time assumed until one request has been measured. */
    private static final Duration INITIAL_SERVICE = Duration.ofSeconds(1);
    /** Weight of the newest request in the service-time average. */
    private static final double ALPHA = 0.2;

    private final Supplier<@Nullable URI> base;
    private final int parallel;
    private final int maxQueue;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final HttpClient http = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(1))
            .version(HttpClient.Version.HTTP_1_1)
            .build();
    private final ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().name("burstgate-runner-load").daemon(true).unstarted(r));

    private volatile int processing;
    private volatile int deferred;
    private volatile double tokensPerSecond;
    private volatile double serviceNanos = INITIAL_SERVICE.toNanos();

    public RunnerLoad(Supplier<@Nullable URI> base, int parallel, int maxQueue) {
        this.base = base;
        this.parallel = parallel;
        this.maxQueue = maxQueue;
    }

    /** Starts reading the runner's {@code /metrics} every {@code interval}. */
    public RunnerLoad poll(Duration interval) {
        poller.scheduleWithFixedDelay(this::pollOnce, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    void pollOnce() {
        URI url = base.get();
        if (url == null) {
            processing = 0;
            deferred = 0;
            return;
        }
        try {
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(url.resolve("/metrics"))
                            .timeout(Duration.ofSeconds(2))
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 200) {
                read(r.body());
            }
        } catch (IOException e) {
            // restarting: the supervisor notices, base() turns null
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Takes the values this class uses from a Prometheus text page of llama-server. */
    void read(String metrics) {
        for (String line : metrics.split("\n")) {
            if (line.startsWith("#")) {
                continue;
            }
            int space = line.lastIndexOf(' ');
            if (space < 0) {
                continue;
            }
            String name = line.substring(0, space).strip();
            double value;
            try {
                value = Double.parseDouble(line.substring(space + 1).strip());
            } catch (NumberFormatException e) {
                continue;
            }
            switch (name) {
                case "llamacpp:requests_processing" -> processing = (int) value;
                case "llamacpp:requests_deferred" -> deferred = (int) value;
                case "llamacpp:predicted_tokens_seconds" -> tokensPerSecond = value;
                default -> {}
            }
        }
    }

    /** Takes a place for one request; false when every slot and waiting place is taken. */
    boolean tryAdmit() {
        int limit = parallel + maxQueue;
        while (true) {
            int n = inFlight.get();
            if (n >= limit || Math.max(n, processing + deferred) >= limit) {
                return false;
            }
            if (inFlight.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    /** Gives a place back; {@code serviceTime} is the request's duration when it completed, else null. */
    void release(@Nullable Duration serviceTime) {
        inFlight.decrementAndGet();
        // The last reading counted this request: until the next one, count it no more.
        int p = processing;
        if (p > 0) {
            processing = p - 1;
        }
        if (serviceTime != null) {
            serviceNanos = (1 - ALPHA) * serviceNanos + ALPHA * serviceTime.toNanos();
        }
    }

    /** Requests on the runner: this gateway's, or what the runner reports when that is more. */
    private int active() {
        return Math.max(inFlight.get(), processing + deferred);
    }

    public int activeSlots() {
        return Math.min(active(), parallel);
    }

    public int queued() {
        return Math.max(active() - parallel, 0);
    }

    public int capacity() {
        return parallel;
    }

    public double tokensPerSecond() {
        return tokensPerSecond;
    }

    public Duration estimatedQueueWait() {
        int free = parallel - activeSlots();
        int ahead = queued();
        if (ahead < free) {
            return Duration.ZERO;
        }
        long mustFinish = (long) ahead - free + 1;
        return Duration.ofNanos((long) serviceNanos * mustFinish / parallel);
    }

    /** The load as routing reads it. */
    public LocalEngineState state() {
        if (base.get() == null) {
            return new LocalEngineState(0, 0, false);
        }
        int busy = activeSlots();
        int waiting = queued();
        boolean admitting = busy < parallel || waiting < maxQueue;
        return new LocalEngineState(estimatedQueueWait().toMillis(), waiting, admitting);
    }

    @Override
    public void close() {
        poller.shutdownNow();
        http.close();
    }
}
