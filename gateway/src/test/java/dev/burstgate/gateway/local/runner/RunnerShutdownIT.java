package dev.burstgate.gateway.local.runner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.burstgate.engine.model.ModelShape;
import dev.burstgate.gateway.testsupport.LlamaServerRunner;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged gateway in a child JVM, in runner mode: however it ends — stopped (SIGTERM) or killed (SIGKILL, no
 * shutdown hook runs) — it leaves no runner behind: neither the process it started nor the runner's container.
 */
class RunnerShutdownIT {

    static final Duration START = Duration.ofSeconds(120);
    static final Duration GONE = Duration.ofSeconds(20);

    @TempDir
    Path work;

    final LlamaServerRunner runner = LlamaServerRunner.of(ModelShape.TINY);
    final List<Process> gateways = new ArrayList<>();

    @AfterEach
    void cleanUp() {
        gateways.forEach(Process::destroyForcibly);
        runner.removeContainers();
    }

    @Test
    void aStoppedGatewayStopsItsRunner() throws Exception {
        Process gateway = startGateway("stopped");
        List<ProcessHandle> children = gateway.toHandle().descendants().toList();
        assertThat(runner.containers()).hasSize(1);

        gateway.destroy(); // SIGTERM: the graceful shutdown
        assertThat(gateway.waitFor(60, TimeUnit.SECONDS)).isTrue();

        assertGone(children);
    }

    @Test
    void aKilledGatewayLeavesNoRunnerBehind() throws Exception {
        Process gateway = startGateway("killed");
        List<ProcessHandle> children = gateway.toHandle().descendants().toList();
        assertThat(runner.containers()).hasSize(1);

        gateway.destroyForcibly(); // SIGKILL: nothing in the gateway runs any more
        assertThat(gateway.waitFor(30, TimeUnit.SECONDS)).isTrue();

        assertGone(children);
    }

    private void assertGone(List<ProcessHandle> children) throws InterruptedException {
        assertThat(children).as("the runner's processes").isNotEmpty();
        long deadline = System.nanoTime() + GONE.toNanos();
        while (System.nanoTime() < deadline
                && (children.stream().anyMatch(ProcessHandle::isAlive)
                        || !runner.containers().isEmpty())) {
            Thread.sleep(100);
        }
        assertThat(children.stream().filter(ProcessHandle::isAlive).map(p -> p.pid() + " " + p.info()))
                .as("processes the gateway started")
                .isEmpty();
        assertThat(runner.containers()).as("the runner's container").isEmpty();
    }

    private Process startGateway(String name) throws Exception {
        Path jar = Path.of("target", "burstgate.jar").toAbsolutePath();
        assertThat(jar)
                .as("the packaged gateway (run by Failsafe after package)")
                .exists();
        int port = freePort();
        Map<String, String> props = new TreeMap<>(runner.properties());
        props.put("server.port", Integer.toString(port));
        props.put("management.server.port", Integer.toString(freePort()));
        props.put("burstgate.data-dir", work.resolve(name).toString());
        props.put("burstgate.demo", "false");
        props.put("burstgate.tiers.legacy.url", "http://127.0.0.1:9");
        props.put("burstgate.tiers.local.threads", "1");
        String java = ProcessHandle.current().info().command().orElseThrow();
        List<String> cmd =
                new ArrayList<>(List.of(java, "-Xmx256m", "-XX:TieredStopAtLevel=1", "-jar", jar.toString()));
        props.forEach((k, v) -> cmd.add("--" + k + "=" + v));
        Path log = work.resolve("gateway-" + name + ".log");
        Files.createDirectories(work);
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        gateways.add(p);
        long deadline = System.nanoTime() + START.toNanos();
        try (HttpClient http = HttpClient.newHttpClient()) {
            while (true) {
                assertThat(p.isAlive())
                        .as("gateway alive; its log:%n%s", tail(log))
                        .isTrue();
                assertThat(System.nanoTime())
                        .as("gateway ready in time; its log:%n%s", tail(log))
                        .isLessThan(deadline);
                try {
                    HttpResponse<String> models = http.send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/readyz"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
                    if (models.statusCode() == 200 && Files.readString(log).contains("local tier runner: ready")) {
                        return p;
                    }
                } catch (IOException e) {
                    // not listening yet
                }
                Thread.sleep(200);
            }
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return e.toString();
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
