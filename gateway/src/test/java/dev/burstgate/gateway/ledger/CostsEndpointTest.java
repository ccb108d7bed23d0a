package dev.burstgate.gateway.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.burstgate.gateway.api.ApiException;
import dev.burstgate.gateway.ledger.CostReports.Group;
import dev.burstgate.gateway.ledger.CostReports.GroupKey;
import dev.burstgate.gateway.ledger.CostReports.Summary;
import dev.burstgate.gateway.ledger.CostReports.Totals;
import dev.burstgate.policies.cost.BaselineRatio;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import org.assertj.core.api.ThrowableAssert;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;
import org.springframework.mock.web.reactive.function.server.MockServerRequest;
import org.springframework.web.reactive.function.server.ServerRequest;

/** Parameters and renderings of the cost reports; the queries are in {@link CostReportsContract}. */
class CostsEndpointTest {

    /** The CSV columns of the measured baseline, after the recorded figures. */
    static final String MEASURED_HEADER = "measured_samples,measured_ratio,measured_ratio_low,measured_ratio_high,"
            + "measured_baseline_usd,measured_baseline_low_usd,measured_baseline_high_usd,measured_saving_usd,"
            + "measured_saving_low_usd,measured_saving_high_usd";
    /** Those columns, empty: a group without samples. */
    static final String NO_MEASURE = ",".repeat(10);

    static ServerRequest query(String name, String value) {
        return MockServerRequest.builder().queryParam(name, value).build();
    }

