package dev.burstgate.gateway.ledger;

import static dev.burstgate.gateway.ledger.LedgerTestData.record;
import static org.assertj.core.api.Assertions.assertThat;

import dev.burstgate.gateway.ledger.CostReports.Group;
import dev.burstgate.gateway.ledger.CostReports.GroupKey;
import dev.burstgate.gateway.ledger.CostReports.Summary;
import dev.burstgate.gateway.ledger.CostReports.Totals;
import dev.burstgate.policies.Tier;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The cost reports' queries, one body for every database the ledger runs on: H2 in PostgreSQL mode
 * ({@link CostReportsH2Test}) and PostgreSQL ({@link CostReportsPostgresIT}).
 */
abstract class CostReportsContract {

    static final Instant FROM = Instant.parse("2026-11-28T00:00:00Z");
    static final Instant TO = Instant.parse("2026-11-30T00:00:00Z");

    abstract DataSource dataSource();

    CostReports reports;

    @BeforeEach
    void load() {
        JdbcTemplate jdbc = new JdbcTemplate(dataSource());
        jdbc.update("DELETE FROM ledger_shadow");
        jdbc.update("DELETE FROM ledger_attempt");
        jdbc.update("DELETE FROM ledger_request");
        reports = new CostReports(dataSource());
        new LedgerStore(dataSource())
                .insert(Stream.of(
                                // The last microsecond of Nov 28 (UTC) and the first of Nov 29: different days.
                                record(
                                        "req_1",
                                        "acme",
                                        Instant.parse("2026-11-28T23:59:59.999999Z"),
                                        "balanced",
                                        Tier.LOCAL,
                                        "0.02",
                                        "1.10",
                                        10,
                                        5),
                                record(
                                        "req_2",
                                        "acme",
                                        Instant.parse("2026-11-29T00:00:00Z"),
                                        "balanced",
                                        Tier.CLOUD,
                                        "0.18",
                                        "1.10",
                                        20,
                                        10),
                                record(
                                        "req_3",
                                        "beta",
                                        Instant.parse("2026-11-29T12:00:00Z"),
                                        "cost-saver",
                                        Tier.LEGACY,
                                        "1.10",
                                        "1.10",
                                        30,
                                        15),
                                // Rejected before routing: no tier, nothing spent, no baseline.
                                record(
                                        "req_4",
                                        "beta",
                                        Instant.parse("2026-11-29T13:00:00Z"),
                                        "cost-saver",
                                        null,
                                        "0",
                                        "0",
                                        0,
                                        0),
                                // Outside [FROM, TO): exactly at TO, and before FROM.
                                record("req_5", "acme", TO, "balanced", Tier.CLOUD, "0.18", "1.10", 1, 1),
                                record(
                                        "req_6",
                                        "acme",
                                        Instant.parse("2026-11-27T23:00:00Z"),
                                        "balanced",
                                        Tier.CLOUD,
                                        "0.18",
                                        "1.10",
                                        1,
                                        1))
                        .map(LedgerRecord::of)
                        .toList());
        // Shadow calls to legacy (each with a $0.18 judge call): req_1 (local, $1.10 recorded baseline) cost legacy
        // $1.30, req_2 (cloud, $1.10) $0.88. Not samples: an estimate (req_2 again), a request legacy answered (req_3),
        // a request outside the range (req_5).
        new LedgerStore(dataSource())
                .insert(Stream.of(
                                LedgerTestData.shadow("req_1", 0, "1.48", null),
                                LedgerTestData.shadow("req_2", 0, "1.06", null),
                                LedgerTestData.shadow("req_2", 1, "5.00", null, true),
                                LedgerTestData.shadow("req_3", 0, "5.00", null),
                                LedgerTestData.shadow("req_5", 0, "5.00", null))
                        .map(LedgerRecord::of)
                        .toList());
    }

