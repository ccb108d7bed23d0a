package dev.burstgate.gateway.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.burstgate.gateway.usage.CostRecord;
import dev.burstgate.policies.Tier;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LedgerRecordTest {

    @TempDir
    Path dir;

    @Test
    void cutsLongTextToItsColumnWithoutSplittingACharacterAndDropsNulCharacters() {
        assertThat(LedgerRecord.clip("short", 10)).isEqualTo("short");
        assertThat(LedgerRecord.clip("a\0b", 10)).isEqualTo("ab");
        String cut = LedgerRecord.clip("x".repeat(8) + "\uD83D\uDE00" + "tail", 10);
        assertThat(cut).isEqualTo("x".repeat(8) + "\u2026");
        assertThat(cut.length()).isLessThanOrEqualTo(10);
        assertThat(LedgerRecord.clip("y".repeat(600), LedgerRecord.TEXT_WIDTH))
                .hasSize(LedgerRecord.TEXT_WIDTH)
                .endsWith("\u2026");
    }

    @Test
    void keepsMoneyExactUpToTwelveDecimals() {
        CostRecord r = LedgerTestData.record(
                "req_1",
                "acme",
                Instant.parse("2026-11-29T10:00:00.123456789Z"),
                "balanced",
                Tier.LEGACY,
                "1.100000000000000001",
                "1.10",
                1,
                1);
        LedgerRecord l = LedgerRecord.of(r);
        assertThat(l.costUsd()).isEqualByComparingTo("1.1");
        assertThat(l.baselineUsd()).isEqualTo(new BigDecimal("1.1"));
        assertThat(l.time()).isEqualTo(Instant.parse("2026-11-29T10:00:00.123456Z"));
        assertThat(l.attempts()).hasSize(2);
        assertThat(l.finalTier()).isEqualTo("legacy");
        assertThat(l.outcome()).isEqualTo("fallback");
    }

    @Test
    void aJournalLineWrittenBeforeRoutingInputsReadsWithoutThem() {
        LedgerRecord r = LedgerRecord.of(LedgerTestData.record("req_old"));
        String line = LedgerJournal.JSON.writeValueAsString(r);
        assertThat(line).contains(",\"routingInputs\":null");
        LedgerRecord read =
                LedgerJournal.JSON.readValue(line.replace(",\"routingInputs\":null", ""), LedgerRecord.class);
        assertThat(read).isEqualTo(r);
        assertThat(read.routingInputs()).isNull();
    }

    @Test
    void journalLinesReadBackAsTheSameRecords() throws IOException {
        LedgerJournal journal = LedgerJournal.open(
                dir.resolve("journal"),
                null,
                1 << 20,
                java.time.Duration.ofMillis(20),
                System::nanoTime,
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
        List<LedgerRecord> written = List.of(
                LedgerRecord.of(LedgerTestData.record(
                        "req_1",
                        "a,\"b\"\n",
                        Instant.parse("2026-11-29T10:00:00Z"),
                        "balanced",
                        Tier.CLOUD,
                        "0.000000000001",
                        "1.10",
                        5,
                        6)),
                LedgerRecord.of(LedgerTestData.record(
                        "req_2", "acme", Instant.parse("2026-11-29T10:00:00Z"), "balanced", null, "0", "0", 0, 0)));
        LedgerJournal.Segment segment = null;
        for (LedgerRecord r : written) {
            segment = journal.append(r);
        }
        journal.close();
        assertThat(Files.readString(segment.path())).contains("0.000000000001").doesNotContain("E-");
        assertThat(Files.readAllLines(segment.path())).hasSize(2);
        List<LedgerRecord> read = new ArrayList<>();
        assertThat(journal.read(segment, 1, read::addAll)).isTrue();
        assertThat(read).isEqualTo(written);
    }
}
