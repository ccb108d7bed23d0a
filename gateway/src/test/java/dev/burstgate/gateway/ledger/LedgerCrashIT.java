package dev.burstgate.gateway.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.burstgate.gateway.tenant.ApiKeys;
import dev.burstgate.gateway.testsupport.DataServices;
import dev.burstgate.gateway.testsupport.PaidApiMock;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.testcontainers.postgresql.PostgreSQLContainer;
import tools.jackson.databind.json.JsonMapper;

/**
 * The packaged gateway ({@code gateway/target/burstgate.jar}) runs as a child JVM under load and is killed with
 * SIGKILL, twice: first while its PostgreSQL is down (the gateway was even started without it), then with PostgreSQL
 * up but every record still waiting in the writer's memory (a batch would take a minute to fill). Each time the
 * gateway is started again on the same data directory, and every request whose answer the client received in full is
 * in {@code ledger_request} exactly once: the journal made each record durable before its answer was complete.
 */
class LedgerCrashIT {

    static final String KEY = LedgerOutageIT.KEY;
    static final String ADMIN = "sk-crash-admin";
    static final int THREADS = 4;
    /** About 20 requests a second from {@value #THREADS} clients. */
    static final Duration PAUSE = Duration.ofMillis(150);

    static final Duration LOAD = Duration.ofSeconds(5);
    /**
     * How long a child gateway may take to be ready: a few seconds normally, minutes under the year-ahead check
     * (libfaketime slows every clock read of the starting JVM); the wait ends as soon as it is ready.
     */
    static final Duration START_TIMEOUT = Duration.ofSeconds(300);

    static final int SIGKILL_EXIT = 128 + 9;

    static final JsonMapper JSON = JsonMapper.builder().build();
    final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    final List<Process> children = new ArrayList<>();
    final Map<Process, Path> logs = new java.util.HashMap<>();
    Path work;

    @AfterEach
    void killChildren() {
        children.forEach(Process::destroyForcibly);
    }