    @Test
    void measuresTheBaselineOnShadowCallsToLegacyOfRequestsLocalOrCloudAnswered() {
        Totals t = reports.summary(FROM, TO, List.of()).totals();
        assertThat(t.legacyBaselineUsd()).isEqualByComparingTo("1.10");
        assertThat(t.baselineSamples().samples()).isEqualTo(2);
        assertThat(t.baselineSamples().sumAssumed()).isEqualByComparingTo("2.20");
        assertThat(t.baselineSamples().sumMeasured()).isEqualByComparingTo("2.18");
        assertThat(t.baselineSamples().sumMeasuredSquared()).isEqualByComparingTo("2.4644");
        assertThat(t.baselineSamples().sumProducts()).isEqualByComparingTo("2.398");
        CostReports.MeasuredBaseline m = t.measured();
        assertThat(m).isNotNull();
        // legacy's own $1.10 + $2.20 × (2.18 / 2.20)
        assertThat(m.baselineUsd()).isEqualByComparingTo("3.28");
        assertThat(m.savingUsd()).isEqualByComparingTo("1.98");
        // two pairs far apart: a wide interval, clamped at zero below
        assertThat(m.ratioLow()).isEqualByComparingTo("0");
        assertThat(m.baselineLowUsd()).isEqualByComparingTo("1.10");
        assertThat(m.ratioHigh()).isGreaterThan(new BigDecimal("2"));

        Summary byTier = reports.summary(FROM, TO, List.of(GroupKey.TIER));
        assertThat(byTier.groups())
                .extracting(g -> g.totals().baselineSamples().samples())
                .containsExactly(1L, 0L, 1L, 0L);
        CostReports.MeasuredBaseline cloud = byTier.groups().get(0).totals().measured();
        assertThat(cloud).isNotNull();
        assertThat(cloud.ratio()).isEqualByComparingTo("0.8");
        assertThat(cloud.baselineUsd()).isEqualByComparingTo("0.88");
        assertThat(cloud.ratioLow()).isNull();
        assertThat(byTier.groups().get(1).totals().measured()).isNull();
        assertThat(byTier.totals().measured().baselineUsd()).isEqualByComparingTo("3.28");

        Summary byDay = reports.summary(FROM, TO, List.of(GroupKey.DAY, GroupKey.POLICY));
        assertThat(byDay.groups())
                .extracting(g -> g.totals().baselineSamples().samples())
                .containsExactly(1L, 1L, 0L);
    }

    @Test
    void sumsEveryRequestInTheRangeExactlyWhenNotGrouped() {
        Summary s = reports.summary(FROM, TO, List.of());
        assertThat(s.groups()).isEmpty();
        Totals t = s.totals();
        assertThat(t.requests()).isEqualTo(4);
        assertThat(t.promptTokens()).isEqualTo(60);
        assertThat(t.completionTokens()).isEqualTo(30);
        assertThat(t.totalTokens()).isEqualTo(90);
        assertThat(t.costUsd()).isEqualByComparingTo("1.30");
        assertThat(t.baselineUsd()).isEqualByComparingTo("3.30");
        assertThat(t.savingUsd()).isEqualByComparingTo("2.00");
        assertThat(t.savingPercent()).isEqualTo(new BigDecimal("60.61"));
    }

    @Test
    void groupsByTenantAndTierInKeyOrderWithNoneForRequestsThatReachedNoTier() {
        Summary s = reports.summary(FROM, TO, List.of(GroupKey.TENANT, GroupKey.TIER));
        assertThat(s.groups())
                .extracting(Group::keys)
                .containsExactly(
                        List.of("acme", "cloud"),
                        List.of("acme", "local"),
                        List.of("beta", "legacy"),
                        List.of("beta", "none"));
        assertThat(s.groups()).extracting(g -> g.totals().requests()).containsExactly(1L, 1L, 1L, 1L);
        Totals none = s.groups().get(3).totals();
        assertThat(none.savingPercent()).isNull();
        assertThat(s.groups().get(0).totals().costUsd()).isEqualByComparingTo("0.18");
        assertThat(s.totals().costUsd()).isEqualByComparingTo("1.30");
    }

