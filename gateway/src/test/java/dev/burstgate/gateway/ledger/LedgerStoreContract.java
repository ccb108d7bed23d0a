package dev.burstgate.gateway.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.burstgate.gateway.usage.AttemptRecord;
import dev.burstgate.gateway.usage.CostRecord;
import dev.burstgate.gateway.usage.Outcome;
import dev.burstgate.policies.Tier;
import dev.burstgate.policies.capability.RequestNeeds;
import dev.burstgate.policies.classifier.Complexity;
import dev.burstgate.policies.cost.Usage;
import dev.burstgate.policies.cost.Usd;
import dev.burstgate.policies.routing.RoutingInput;
import dev.burstgate.policies.routing.RoutingRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * What {@link LedgerStore} writes, field by field, on each database it supports (PostgreSQL goes through COPY, H2
 * through parameterised inserts): text that CSV and SQL must not mangle, nulls against empty strings, exact money,
 * and idempotence (a batch written twice, a record twice in one batch).
 */
abstract class LedgerStoreContract {

    abstract DataSource dataSource();

    LedgerStore store;
    JdbcTemplate jdbc;

    @BeforeEach
    void clean() {
        jdbc = new JdbcTemplate(dataSource());
        jdbc.update("DELETE FROM ledger_shadow");
        jdbc.update("DELETE FROM ledger_attempt");
        jdbc.update("DELETE FROM ledger_request");
        store = new LedgerStore(dataSource());
    }

    static final String AWKWARD = "quote \" comma , newline \n cr \r backslash \\ tab \t unicode é → 😀 ;'--";

    static CostRecord awkward(String id) {
        Usage usage = new Usage(123, 45);
        List<AttemptRecord> attempts = List.of(
                new AttemptRecord(
                        Tier.LEGACY, "http://legacy:443/v1", Outcome.ERROR, Usage.NONE, false, Usd.ZERO, AWKWARD),
                new AttemptRecord(Tier.CLOUD, "", Outcome.OK, usage, true, Usd.of("0.180000000001"), null));
        return new CostRecord(
                id,
                "tenant, \"quoted\"",
                Instant.parse("2026-11-29T23:59:59.999999Z"),
                "",
                1.0E-7,
                Tier.LEGACY,
                Tier.CLOUD,
                usage,
                Usd.of("0.180000000001"),
                Usd.of("1.1"),
                null,
                Duration.ofMillis(987),
                true,
                false,
                Outcome.FALLBACK,
                AWKWARD,
                attempts);
    }

    @Test
    void writesEveryFieldExactly() {
        store.insert(List.of(LedgerRecord.of(awkward("req-awkward"))));

        Map<String, Object> row = jdbc.queryForMap("SELECT * FROM ledger_request WHERE id = 'req-awkward'");
        assertThat(row.get("tenant")).isEqualTo("tenant, \"quoted\"");
        assertThat(row.get("policy")).isEqualTo("");
        assertThat(((Number) row.get("complexity")).doubleValue()).isEqualTo(1.0E-7);
        assertThat(row.get("decided_tier")).isEqualTo("legacy");
        assertThat(row.get("final_tier")).isEqualTo("cloud");
        assertThat(((Number) row.get("prompt_tokens")).longValue()).isEqualTo(123);
        assertThat(((Number) row.get("completion_tokens")).longValue()).isEqualTo(45);
        assertThat((java.math.BigDecimal) row.get("cost_usd")).isEqualByComparingTo("0.180000000001");
        assertThat((java.math.BigDecimal) row.get("baseline_usd")).isEqualByComparingTo("1.1");
        assertThat((java.math.BigDecimal) row.get("saving_usd")).isEqualByComparingTo("0.919999999999");
        assertThat(row.get("ttfb_ms")).isNull();
        assertThat(((Number) row.get("latency_ms")).longValue()).isEqualTo(987);
        assertThat(row.get("cache_hit")).isEqualTo(true);
        assertThat(row.get("stream")).isEqualTo(false);
        assertThat(row.get("outcome")).isEqualTo("fallback");
        assertThat(row.get("reason")).isEqualTo(AWKWARD);
        Instant ts = jdbc.queryForObject(
                        "SELECT ts FROM ledger_request WHERE id = 'req-awkward'", java.time.OffsetDateTime.class)
                .toInstant();
        assertThat(ts).isEqualTo(Instant.parse("2026-11-29T23:59:59.999999Z"));

        List<Map<String, Object>> attempts =
                jdbc.queryForList("SELECT * FROM ledger_attempt WHERE request_id = 'req-awkward' ORDER BY seq");
        assertThat(attempts).hasSize(2);
        assertThat(attempts.get(0).get("tier")).isEqualTo("legacy");
        assertThat(attempts.get(0).get("endpoint")).isEqualTo("http://legacy:443/v1");
        assertThat(attempts.get(0).get("outcome")).isEqualTo("error");
        assertThat(attempts.get(0).get("error")).isEqualTo(AWKWARD);
        assertThat(attempts.get(0).get("usage_estimated")).isEqualTo(false);
        assertThat(attempts.get(1).get("endpoint")).isEqualTo("");
        assertThat(attempts.get(1).get("error")).isNull();
        assertThat(attempts.get(1).get("usage_estimated")).isEqualTo(true);
        assertThat((java.math.BigDecimal) attempts.get(1).get("cost_usd")).isEqualByComparingTo("0.180000000001");
    }

