package dev.burstgate.gateway.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import dev.burstgate.gateway.tenant.ApiKeys;
import dev.burstgate.gateway.testsupport.DataServices;
import dev.burstgate.gateway.testsupport.PaidApiMock;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * A running gateway under load loses its PostgreSQL ledger for 30 seconds: requests keep being answered, what the
 * ledger's (small) queue cannot hold waits in its journal, and once PostgreSQL is back the journal is replayed and
 * every answered request ends up in the ledger exactly once. PostgreSQL keeps its host port across the stop and start,
 * as a database server would.
 */
class LedgerOutageIT {

    static final String KEY = "sk-outage";
    static final Duration OUTAGE = Duration.ofSeconds(30);

    @Test
    void everyAnsweredRequestIsInTheLedgerExactlyOnceAfterA30SecondDatabaseOutage() throws Exception {
        int hostPort = freePort();
        Path dataDir = Files.createTempDirectory("burstgate-ledger-outage");
        try (PaidApiMock legacy = new PaidApiMock();
                PostgreSQLContainer pg = DataServices.postgres().withCreateContainerCmdModifier(cmd -> {
                    HostConfig host = cmd.getHostConfig() != null ? cmd.getHostConfig() : HostConfig.newHostConfig();
                    cmd.withHostConfig(host.withPortBindings(new PortBinding(
                            Ports.Binding.bindPort(hostPort), new ExposedPort(PostgreSQLContainer.POSTGRESQL_PORT))));
                })) {
            pg.start();
            assertThat(pg.getMappedPort(PostgreSQLContainer.POSTGRESQL_PORT)).isEqualTo(hostPort);
            Map<String, Object> props = gateway(dataDir, legacy, pg);
            props.put("burstgate.ledger.queue-capacity", "50");
            props.put("burstgate.ledger.batch-size", "20");
            props.put("burstgate.ledger.max-backoff", "1s");
            props.put("spring.datasource.hikari.connection-timeout", "1000");
            try (ConfigurableApplicationContext app = Gateways.start(props)) {
                MeterRegistry meters = app.getBean(MeterRegistry.class);
                ChatLoad load = new ChatLoad(Gateways.port(app), KEY, 3, Duration.ofMillis(20)).start();
                try {
                    assertThat(LedgerTestData.await(
                                    Duration.ofSeconds(180),
                                    () -> count(meters, "burstgate.ledger.records.written") >= 50))
                            .as("the ledger writes while PostgreSQL is up")
                            .isTrue();

                    DockerClient docker = DockerClientFactory.instance().client();
                    docker.stopContainerCmd(pg.getContainerId()).withTimeout(1).exec();
                    long down = System.nanoTime();
                    assertThat(LedgerTestData.await(OUTAGE, () -> count(meters, "burstgate.ledger.overflow") > 0))
                            .as("records overflow the queue while PostgreSQL is down (they are in the journal)")
                            .isTrue();
                    int answeredBefore = load.answered().size();
                    // The outage itself: 30 s of load with PostgreSQL stopped is what this test is about, not a
                    // condition.
                    Thread.sleep(OUTAGE.minusNanos(System.nanoTime() - down));
                    assertThat(load.answered().size())
                            .as("requests are answered during the outage")
                            .isGreaterThan(answeredBefore);
                    docker.startContainerCmd(pg.getContainerId()).exec();
                    assertThat(LedgerTestData.await(Duration.ofSeconds(180), () -> accepts(pg)))
                            .isTrue();

                    assertThat(LedgerTestData.await(
                                    Duration.ofSeconds(180), () -> count(meters, "burstgate.ledger.replayed") > 0))
                            .as("the journal is replayed once PostgreSQL is back")
                            .isTrue();
                    Thread.sleep(Duration.ofSeconds(2)); // a little more load on the recovered ledger
                } finally {
                    load.stop();
                }
                Set<String> answered = load.answered();
                assertThat(load.otherStatus())
                        .as("no request failed because of the ledger")
                        .isZero();
                assertThat(load.ioErrors()).isZero();
                assertThat(LedgerTestData.await(Duration.ofSeconds(180), () -> rows(pg) >= answered.size()))
                        .isTrue();
                assertThat(LedgerTestData.await(
                                Duration.ofSeconds(180),
                                () -> journalSegments(dataDir).size() <= 1))
                        .as("replayed segments are deleted; the one taking appends is left")
                        .isTrue();

                Set<String> ids = ids(pg);
                assertThat(ids).hasSize(answered.size()).containsAll(answered);
                assertThat(rows(pg)).isEqualTo(answered.size());
                try (Connection c = connect(pg);
                        Statement s = c.createStatement();
                        ResultSet rs =
                                s.executeQuery("SELECT COUNT(*), COUNT(DISTINCT request_id) FROM ledger_attempt")) {
                    rs.next();
                    assertThat(rs.getLong(1))
                            .as("one attempt per request (legacy answered)")
                            .isEqualTo(answered.size());
                    assertThat(rs.getLong(2)).isEqualTo(answered.size());
                }
                assertThat(count(meters, "burstgate.ledger.overflow")).isPositive();
                assertThat(count(meters, "burstgate.ledger.replayed"))
                        .isGreaterThanOrEqualTo(count(meters, "burstgate.ledger.overflow"));
                assertThat(count(meters, "burstgate.ledger.write.failures")).isPositive();
                assertThat(count(meters, "burstgate.ledger.lost")).isZero();
                System.out.printf(
                        "LedgerOutageIT: %d answered, %d rows, overflow %.0f, replayed %.0f, failed tries %.0f%n",
                        answered.size(),
                        ids.size(),
                        count(meters, "burstgate.ledger.overflow"),
                        count(meters, "burstgate.ledger.replayed"),
                        count(meters, "burstgate.ledger.write.failures"));
            }
            assertThat(journalSegments(dataDir))
                    .as("stopped with everything written: nothing left to replay")
                    .isEmpty();
        }
    }

