package dev.burstgate.gateway.local.runner;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Supervises one llama.cpp {@code llama-server}: starts it on a loopback port, waits until {@code GET /health} answers
 * 200 (the model is loaded), and when it dies, or does not become healthy within the start timeout, starts it again
 * after a pause that doubles from {@code restart-backoff} up to {@code restart-backoff-max} (and starts over once a
 * runner was healthy). {@link #close()} stops it: its standard input is closed, which the parent guard
 * ({@link RunnerCommand#GUARD}) turns into SIGTERM, then SIGTERM and SIGKILL to what is left.
 *
 * <p>One platform thread supervises, one forwards the output ({@link RunnerLog}). The base URL changes with every
 * start when the port is picked automatically; {@link #base()} is null while no runner is healthy.
 */
public final class RunnerProcess implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RunnerProcess.class);
    private static final Duration HEALTH_PAUSE = Duration.ofMillis(100);
    private static final Duration STOP_GRACE = Duration.ofSeconds(10);

    private final RunnerCommand command;
    private final int fixedPort;
    private final Duration startTimeout;
    private final Duration backoff;
    private final Duration backoffMax;
    private final HttpClient http = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(1))
            .version(HttpClient.Version.HTTP_1_1)
            .build();
    private final RunnerLog output = new RunnerLog();
    private final CountDownLatch firstReady = new CountDownLatch(1);
    private final AtomicInteger starts = new AtomicInteger();
    private final Object lock = new Object();

    private volatile @Nullable URI base;
    private volatile boolean stopped;
    private @Nullable Process process;
    private @Nullable Thread supervisor;

    public RunnerProcess(
            RunnerCommand command, int port, Duration startTimeout, Duration backoff, Duration backoffMax) {
        this.command = command;
        this.fixedPort = port;
        this.startTimeout = startTimeout;
        this.backoff = backoff;
        this.backoffMax = backoffMax;
    }

    /** Starts supervising (and the first runner) in the background. */
    public void start() {
        synchronized (lock) {
            if (supervisor != null) {
                throw new IllegalStateException("already started");
            }
            supervisor = Thread.ofPlatform()
                    .name("burstgate-runner-supervisor")
                    .daemon(true)
                    .start(this::supervise);
        }
    }

    /** Waits until a runner is healthy for the first time; false when {@code timeout} passed first. */
    public boolean awaitReady(Duration timeout) throws InterruptedException {
        return firstReady.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** {@code http://127.0.0.1:port} of the healthy runner, or null while none is. */
    public @Nullable URI base() {
        return base;
    }

    /** Whether a runner is up and healthy. */
    public boolean ready() {
        return base != null;
    }

    /** How many times a runner was started. */
    public int starts() {
        return starts.get();
    }

    /** The runner's process (the guard's shell under {@code watch-parent}), while one runs. */
    public @Nullable ProcessHandle handle() {
        synchronized (lock) {
            return process == null ? null : process.toHandle();
        }
    }

    private void supervise() {
        Duration pause = backoff;
        while (!stopped) {
            int port = fixedPort > 0 ? fixedPort : freePort();
            Process p;
            try {
                p = launch(port);
            } catch (IOException e) {
                log.error("local tier runner: cannot start {}: {}", command.command(), e.getMessage());
                if (!sleep(pause)) {
                    return;
                }
                pause = longer(pause);
                continue;
            }
            long began = System.nanoTime();
            URI url = URI.create("http://127.0.0.1:" + port);
            boolean healthy = awaitHealthy(p, url);
            if (healthy) {
                output.serving(true);
                base = url;
                pause = backoff;
                log.info(
                        "local tier runner: ready on {} after {} ms (pid {})",
                        url,
                        Duration.ofNanos(System.nanoTime() - began).toMillis(),
                        p.pid());
                firstReady.countDown();
                waitFor(p);
            }
            base = null;
            output.serving(false);
            if (stopped) {
                return;
            }
            if (p.isAlive()) {
                log.warn(
                        "local tier runner: not healthy within {} (burstgate.tiers.local.runner.start-timeout); "
                                + "restarting it",
                        startTimeout);
                terminate(p);
            } else {
                log.warn(
                        "local tier runner: exited with status {}{}; restarting in {} ms",
                        p.exitValue(),
                        healthy ? "" : " before it was healthy; its last lines: " + output.tail(),
                        pause.toMillis());
            }
            closeInput(p);
            if (!sleep(pause)) {
                return;
            }
            pause = longer(pause);
        }
    }

    private Duration longer(Duration pause) {
        Duration doubled = pause.multipliedBy(2);
        return doubled.compareTo(backoffMax) > 0 ? backoffMax : doubled;
    }

    private Process launch(int port) throws IOException {
        List<String> argv = command.argv(port);
        synchronized (lock) {
            if (stopped) {
                throw new IOException("stopped");
            }
            output.restart();
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
            process = p;
            starts.incrementAndGet();
            List<String> server = command.watchParent() ? argv.subList(4, argv.size()) : argv;
            log.info(
                    "local tier runner: started pid {} on 127.0.0.1:{}{}: {}",
                    p.pid(),
                    port,
                    command.watchParent() ? " (parent-guarded)" : "",
                    String.join(" ", server));
            Thread.ofPlatform()
                    .name("burstgate-runner-log-" + p.pid())
                    .daemon(true)
                    .start(() -> forward(p));
            return p;
        }
    }

    private void forward(Process p) {
        try (BufferedReader in =
                new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                output.accept(line);
            }
        } catch (IOException e) {
            // the process is gone
        }
    }

    private boolean awaitHealthy(Process p, URI url) {
        long deadline = System.nanoTime() + startTimeout.toNanos();
        HttpRequest health = HttpRequest.newBuilder(url.resolve("/health"))
                .timeout(Duration.ofSeconds(2))
                .GET()
                .build();
        while (!stopped && p.isAlive() && System.nanoTime() < deadline) {
            try {
                if (http.send(health, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return true;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            if (!sleep(HEALTH_PAUSE)) {
                return false;
            }
        }
        return false;
    }

    private void waitFor(Process p) {
        try {
            p.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** False when interrupted (the supervisor is stopping). */
    private boolean sleep(Duration d) {
        if (stopped) {
            return false;
        }
        try {
            Thread.sleep(d);
            return !stopped;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Stops the runner and the supervision; waits until the runner's process is gone. */
    @Override
    public void close() {
        Process p;
        Thread s;
        synchronized (lock) {
            stopped = true;
            p = process;
            s = supervisor;
        }
        base = null;
        if (p != null) {
            terminate(p);
            log.info("local tier runner: stopped (pid {}, exit status {})", p.pid(), p.isAlive() ? "?" : p.exitValue());
        }
        if (s != null) {
            s.interrupt();
        }
        http.close();
    }

    /** Closing its input ends a guarded runner; then SIGTERM, then SIGKILL to it and what it started. */
    private void terminate(Process p) {
        List<ProcessHandle> descendants = p.descendants().toList();
        closeInput(p);
        if (!exited(p, STOP_GRACE)) {
            p.destroy();
            if (!exited(p, STOP_GRACE)) {
                descendants.forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                exited(p, STOP_GRACE);
            }
        }
        descendants.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroy);
    }

    private static void closeInput(Process p) {
        try {
            p.getOutputStream().close();
        } catch (IOException e) {
            // already closed
        }
    }

    private static boolean exited(Process p, Duration d) {
        try {
            return p.waitFor(d.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !p.isAlive();
        }
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port", e);
        }
    }
}
