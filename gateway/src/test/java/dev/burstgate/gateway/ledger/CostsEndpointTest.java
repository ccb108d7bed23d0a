package dev.burstgate.gateway.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.burstgate.gateway.api.ApiException;
import dev.burstgate.gateway.ledger.CostReports.Group;
import dev.burstgate.gateway.ledger.CostReports.GroupKey;
import dev.burstgate.gateway.ledger.CostReports.Summary;
import dev.burstgate.gateway.ledger.CostReports.Totals;
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
                        "tenant,tier,requests,prompt_tokens,completion_tokens,total_tokens,cost_usd,baseline_usd,saving_usd,saving_percent\r\n"
                                + "\"acme, \"\"inc\"\"\",local,2,40,20,60,0.200000,2.200000,2.000000,90.91\r\n"
                                + "beta,none,0,0,0,0,0.000000,0.000000,0.000000,\r\n");
        Summary totalsOnly = new Summary(Instant.EPOCH, Instant.EPOCH.plusSeconds(1), List.of(), t, List.of());
        assertThat(CostsEndpoint.csv(totalsOnly))
                .isEqualTo(
                        "requests,prompt_tokens,completion_tokens,total_tokens,cost_usd,baseline_usd,saving_usd,saving_percent\r\n"
                                + "2,40,20,60,0.200000,2.200000,2.000000,90.91\r\n");
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
