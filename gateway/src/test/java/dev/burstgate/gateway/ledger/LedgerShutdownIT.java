package dev.burstgate.gateway.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.burstgate.gateway.testsupport.DataServices;
import dev.burstgate.gateway.testsupport.PaidApiMock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.SmartLifecycle;
import org.springframework.http.client.ReactorResourceFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * The gateway is closed (what SIGTERM does) while requests keep coming: the web server finishes what it has started
 * and its event loops wind down, then the ledger writes everything it holds to PostgreSQL, so every request that was
 * answered has its row, and its journal is left empty.
 */
class LedgerShutdownIT {

    @Test
    void everyAnsweredRequestHasItsRowInPostgresAfterTheGatewayIsClosedUnderLoad() throws Exception {
        Path dataDir = Files.createTempDirectory("burstgate-ledger-shutdown");
        try (PaidApiMock legacy = new PaidApiMock();
                PostgreSQLContainer pg = DataServices.postgres()) {
            pg.start();
            Map<String, Object> props = LedgerOutageIT.gateway(dataDir, legacy, pg);
            // Nothing is written before the shutdown: a batch would wait 30 s to fill. Only the drain on stop writes.
            props.put("burstgate.ledger.flush-interval", "30s");
            props.put("burstgate.ledger.batch-size", "10000");
            ChatLoad load;
            ConfigurableApplicationContext app = Gateways.start(props);
            try {
                LedgerWriter writer = app.getBean(LedgerWriter.class);
                List<SmartLifecycle> webServer = app.getBeansOfType(SmartLifecycle.class).values().stream()
                        .filter(l -> l.getClass().getName().startsWith("org.springframework.boot.web.server.")
                                || l instanceof ReactorResourceFactory)
                        .toList();
                assertThat(webServer)
                        .extracting(l -> l.getClass().getSimpleName())
                        .contains(
                                "WebServerGracefulShutdownLifecycle",
                                "WebServerStartStopLifecycle",
                                "ReactorResourceFactory");
                assertThat(webServer)
                        .allSatisfy(l -> assertThat(writer.getPhase())
                                .as("the ledger stops after %s", l)
                                .isLessThan(l.getPhase()));

                load = new ChatLoad(Gateways.port(app), LedgerOutageIT.KEY, 3, Duration.ofMillis(10)).start();
                assertThat(LedgerTestData.await(
                                Duration.ofSeconds(180), () -> load.answered().size() >= 150))
                        .isTrue();
                assertThat(LedgerOutageIT.rows(pg)).as("nothing written yet").isZero();
                app.close();
            } finally {
                app.close();
            }
            load.stop();

            Set<String> answered = load.answered();
            Set<String> ids = LedgerOutageIT.ids(pg);
            assertThat(ids).containsAll(answered);
            // Requests under way at the close may have been recorded without their answer reaching the client.
            assertThat(ids.size()).isBetween(answered.size(), load.sent());
            assertThat(LedgerOutageIT.journalSegments(dataDir))
                    .as("everything written: nothing left in the journal")
                    .isEmpty();
            System.out.printf(
                    "LedgerShutdownIT: %d sent, %d answered, %d rows%n", load.sent(), answered.size(), ids.size());
        }
    }
}