    @Test
    void keepsTheRequestedKeyOrder() {
        Summary s = reports.summary(FROM, TO, List.of(GroupKey.TIER, GroupKey.TENANT));
        assertThat(s.groups())
                .extracting(Group::keys)
                .containsExactly(
                        List.of("cloud", "acme"),
                        List.of("legacy", "beta"),
                        List.of("local", "acme"),
                        List.of("none", "beta"));
    }

    @Test
    void groupsByUtcDay() {
        Summary s = reports.summary(FROM, TO, List.of(GroupKey.DAY));
        assertThat(s.groups()).extracting(Group::keys).containsExactly(List.of("2026-11-28"), List.of("2026-11-29"));
        assertThat(s.groups()).extracting(g -> g.totals().requests()).containsExactly(1L, 3L);
        assertThat(s.groups().get(1).totals().costUsd()).isEqualByComparingTo("1.28");
    }

    @Test
    void groupsByPolicyAndDay() {
        Summary s = reports.summary(FROM, TO, List.of(GroupKey.POLICY, GroupKey.DAY));
        assertThat(s.groups())
                .extracting(Group::keys)
                .containsExactly(
                        List.of("balanced", "2026-11-28"),
                        List.of("balanced", "2026-11-29"),
                        List.of("cost-saver", "2026-11-29"));
    }

    @Test
    void includesFromAndExcludesTo() {
        Instant from = Instant.parse("2026-11-29T00:00:00Z");
        assertThat(reports.summary(from, Instant.parse("2026-11-29T12:00:00Z"), List.of())
                        .totals()
                        .requests())
                .isEqualTo(1);
        assertThat(reports.summary(from, Instant.parse("2026-11-29T12:00:00.000001Z"), List.of())
                        .totals()
                        .requests())
                .isEqualTo(2);
        assertThat(reports.summary(TO, TO.plusSeconds(1), List.of()).totals().requests())
                .isEqualTo(1);
    }

    @Test
    void anEmptyRangeHasZeroTotalsAndNoGroups() {
        Summary s = reports.summary(
                Instant.parse("2020-01-01T00:00:00Z"), Instant.parse("2020-01-02T00:00:00Z"), List.of(GroupKey.TENANT));
        assertThat(s.groups()).isEmpty();
        assertThat(s.totals().requests()).isZero();
        assertThat(s.totals().costUsd()).isEqualByComparingTo("0");
        assertThat(s.totals().savingPercent()).isNull();
    }

    @Test
    void listsTheMostRecentRequestsFirstWithTheirAttemptsInOrder() {
        List<LedgerRecord> recent = reports.recent(3, null);
        assertThat(recent).extracting(LedgerRecord::id).containsExactly("req_5", "req_4", "req_3");
        LedgerRecord r3 = recent.get(2);
        assertThat(r3.time()).isEqualTo(Instant.parse("2026-11-29T12:00:00Z"));
        assertThat(r3.costUsd()).isEqualByComparingTo("1.10");
        assertThat(r3.finalTier()).isEqualTo("legacy");
        assertThat(r3.ttfbMs()).isEqualTo(12L);
        assertThat(r3.attempts()).extracting(LedgerRecord.Attempt::tier).containsExactly("local", "legacy");
        assertThat(r3.attempts().get(0).error()).isEqualTo("queue full");
        assertThat(recent.get(1).attempts()).isEmpty();
        assertThat(recent.get(1).ttfbMs()).isNull();
        assertThat(recent.get(1).finalTier()).isNull();

        assertThat(reports.recent(10, "beta")).extracting(LedgerRecord::id).containsExactly("req_4", "req_3");
        assertThat(reports.recent(10, "nobody")).isEmpty();
    }
}