    static void badParameter(String param, ThrowableAssert.ThrowingCallable call) {
        assertThatThrownBy(call).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.status()).isEqualTo(HttpStatus.BAD_REQUEST);
            assertThat(e.param()).isEqualTo(param);
            assertThat(e.type()).isEqualTo("invalid_request_error");
        });
    }

    @Test
    void readsADateAsTheStartOfThatUtcDayAndAnInstantAsIs() {
        assertThat(CostsEndpoint.time(query("from", "2026-11-29"), "from"))
                .isEqualTo(Instant.parse("2026-11-29T00:00:00Z"));
        assertThat(CostsEndpoint.time(query("to", "2026-11-29T10:00:00Z"), "to"))
                .isEqualTo(Instant.parse("2026-11-29T10:00:00Z"));
        assertThat(CostsEndpoint.time(query("to", "2026-11-29T11:00:00+01:00"), "to"))
                .isEqualTo(Instant.parse("2026-11-29T10:00:00Z"));
        assertThat(CostsEndpoint.time(MockServerRequest.builder().build(), "to"))
                .isNull();
        badParameter("from", () -> CostsEndpoint.time(query("from", "2026-13-01"), "from"));
        badParameter("to", () -> CostsEndpoint.time(query("to", "yesterday"), "to"));
    }

    @Test
    void acceptsAnySubsetOfTheGroupKeysInAnyOrderAndNothingElse() {
        assertThat(CostsEndpoint.groupBy(query("groupBy", "tier, tenant,day,policy")))
                .containsExactly(GroupKey.TIER, GroupKey.TENANT, GroupKey.DAY, GroupKey.POLICY);
        assertThat(CostsEndpoint.groupBy(query("groupBy", ""))).isEmpty();
        assertThat(CostsEndpoint.groupBy(MockServerRequest.builder().build())).isEmpty();
        badParameter("groupBy", () -> CostsEndpoint.groupBy(query("groupBy", "tenant,model")));
        badParameter("groupBy", () -> CostsEndpoint.groupBy(query("groupBy", "tenant,tenant")));
        badParameter("groupBy", () -> CostsEndpoint.groupBy(query("groupBy", "tenant,")));
    }

    @Test
    void takesALimitFromOneToOneThousand() {
        assertThat(CostsEndpoint.limit(MockServerRequest.builder().build())).isEqualTo(50);
        assertThat(CostsEndpoint.limit(query("limit", "1"))).isEqualTo(1);
        assertThat(CostsEndpoint.limit(query("limit", "1000"))).isEqualTo(1000);
        badParameter("limit", () -> CostsEndpoint.limit(query("limit", "0")));
        badParameter("limit", () -> CostsEndpoint.limit(query("limit", "1001")));
        badParameter("limit", () -> CostsEndpoint.limit(query("limit", "ten")));
    }

    @Test
    void answersCsvOnlyWhenTheClientPrefersIt() {
        assertThat(CostsEndpoint.wantsCsv(accept("text/csv"))).isTrue();
        assertThat(CostsEndpoint.wantsCsv(accept("application/json;q=0.5, text/csv")))
                .isTrue();
        assertThat(CostsEndpoint.wantsCsv(accept("application/json, text/csv;q=0.5")))
                .isFalse();
        assertThat(CostsEndpoint.wantsCsv(accept("*/*"))).isFalse();
        assertThat(CostsEndpoint.wantsCsv(MockServerRequest.builder().build())).isFalse();
    }

    @Test
    void rendersCsvWithOneLinePerGroupAndQuotesWhatNeedsIt() {
        Totals t = new Totals(
                2, 40, 20, new BigDecimal("0.200000000000"), new BigDecimal("2.2"), new BigDecimal("2.000000000000"));
        Summary grouped = new Summary(
                Instant.EPOCH,
                Instant.EPOCH.plusSeconds(1),
                List.of(GroupKey.TENANT, GroupKey.TIER),
                t.plus(Totals.ZERO),
                List.of(
                        new Group(List.of("acme, \"inc\"", "local"), t),
                        new Group(List.of("beta", "none"), Totals.ZERO)));
        assertThat(CostsEndpoint.csv(grouped))
                .isEqualTo(
                        "tenant,tier,requests,prompt_tokens,completion_tokens,total_tokens,cost_usd,baseline_usd,saving_usd,saving_percent,"
                                + MEASURED_HEADER + "\r\n"
                                + "\"acme, \"\"inc\"\"\",local,2,40,20,60,0.200000,2.200000,2.000000,90.91" + NO_MEASURE
                                + "\r\n"
                                + "beta,none,0,0,0,0,0.000000,0.000000,0.000000," + NO_MEASURE + "\r\n");
        Summary totalsOnly = new Summary(Instant.EPOCH, Instant.EPOCH.plusSeconds(1), List.of(), t, List.of());
        assertThat(CostsEndpoint.csv(totalsOnly))
                .isEqualTo(
                        "requests,prompt_tokens,completion_tokens,total_tokens,cost_usd,baseline_usd,saving_usd,saving_percent,"
                                + MEASURED_HEADER + "\r\n"
                                + "2,40,20,60,0.200000,2.200000,2.000000,90.91" + NO_MEASURE + "\r\n");
    }

    /**
     * Four requests: one legacy answered ($1.00 baseline, already measured), three answered by local or cloud ($3.00
     * recorded baseline), which shadow calls to legacy measured at $1.20, $1.30 and $1.10: R = 3.60 / 3.00 = 1.2.
     */
    static Totals measuredTotals() {
        BaselineRatio samples = BaselineRatio.NONE
                .plus(new BigDecimal("1.00"), new BigDecimal("1.20"))
                .plus(new BigDecimal("1.00"), new BigDecimal("1.30"))
                .plus(new BigDecimal("1.00"), new BigDecimal("1.10"));
        return new Totals(
                4,
                100,
                50,
                new BigDecimal("0.50"),
                new BigDecimal("4.00"),
                new BigDecimal("3.50"),
                0,
                0,
                BigDecimal.ZERO,
                0,
                new BigDecimal("1.00"),
                samples);
    }

    @Test
    void measuresTheBaselineOfWhatLegacyDidNotAnswerWithTheSampledRatio() {
        CostReports.MeasuredBaseline m = measuredTotals().measured();
        assertThat(m).isNotNull();
        assertThat(m.samples()).isEqualTo(3);
        assertThat(m.ratio()).isEqualByComparingTo("1.2");
        // legacy's own $1.00 + $3.00 × 1.2
        assertThat(m.baselineUsd()).isEqualByComparingTo("4.60");
        assertThat(m.savingUsd()).isEqualByComparingTo("4.10");
        // residuals 0, +0.1, −0.1: SE = sqrt(0.02 / (3 · 2)) / 1, t(0.975, 2) = 4.302652729749464
        double half = 4.302652729749464 * Math.sqrt(0.02 / 6);
        assertThat(m.ratioLow().doubleValue()).isCloseTo(1.2 - half, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(m.ratioHigh().doubleValue()).isCloseTo(1.2 + half, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(m.baselineLowUsd())
                .isEqualByComparingTo(new BigDecimal("1.00")
                        .add(new BigDecimal("3.00").multiply(m.ratioLow()))
                        .setScale(12, java.math.RoundingMode.HALF_EVEN));
        assertThat(m.savingHighUsd().subtract(m.savingLowUsd()))
                .isEqualByComparingTo(m.baselineHighUsd().subtract(m.baselineLowUsd()));
        assertThat(Totals.ZERO.measured()).isNull();
    }

    @Test
    void rendersTheMeasuredBaselineInJsonAndCsvAndNullWithoutSamples() {
        Totals t = measuredTotals();
        Summary s = new Summary(
                Instant.EPOCH,
                Instant.EPOCH.plusSeconds(1),
                List.of(GroupKey.TIER),
                t.plus(Totals.ZERO),
                List.of(new Group(List.of("cloud"), t), new Group(List.of("none"), Totals.ZERO)));
        CostsEndpoint endpoint = new CostsEndpoint(
                null, tools.jackson.databind.json.JsonMapper.builder().build(), java.time.InstantSource.system());
        tools.jackson.databind.JsonNode json = endpoint.json(s);
        tools.jackson.databind.JsonNode m = json.path("totals").path("measured_baseline");
        assertThat(m.path("samples").asLong()).isEqualTo(3);
        assertThat(m.path("ratio").decimalValue()).isEqualByComparingTo("1.2");
        assertThat(m.path("ratio_low").decimalValue())
                .isLessThan(m.path("ratio").decimalValue());
        assertThat(m.path("ratio_high").decimalValue())
                .isGreaterThan(m.path("ratio").decimalValue());
        assertThat(m.path("baseline_usd").decimalValue()).isEqualByComparingTo("4.60");
        assertThat(m.path("saving_usd").decimalValue()).isEqualByComparingTo("4.10");
        for (String field : List.of(
                "baseline_low_usd",
                "baseline_high_usd",
                "saving_low_usd",
                "saving_high_usd",
                "ratio_low",
                "ratio_high")) {
            assertThat(m.path(field).isNumber()).as(field).isTrue();
        }
        assertThat(json.path("groups")
                        .get(0)
                        .path("measured_baseline")
                        .path("samples")
                        .asLong())
                .isEqualTo(3);
        assertThat(json.path("groups").get(1).has("measured_baseline")).isTrue();
        assertThat(json.path("groups").get(1).path("measured_baseline").isNull())
                .isTrue();
        String csv = CostsEndpoint.csv(s);
        String[] lines = csv.split("\r\n");
        assertThat(lines[0]).endsWith("saving_percent," + MEASURED_HEADER);
        assertThat(lines[1]).startsWith("cloud,4,100,50,150,0.500000,4.000000,3.500000,87.50,3,1.200000,");
        assertThat(lines[1].split(",", -1)[13]).isEqualTo("4.600000");
        assertThat(lines[2]).endsWith(NO_MEASURE);
    }

    @Test
    void showsMoneyExactlyWithAtLeastSixDecimalsAndNeverInExponentForm() {
        assertThat(CostsEndpoint.money(new BigDecimal("1.100000000000")).toPlainString())
                .isEqualTo("1.100000");
        assertThat(CostsEndpoint.money(new BigDecimal("0.000000123456")).toPlainString())
                .isEqualTo("0.000000123456");
        assertThat(CostsEndpoint.money(new BigDecimal("20")).toPlainString()).isEqualTo("20.000000");
    }

    private static ServerRequest accept(String accept) {
        return MockServerRequest.builder().header("Accept", accept).build();
    }
}
