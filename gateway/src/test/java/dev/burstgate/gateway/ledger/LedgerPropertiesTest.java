package dev.burstgate.gateway.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.util.unit.DataSize;

class LedgerPropertiesTest {

    static LedgerProperties bind(Map<String, String> values) {
        return new Binder(new MapConfigurationPropertySource(values))
                .bindOrCreate("burstgate.ledger", LedgerProperties.class);
    }

    @Test
    void defaultsToAQueueOf20000BatchesOf500AndTheSpillFileInTheDataDirectory() {
        LedgerProperties p = bind(Map.of());
        assertThat(p.enabled()).isTrue();
        assertThat(p.queueCapacity()).isEqualTo(20_000);
        assertThat(p.batchSize()).isEqualTo(500);
        assertThat(p.flushInterval()).isEqualTo(Duration.ofMillis(100));
        assertThat(p.maxBackoff()).isEqualTo(Duration.ofSeconds(5));
        assertThat(p.shutdownTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(p.spillFile(Path.of("/var/lib/burstgate")))
                .isEqualTo(Path.of("/var/lib/burstgate/ledger-spill.jsonl"));
        assertThat(p.journal().dir(Path.of("/var/lib/burstgate")))
                .isEqualTo(Path.of("/var/lib/burstgate/ledger-journal"));
        assertThat(p.journal().fsyncInterval()).isEqualTo(Duration.ofMillis(20));
        assertThat(p.journal().segmentSize()).isEqualTo(DataSize.ofMegabytes(8));
        assertThat(p.journal()).isEqualTo(LedgerProperties.Journal.ofDefaults(null));
        assertThat(p.routingInputs()).isTrue();
    }

    @Test
    void routingInputsCanBeTurnedOff() {
        assertThat(bind(Map.of("burstgate.ledger.routing-inputs", "false")).routingInputs())
                .isFalse();
    }

    @Test
    void bindsEverySetting() {
        LedgerProperties p = bind(Map.of(
                "burstgate.ledger.enabled",
                "false",
                "burstgate.ledger.queue-capacity",
                "50",
                "burstgate.ledger.batch-size",
                "20",
                "burstgate.ledger.flush-interval",
                "1s",
                "burstgate.ledger.max-backoff",
                "2s",
                "burstgate.ledger.shutdown-timeout",
                "10s",
                "burstgate.ledger.spill-file",
                "/tmp/spill.jsonl",
                "burstgate.ledger.journal.dir",
                "/var/journal",
                "burstgate.ledger.journal.fsync-interval",
                "50ms",
                "burstgate.ledger.journal.segment-size",
                "1MB"));
        assertThat(p)
                .isEqualTo(new LedgerProperties(
                        false,
                        50,
                        20,
                        Duration.ofSeconds(1),
                        Duration.ofSeconds(2),
                        Duration.ofSeconds(10),
                        Path.of("/tmp/spill.jsonl"),
                        new LedgerProperties.Journal(
                                Path.of("/var/journal"), Duration.ofMillis(50), DataSize.ofMegabytes(1)),
                        true));
        assertThat(p.spillFile(Path.of("/data"))).isEqualTo(Path.of("/tmp/spill.jsonl"));
        assertThat(p.journal().dir(Path.of("/data"))).isEqualTo(Path.of("/var/journal"));
    }

    @Test
    void refusesAJournalSegmentSmallerThan64KbAndAFsyncIntervalThatIsNotPositiveNamingThem() {
        assertThatThrownBy(() -> bind(Map.of("burstgate.ledger.journal.segment-size", "1KB")))
                .isInstanceOf(BindException.class)
                .rootCause()
                .hasMessageContaining("burstgate.ledger.journal.segment-size")
                .hasMessageContaining("1024B");
        assertThatThrownBy(() -> bind(Map.of("burstgate.ledger.journal.fsync-interval", "0ms")))
                .isInstanceOf(BindException.class)
                .rootCause()
                .hasMessageContaining("burstgate.ledger.journal.fsync-interval")
                .hasMessageContaining("PT0S");
    }

    @Test
    void refusesADurationThatIsNotPositiveNamingIt() {
        assertThatThrownBy(() -> bind(Map.of("burstgate.ledger.flush-interval", "0s")))
                .isInstanceOf(BindException.class)
                .rootCause()
                .hasMessageContaining("burstgate.ledger.flush-interval")
                .hasMessageContaining("PT0S");
    }
}