    @Test
    void everyAnsweredRequestIsInTheLedgerExactlyOnceAfterTheGatewayIsKilledWithPostgresDownOrWithRecordsQueued()
            throws Exception {
        Path jar = Path.of("target", "burstgate.jar").toAbsolutePath();
        assertThat(jar)
                .as("the packaged gateway (built by the package phase, before integration tests)")
                .exists();
        work = Files.createTempDirectory("burstgate-ledger-crash");
        Path dataDir = Files.createDirectories(work.resolve("data"));
        try (PaidApiMock legacy = new PaidApiMock();
                PostgreSQLContainer pg = DataServices.postgres()) {
            // 1. The ledger's database is down (nothing listens on its port) from before the gateway starts: the
            // gateway
            // starts, serves, and journals. PostgreSQL starts meanwhile, for the next gateways.
            CompletableFuture<Void> postgres = CompletableFuture.runAsync(pg::start);
            Map<String, String> down = gateway(dataDir, legacy);
            down.put(
                    "spring.datasource.url", "jdbc:postgresql://localhost:" + LedgerOutageIT.freePort() + "/burstgate");
            down.put("spring.datasource.username", "burstgate");
            down.put("spring.datasource.password", "burstgate");
            int port = LedgerOutageIT.freePort();
            Process first = start(jar, down, port, "1");
            awaitReady(first, port);
            assertThat(get(port, "/livez").statusCode()).isEqualTo(200);
            assertThat(get(port, "/readyz").statusCode()).isEqualTo(200);
            assertThat(get(port, "/actuator/health").statusCode())
                    .as("the API port's health: ready")
                    .isEqualTo(200);
            HttpResponse<String> health = get(managementPorts.get(port), "/actuator/health");
            assertThat(JSON.readTree(health.body()).at("/components/db/status").asString())
                    .as("the health endpoint shows the ledger's database: %s", health.body())
                    .isEqualTo("DOWN");
            HttpResponse<String> report = get(port, "/admin/costs/summary", "Bearer " + ADMIN);
            assertThat(report.statusCode()).isEqualTo(503);
            assertThat(JSON.readTree(report.body()).at("/error/code").asString())
                    .isEqualTo("ledger_unavailable");

            Set<String> answeredDown = loadThenKill(first, port);
            assertThat(LedgerOutageIT.journalSegments(dataDir))
                    .as("the records are in the journal")
                    .isNotEmpty();

            // 2. Restarted on PostgreSQL, the gateway replays the journal. Its writer would wait a minute for a batch,
            // so
            // the records of the next load stay in memory until the gateway is killed again.
            postgres.get(2, TimeUnit.MINUTES);
            Map<String, String> props = gateway(dataDir, legacy);
            props.put("spring.datasource.url", pg.getJdbcUrl());
            props.put("spring.datasource.username", pg.getUsername());
            props.put("spring.datasource.password", pg.getPassword());
            Map<String, String> queued = new TreeMap<>(props);
            queued.put("burstgate.ledger.flush-interval", "60s");
            queued.put("burstgate.ledger.batch-size", "10000");
            port = LedgerOutageIT.freePort();
            Process second = start(jar, queued, port, "2");
            awaitReady(second, port);
            int p2 = port;
            assertThat(LedgerTestData.await(
                            Duration.ofSeconds(60),
                            () -> metric(p2, "burstgate_ledger_journal_segments") == 0
                                    && LedgerOutageIT.rows(pg) >= answeredDown.size()))
                    .as("the journal is replayed and deleted")
                    .isTrue();
            Set<String> ids = LedgerOutageIT.ids(pg);
            assertThat(ids).containsAll(answeredDown);
            assertThat(ids.size() - answeredDown.size())
                    .as("recorded, then killed before the answer was complete")
                    .isBetween(0, THREADS);
            assertThat(metric(port, "burstgate_ledger_replayed_total")).isEqualTo(ids.size());

            long before = LedgerOutageIT.rows(pg);
            double replayed = metric(port, "burstgate_ledger_replayed_total");
            Set<String> answeredQueued = loadThenKill(second, port, () -> {
                assertThat(metric(p2, "burstgate_ledger_records_written_total"))
                        .as("nothing written but the replay")
                        .isEqualTo(replayed);
                assertThat(LedgerOutageIT.rows(pg))
                        .as("nothing written before the kill")
                        .isEqualTo(before);
            });

            // 3. Started again with the defaults: everything answered is in the ledger, once.
            port = LedgerOutageIT.freePort();
            Process third = start(jar, props, port, "3");
            awaitReady(third, port);
            Set<String> answered = new HashSet<>(answeredDown);
            answered.addAll(answeredQueued);
            assertThat(LedgerTestData.await(Duration.ofSeconds(60), () -> LedgerOutageIT.rows(pg) >= answered.size()))
                    .isTrue();
            int p3 = port;
            assertThat(LedgerTestData.await(
                            Duration.ofSeconds(30), () -> metric(p3, "burstgate_ledger_journal_segments") == 0))
                    .isTrue();
            ids = LedgerOutageIT.ids(pg);
            assertThat(ids).containsAll(answered);
            assertThat(ids.size() - answered.size()).isBetween(0, 2 * THREADS);
            try (Connection c = LedgerOutageIT.connect(pg);
                    Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT COUNT(*), COUNT(DISTINCT id) FROM ledger_request")) {
                rs.next();
                assertThat(rs.getLong(1)).isEqualTo(ids.size()).isEqualTo(rs.getLong(2));
            }
            try (Connection c = LedgerOutageIT.connect(pg);
                    Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT COUNT(*), COUNT(DISTINCT request_id) FROM ledger_attempt")) {
                rs.next();
                assertThat(rs.getLong(1))
                        .as("one attempt per request (legacy answered)")
                        .isEqualTo(ids.size());
                assertThat(rs.getLong(2)).isEqualTo(ids.size());
            }
            assertThat(metric(port, "burstgate_ledger_lost_total")).isZero();
            System.out.printf(
                    "LedgerCrashIT: %d answered with PostgreSQL down, %d answered while queued; %d rows%n",
                    answeredDown.size(), answeredQueued.size(), ids.size());
            third.destroy();
            assertThat(third.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
    }

    /** A gateway answering from the legacy tier only (the paid API mock), as {@link LedgerOutageIT} runs it. */
    static Map<String, String> gateway(Path dataDir, PaidApiMock legacy) {
        Map<String, String> p = new TreeMap<>();
        p.put("burstgate.data-dir", dataDir.toString());
        p.put("burstgate.demo", "false");
        p.put("burstgate.tiers.local.enabled", "false");
        p.put("burstgate.tiers.legacy.url", legacy.baseUrl().toString());
        p.put("burstgate.cache.enabled", "false");
        p.put("burstgate.tenants[0].name", "load");
        p.put("burstgate.tenants[0].key-sha256", ApiKeys.sha256(KEY));
        p.put("burstgate.tenants[0].requests-per-second", "100000");
        p.put("burstgate.admin-key-sha256", ApiKeys.sha256(ADMIN));
        p.put("management.endpoint.health.show-components", "always");
        p.put("spring.datasource.hikari.connection-timeout", "2500");
        return p;
    }

    /** The management port (health details, Prometheus) of the gateway on each API port. */
    final Map<Integer, Integer> managementPorts = new java.util.concurrent.ConcurrentHashMap<>();

    /** Starts {@code java -jar burstgate.jar --k=v...} with the JDK running this test; its output goes to a file. */
    Process start(Path jar, Map<String, String> props, int port, String name) throws IOException {
        String java = ProcessHandle.current().info().command().orElseThrow();
        List<String> cmd =
                new ArrayList<>(List.of(java, "-Xmx384m", "-XX:TieredStopAtLevel=1", "-jar", jar.toString()));
        Map<String, String> args = new TreeMap<>(props);
        args.put("server.port", Integer.toString(port));
        int management = LedgerOutageIT.freePort();
        args.put("management.server.port", Integer.toString(management));
        managementPorts.put(port, management);
        args.forEach((k, v) -> cmd.add("--" + k + "=" + v));
        Path log = work.resolve("gateway-" + name + ".log");
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        children.add(p);
        logs.put(p, log);
        return p;
    }

    void awaitReady(Process p, int port) throws IOException {
        boolean ready = LedgerTestData.await(START_TIMEOUT, () -> {
            if (!p.isAlive()) {
                return true;
            }
            try {
                return get(port, "/readyz").statusCode() == 200;
            } catch (IOException e) {
                return false;
            }
        });
        assertThat(p.isAlive() && ready)
                .as("the gateway started; its log:%n%s", tail(p))
                .isTrue();
    }

    Set<String> loadThenKill(Process gateway, int port) throws Exception {
        return loadThenKill(gateway, port, () -> {});
    }

    /** {@value #THREADS} clients for {@link #LOAD}, then {@code check}, then SIGKILL while the clients keep sending. */
    Set<String> loadThenKill(Process gateway, int port, ThrowingRunnable check) throws Exception {
        ChatLoad load = new ChatLoad(port, KEY, THREADS, PAUSE).start();
        Set<String> answered;
        try {
            Thread.sleep(LOAD); // the load itself: this test is about what a few seconds of traffic leave behind
            check.run();
        } finally {
            gateway.destroyForcibly();
            assertThat(gateway.waitFor(30, TimeUnit.SECONDS)).isTrue();
            load.stop();
        }
        assertThat(gateway.exitValue()).as("killed by SIGKILL").isEqualTo(SIGKILL_EXIT);
        answered = Set.copyOf(load.answered());
        assertThat(load.otherStatus()).as("every answer was a 200").isZero();
        assertThat(answered.size()).as("requests answered before the kill").isGreaterThanOrEqualTo(40);
        return answered;
    }

    @FunctionalInterface
    interface ThrowingRunnable {
        void run() throws Exception;
    }

    HttpResponse<String> get(int port, String path) throws IOException {
        return get(port, path, null);
    }

    HttpResponse<String> get(int port, String path, @org.jspecify.annotations.Nullable String authorization)
            throws IOException {
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .timeout(Duration.ofSeconds(10));
        if (authorization != null) {
            req.header("Authorization", authorization);
        }
        try {
            return http.send(req.build(), HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    /** One sample of the gateway's Prometheus scrape (summed over its series); -1 when it cannot be read. */
    double metric(int port, String name) {
        try {
            double sum = 0;
            boolean found = false;
            for (String line : get(managementPorts.get(port), "/actuator/prometheus")
                    .body()
                    .split("\n")) {
                if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
                    sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                    found = true;
                }
            }
            return found ? sum : -1;
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    /** The last lines the child wrote. */
    String tail(Process p) {
        try {
            List<String> lines = Files.readAllLines(logs.get(p));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }
}