    static Map<String, Object> gateway(Path dataDir, PaidApiMock legacy, PostgreSQLContainer pg) {
        Map<String, Object> p = new HashMap<>();
        p.put("server.port", "0");
        p.put("burstgate.data-dir", dataDir.toString());
        p.put("burstgate.demo", "false");
        p.put("burstgate.tiers.local.enabled", "false");
        p.put("burstgate.tiers.legacy.url", legacy.baseUrl().toString());
        p.put("burstgate.cache.enabled", "false");
        p.put("burstgate.tenants[0].name", "load");
        p.put("burstgate.tenants[0].key-sha256", ApiKeys.sha256(KEY));
        p.put("burstgate.tenants[0].requests-per-second", "100000");
        p.put("spring.datasource.url", pg.getJdbcUrl());
        p.put("spring.datasource.username", pg.getUsername());
        p.put("spring.datasource.password", pg.getPassword());
        return p;
    }

    static double count(MeterRegistry meters, String counter) {
        return meters.get(counter).counter().count();
    }

    static Connection connect(PostgreSQLContainer pg) throws SQLException {
        return DriverManager.getConnection(pg.getJdbcUrl(), pg.getUsername(), pg.getPassword());
    }

    static boolean accepts(PostgreSQLContainer pg) {
        try (Connection c = connect(pg)) {
            return c.isValid(1);
        } catch (SQLException e) {
            return false;
        }
    }

    static long rows(PostgreSQLContainer pg) {
        try (Connection c = connect(pg);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM ledger_request")) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            return -1;
        }
    }

    static Set<String> ids(PostgreSQLContainer pg) throws SQLException {
        Set<String> ids = new HashSet<>();
        try (Connection c = connect(pg);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT id FROM ledger_request")) {
            while (rs.next()) {
                ids.add(rs.getString(1));
            }
        }
        return ids;
    }

    /** The ledger journal's segment files under {@code dataDir}. */
    static List<Path> journalSegments(Path dataDir) {
        Path dir = dataDir.resolve(LedgerProperties.DEFAULT_JOURNAL_DIR_NAME);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (var files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().startsWith(LedgerJournal.SEGMENT_PREFIX))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
