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
    void aJournalLineWrittenBeforeAttemptsHadAConfidenceAndALatencyStillReads() {
        String line =
                "{\"id\":\"req_old\",\"tenant\":\"acme\",\"time\":\"2026-11-29T10:00:00Z\",\"policy\":\"balanced\","
                        + "\"complexity\":0.3,\"decidedTier\":\"local\",\"finalTier\":\"local\",\"promptTokens\":5,"
                        + "\"completionTokens\":6,\"costUsd\":0.02,\"baselineUsd\":1.1,\"savingUsd\":1.08,\"ttfbMs\":3,"
                        + "\"latencyMs\":4,\"cacheHit\":false,\"stream\":false,\"outcome\":\"ok\",\"reason\":\"r\","
                        + "\"attempts\":[{\"tier\":\"local\",\"endpoint\":\"in-process\",\"outcome\":\"ok\",\"promptTokens\":5,"
                        + "\"completionTokens\":6,\"usageEstimated\":false,\"costUsd\":0.02,\"error\":null}]}";
        LedgerRecord r = LedgerJournal.JSON.readValue(line, LedgerRecord.class);
        assertThat(r.attempts()).hasSize(1);
        LedgerRecord.Attempt a = r.attempts().get(0);
        assertThat(a.costUsd()).isEqualByComparingTo("0.02");
        assertThat(a.judged()).isFalse();
        assertThat(a.confidence()).isNull();
        assertThat(a.latencyMs()).isNull();
    }

    @Test
    void anEscalatedAttemptKeepsItsConfidenceAndLatencyThroughTheJournalLine() {
        CostRecord c = LedgerTestData.record(
                "req_c", "acme", Instant.parse("2026-11-29T10:00:00Z"), "balanced", Tier.CLOUD, "0.2", "1.1", 5, 6);
        List<dev.burstgate.gateway.usage.AttemptRecord> attempts = new ArrayList<>(c.attempts());
        attempts.set(
                0,
                new dev.burstgate.gateway.usage.AttemptRecord(
                        Tier.LOCAL,
                        "in-process",
                        dev.burstgate.gateway.usage.Outcome.ESCALATED,
                        new dev.burstgate.policies.cost.Usage(5, 6),
                        false,
                        dev.burstgate.policies.cost.Usd.of("0.02"),
                        "local confidence 0.41 < 0.55",
                        true,
                        0.4137,
                        java.time.Duration.ofMillis(1234)));
        CostRecord escalated = new CostRecord(
                c.requestId(),
                c.tenant(),
                c.time(),
                c.policy(),
                c.complexity(),
                c.decidedTier(),
                c.finalTier(),
                c.usage(),
                c.cost(),
                c.baseline(),
                c.timeToFirstByte(),
                c.latency(),
                c.cacheHit(),
                c.stream(),
                c.outcome(),
                c.reason(),
                attempts);
        LedgerRecord l = LedgerRecord.of(escalated);
        assertThat(l.attempts().get(0).outcome()).isEqualTo("escalated");
        assertThat(l.attempts().get(0).judged()).isTrue();
        assertThat(l.attempts().get(0).confidence()).isEqualTo(0.4137);
        assertThat(l.attempts().get(0).latencyMs()).isEqualTo(1234L);
        LedgerRecord back = LedgerJournal.JSON.readValue(LedgerJournal.line(l), LedgerRecord.class);
        assertThat(back).isEqualTo(l);
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
    void aShadowJournalLineWrittenBeforeUsageEstimatedReadsAsUnknown() {
        LedgerRecord r = LedgerRecord.of(LedgerTestData.shadow("req_old", 0, "1.10", null));
        String line = LedgerJournal.JSON.writeValueAsString(r);
        assertThat(line).contains(",\"usageEstimated\":false");
        LedgerRecord read =
                LedgerJournal.JSON.readValue(line.replace(",\"usageEstimated\":false", ""), LedgerRecord.class);
        assertThat(read.shadow()).isNotNull();
        // NULL in the column: not known to be legacy's own count, so never a baseline sample
        assertThat(read.shadow().usageEstimated()).isNull();
        assertThat(read.shadow().judgeCostUsd()).isEqualByComparingTo("0.18");
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
                        "req_2", "acme", Instant.parse("2026-11-29T10:00:00Z"), "balanced", null, "0", "0", 0, 0)),
                LedgerRecord.of(LedgerTestData.shadow("req_1", 0, "1.100000000001", null)));
        LedgerJournal.Segment segment = null;
        for (LedgerRecord r : written) {
            segment = journal.append(r);
        }
        journal.close();
        assertThat(Files.readString(segment.path())).contains("0.000000000001").doesNotContain("E-");
        assertThat(Files.readAllLines(segment.path())).hasSize(written.size());
        List<LedgerRecord> read = new ArrayList<>();
        assertThat(journal.read(segment, 1, read::addAll)).isTrue();
        assertThat(read).isEqualTo(written);
    }
}