    @Test
    void keepsTheRoutingInputsOfARecordThatHasThemAndNullOtherwise() {
        RoutingRecord routing = new RoutingRecord(
                RoutingInput.of(new Complexity(0.42, List.of())).withNeeds(RequestNeeds.ofPromptTokens(7)),
                List.of(new RoutingRecord.ServiceTime(Tier.CLOUD, 123, true)));
        store.insert(List.of(
                LedgerRecord.of(LedgerTestData.withRouting(LedgerTestData.record("req-r"), routing)),
                LedgerRecord.of(LedgerTestData.withRouting(LedgerTestData.record("req-off"), routing), false),
                LedgerRecord.of(LedgerTestData.record("req-none"))));

        String json = jdbc.queryForObject("SELECT routing_inputs FROM ledger_request WHERE id = 'req-r'", String.class);
        RoutingRecord read = RoutingRecord.fromJson(json);
        assertThat(read.input().complexity().score()).isEqualTo(0.42);
        assertThat(read.input().needs().promptTokens()).isEqualTo(7);
        assertThat(read.attempts()).containsExactly(new RoutingRecord.ServiceTime(Tier.CLOUD, 123, true));
        assertThat(jdbc.queryForObject("SELECT routing_inputs FROM ledger_request WHERE id = 'req-off'", String.class))
                .isNull();
        assertThat(jdbc.queryForObject("SELECT routing_inputs FROM ledger_request WHERE id = 'req-none'", String.class))
                .isNull();
    }

    @Test
    void writingABatchAgainOrARecordTwiceAddsNothing() {
        List<LedgerRecord> batch = new ArrayList<>();
        for (int i = 0; i < 120; i++) {
            batch.add(LedgerRecord.of(LedgerTestData.record("req-" + i)));
        }
        batch.add(LedgerRecord.of(LedgerTestData.record("req-7")));
        store.insert(batch);
        store.insert(batch);
        store.insert(List.of(LedgerRecord.of(awkward("req-3"))));

        assertThat(LedgerTestData.count(dataSource(), "ledger_request")).isEqualTo(120);
        assertThat(LedgerTestData.count(dataSource(), "ledger_attempt")).isEqualTo(240);
        assertThat(jdbc.queryForObject("SELECT tenant FROM ledger_request WHERE id = 'req-3'", String.class))
                .isEqualTo("acme");
    }

    @Test
    void aRecordWithoutAttemptsIsWritten() {
        store.insert(List.of(LedgerRecord.of(LedgerTestData.record(
                "req-rejected", "acme", Instant.parse("2026-11-29T10:00:00Z"), "balanced", null, "0", "0", 0, 0))));
        assertThat(LedgerTestData.count(dataSource(), "ledger_request")).isEqualTo(1);
        assertThat(LedgerTestData.count(dataSource(), "ledger_attempt")).isZero();
    }

    @Test
    void writesShadowRowsExactlyOnceBesideRequestRowsAndNoRequestRowForThem() {
        List<LedgerRecord> batch = List.of(
                LedgerRecord.of(awkward("req-shadowed")),
                LedgerRecord.of(LedgerTestData.shadow("req-shadowed", 0, "1.280000000001", null)),
                LedgerRecord.of(LedgerTestData.shadow("req-shadowed", 1, "0.5", 0.875)));
        store.insert(batch);
        store.insert(batch);
        store.insert(List.of(LedgerRecord.of(LedgerTestData.shadow("req-shadowed", 0, "9", null))));

        assertThat(LedgerTestData.count(dataSource(), "ledger_request")).isEqualTo(1);
        assertThat(LedgerTestData.count(dataSource(), "ledger_shadow")).isEqualTo(2);
        Map<String, Object> row =
                jdbc.queryForMap("SELECT * FROM ledger_shadow WHERE request_id = 'req-shadowed' AND seq = 0");
        assertThat(row.get("policy")).isEqualTo("balanced");
        assertThat(row.get("served_tier")).isEqualTo("local");
        assertThat(row.get("shadow_tier")).isEqualTo("legacy");
        assertThat(((Number) row.get("complexity")).doubleValue()).isEqualTo(0.4375);
        assertThat(row.get("confidence")).isNull();
        assertThat(row.get("verdict")).isEqualTo("not_acceptable");
        assertThat(row.get("judge")).isEqualTo("tier:cloud");
        assertThat((java.math.BigDecimal) row.get("cost_usd")).isEqualByComparingTo("1.280000000001");
        assertThat((java.math.BigDecimal) row.get("judge_cost_usd")).isEqualByComparingTo("0.18");
        assertThat(((Number) row.get("prompt_tokens")).longValue()).isEqualTo(17);
        assertThat(((Number) row.get("completion_tokens")).longValue()).isEqualTo(4);
        assertThat(((Number) row.get("latency_ms")).longValue()).isEqualTo(2_034);
        assertThat(row.get("usage_estimated")).isEqualTo(false);
        assertThat(((Number) jdbc.queryForMap(
                                        "SELECT confidence FROM ledger_shadow WHERE request_id = 'req-shadowed' AND seq = 1")
                                .get("confidence"))
                        .doubleValue())
                .isEqualTo(0.875);
    }
}
