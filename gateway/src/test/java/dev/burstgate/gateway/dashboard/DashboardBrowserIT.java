package dev.burstgate.gateway.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.burstgate.gateway.shadow.ShadowRunner;
import dev.burstgate.gateway.testsupport.GatewayIT;
import dev.burstgate.gateway.testsupport.GatewayIT.Tenant;
import dev.burstgate.gateway.testsupport.HeadlessChromium;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.logging.Level;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.logging.LogType;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The {@code /dashboard} page in a real headless Chromium against a real gateway: real chat requests go through the
 * local engine (llama.cpp in process) and the legacy tier (the paid-API stand-in), the cost ledger and the budgets
 * record them, and the page must show exactly what the admin API says — totals, recent requests, budget use per
 * tenant, and per policy the estimated quality, shadow spend, cascade escalations and proposed thresholds — with
 * charts actually drawn. The policy {@code measured} (tenant initech) cascades local answers cut at
 * {@code max_tokens} to legacy, compares every kept local answer with legacy by exact match (which the tiny model
 * never meets) and proposes thresholds from 3 verdicts, so its figures are real ones. A wrong key must show a clear
 * error and no data. The last passing run's page is saved to {@code target/dashboard.png}.
 */
@GatewayIT(
        localTier = true,
        tenants = {
            @Tenant(name = "acme", key = DashboardBrowserIT.ACME_KEY, dailyBudget = "5.00", monthlyBudget = "100.00"),
            @Tenant(name = "globex", key = DashboardBrowserIT.GLOBEX_KEY, dailyBudget = "1.25"),
            @Tenant(name = "initech", key = DashboardBrowserIT.INITECH_KEY, policy = DashboardBrowserIT.MEASURED)
        },
        adminKey = DashboardBrowserIT.ADMIN_KEY,
        properties = {
            "burstgate.tiers.local.context=4096",
            "burstgate.tiers.legacy.api-key=sk-legacy",
            "burstgate.cache.enabled=false"
        })
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DashboardBrowserIT {

    static final String ADMIN_KEY = "sk-dashboard-it-admin";
    static final String ACME_KEY = "sk-dashboard-it-acme";
    static final String GLOBEX_KEY = "sk-dashboard-it-globex";
    static final String INITECH_KEY = "sk-dashboard-it-initech";
    static final Duration PAGE_TIMEOUT = Duration.ofSeconds(30);
    /** The policy with a shadow, a tuning and a cascade block ({@code policies-dashboard/measured.yaml}). */
    static final String MEASURED = "measured";

    static final List<String> PROMPTS =
            List.of("Name a colour.", "Count to three.", "Say hello.", "What is two plus two?", "Name a fruit.");

    @DynamicPropertySource
    static void policies(DynamicPropertyRegistry r) {
        r.add("burstgate.policies-dir", () -> {
            try {
                return Path.of(DashboardBrowserIT.class
                                .getResource("/policies-dashboard")
                                .toURI())
                        .toString();
            } catch (URISyntaxException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Autowired
    ShadowRunner shadowRunner;

    @LocalServerPort
    int port;

    final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    /** Money in the admin API is exact: read it as BigDecimal, never through a double. */
    final JsonMapper json = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .build();

    @Nullable
    ChromeDriver browser;

    int sent;

    @BeforeAll
    void sendRealTrafficThroughTwoTiers() {
        chat(ACME_KEY, "legacy", false);
        chat(ACME_KEY, "local", false);
        chat(ACME_KEY, "local", true);
        chat(ACME_KEY, "local", false);
        chat(GLOBEX_KEY, "legacy", true);
        chat(GLOBEX_KEY, "local", false);
        awaitLedger(sent);
    }

    @AfterAll
    void stop() {
        if (browser != null) {
            browser.quit();
        }
    }

    @Test
    @Order(1)
    void servesThePageItsScriptsAndChartJsWithoutAnyKey() throws Exception {
        HttpResponse<String> redirect = get("/dashboard", null);
        assertThat(redirect.statusCode()).isEqualTo(308);
        assertThat(URI.create(url("/dashboard"))
                        .resolve(redirect.headers().firstValue("Location").orElseThrow())
                        .getPath())
                .isEqualTo("/dashboard/");

        HttpResponse<String> page = get("/dashboard/", null);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/html");
        assertThat(page.headers().firstValue("Content-Security-Policy").orElseThrow())
                .contains("script-src 'self'");
        assertThat(page.body()).contains("<title>Burstgate dashboard</title>");

        for (String path : List.of("/dashboard/dashboard.js", "/webjars/chart.js/4.4.1/dist/chart.umd.js")) {
            HttpResponse<String> script = get(path, null);
            assertThat(script.statusCode()).as(path).isEqualTo(200);
            assertThat(script.headers().firstValue("Content-Type").orElseThrow())
                    .as(path)
                    .contains("javascript");
            assertThat(page.body())
                    .as("the page loads %s", path)
                    .contains(path.startsWith("/webjars") ? ".." + path : "dashboard.js");
        }
        assertThat(get("/dashboard/dashboard.css", null).statusCode()).isEqualTo(200);
        // The data itself stays behind the admin key.
        assertThat(get("/admin/costs/summary", null).statusCode()).isEqualTo(401);
    }

    @Test
    @Order(2)
    void showsAClearErrorAndNoDataForAKeyThatIsNotTheAdminKey() {
        ChromeDriver b = browser();
        b.get(url("/dashboard/"));
        b.executeScript("sessionStorage.clear(); localStorage.clear();");
        b.navigate().refresh();
        enterKey(b, ACME_KEY); // a valid tenant key, but not the admin key
        await(b, "the error message", () -> "unauthorized".equals(state(b)));
        WebElement error = b.findElement(By.cssSelector("[data-testid=error]"));
        assertThat(error.isDisplayed()).isTrue();
        assertThat(error.getText()).contains("HTTP 403").contains("admin key");
        assertThat(b.findElement(By.id("content")).isDisplayed())
                .as("no data shown")
                .isFalse();
        assertThat(b.executeScript("return sessionStorage.getItem('burstgate.adminKey')"))
                .as("a refused key is not kept")
                .isNull();
    }

    @Test
    @Order(3)
    void showsExactlyTheAdminApiFiguresForRealTraffic() throws Exception {
        sameUtcDay(() -> {
            ChromeDriver b = browser();
            b.manage().logs().get(LogType.BROWSER); // drop what earlier tests logged
            b.get(url("/dashboard"));
            assertThat(b.getCurrentUrl()).endsWith("/dashboard/");
            enterKey(b, ADMIN_KEY);
            await(b, "the figures", () -> "ready".equals(state(b)));

            assertThat(b.executeScript("return sessionStorage.getItem('burstgate.adminKey')"))
                    .isEqualTo(ADMIN_KEY);
            assertThat(b.executeScript("return localStorage.length"))
                    .as("the key is kept in the session only")
                    .isEqualTo(0L);
            assertThat(b.findElement(By.cssSelector("[data-testid=error]")).isDisplayed())
                    .isFalse();

            JsonNode page = snapshot(b);
            JsonNode summary = summaryFor(page);
            assertThat(summary.path("totals").path("requests").asInt())
                    .as("every request sent is in the ledger")
                    .isEqualTo(sent);
            assertThat(tiersIn(summary)).as("traffic went through two tiers").contains("local", "legacy");
            assertTotals(page, summary);
            assertCharts(page, summary);
            assertRequests(
                    page,
                    admin("/admin/costs/requests?limit=" + page.path("limit").asInt()));
            assertBudgets(page, admin("/admin/budgets"));
            assertQuality(page);
            JsonNode measured = quality(page, MEASURED);
            assertThat(measured.path("proposal").path("proposed").asString())
                    .as("nothing proposed before any verdict")
                    .isEqualTo("false");
            assertThat(measured.path("figures").path("quality").path("text").asString())
                    .isEqualTo("—");
            // No script error, failed resource or Content-Security-Policy violation on the way.
            assertThat(b.manage().logs().get(LogType.BROWSER).getAll())
                    .filteredOn(entry -> entry.getLevel().intValue() >= Level.SEVERE.intValue())
                    .isEmpty();

            saveScreenshot(b, Path.of("target", "dashboard.png"));
        });
    }

    @Test
    @Order(4)
    void refreshesOnDemandAndOnItsOwnWhenNewRequestsArrive() throws Exception {
        ChromeDriver b = browser();
        assertThat(state(b)).isEqualTo("ready");
        int loads = loads(b);
        b.findElement(By.cssSelector("[data-testid=refresh]")).click();
        await(b, "a refresh after the button", () -> loads(b) > loads);

        chat(GLOBEX_KEY, "local", false);
        awaitLedger(sent);
        // No click: the page's auto-refresh (every 10 s) must pick the new request up.
        await(
                b,
                "the auto-refreshed total",
                () -> String.valueOf(sent)
                        .equals(b.findElement(By.cssSelector("[data-testid=total-requests]"))
                                .getDomAttribute("data-value")));
        JsonNode page = snapshot(b);
        assertTotals(page, summaryFor(page));
        assertRequests(
                page, admin("/admin/costs/requests?limit=" + page.path("limit").asInt()));
    }

    @Test
    @Order(5)
    void showsEachPolicysQualityShadowSpendEscalationsAndProposedThresholds() throws Exception {
        sameUtcDay(() -> {
            Awaitility.await().atMost(PAGE_TIMEOUT).until(shadowRunner::ready);
            // Cut at one token, a local answer is escalated to legacy. With room to end (the tiny model ends its answer
            // to
            // the first prompt well within 48 tokens), it is kept and compared; a prompt whose answer is cut even so is
            // not tried again for that.
            int kept = 0;
            int escalated = 0;
            int ending = 0;
            for (int i = 0; (kept < 4 || escalated < 2) && i < 24; i++) {
                boolean cut = escalated < 2 && (i % 2 == 0 || kept >= 4);
                String prompt = cut ? PROMPTS.get(1 + i % (PROMPTS.size() - 1)) : PROMPTS.get(ending % PROMPTS.size());
                String tier = measuredChat(prompt, i, cut);
                if (tier.equals("local")) {
                    kept++;
                } else {
                    assertThat(tier).isEqualTo("legacy");
                    escalated++;
                    if (!cut) {
                        ending++;
                    }
                }
            }
            assertThat(kept).as("local answers kept").isGreaterThanOrEqualTo(4);
            assertThat(escalated).as("local answers escalated").isGreaterThanOrEqualTo(2);
            awaitLedger(sent);
            // Every local answer is compared with legacy: a kept one by a shadow call, an escalated one with the legacy
            // answer that replaced it.
            int compared = kept + escalated;
            Awaitility.await("a verdict for every local answer, kept or escalated")
                    .atMost(PAGE_TIMEOUT)
                    .pollInterval(Duration.ofMillis(100))
                    .untilAsserted(() -> {
                        JsonNode shadow = admin("/admin/policies/" + MEASURED + "/shadow");
                        JsonNode v = shadow.path("verdicts");
                        assertThat(v.path("acceptable").asLong()
                                        + v.path("not_acceptable").asLong()
                                        + v.path("error").asLong())
                                .isEqualTo(compared);
                        assertThat(shadow.path("today").path("reserved_usd").decimalValue())
                                .isZero();
                    });
            JsonNode tuning = admin("/admin/policies/" + MEASURED + "/tuning");
            assertThat(tuning.path("proposed").isObject())
                    .as("a proposal from %d verdicts: %s", kept, tuning)
                    .isTrue();

            ChromeDriver b = browser();
            b.manage().logs().get(LogType.BROWSER);
            int loads = loads(b);
            b.findElement(By.cssSelector("[data-testid=refresh]")).click();
            await(b, "a refresh after the verdicts", () -> loads(b) > loads && "ready".equals(state(b)));
            JsonNode page = snapshot(b);
            assertQuality(page);

            JsonNode card = quality(page, MEASURED);
            JsonNode figures = card.path("figures");
            assertThat(figures.path("cascade").path("data").path("cascaded").asLong())
                    .as("every request of the policy was cascaded")
                    .isEqualTo(kept + escalated);
            assertThat(figures.path("cascade").path("data").path("escalated").asLong())
                    .isEqualTo(escalated);
            assertThat(figures.path("p-acceptable").path("data").path("n").asLong())
                    .isEqualTo(compared);
            assertThat(new BigDecimal(figures.path("shadow-spend")
                            .path("data")
                            .path("spentUsd")
                            .asString()))
                    .as("today's shadow spend")
                    .isPositive();
            assertThat(figures.path("quality").path("text").asString()).endsWith("%");
            assertThat(card.path("proposal").path("proposed").asString()).isEqualTo("true");
            assertThat(card.path("thresholds").get(0).path("proposed").asString())
                    .as("the proposed cloud-at")
                    .isEqualTo(fixed(tuning.path("proposed").path("cloud_at").asDouble(), 2));
            assertThat(b.manage().logs().get(LogType.BROWSER).getAll())
                    .filteredOn(entry -> entry.getLevel().intValue() >= Level.SEVERE.intValue())
                    .isEmpty();
            saveScreenshot(b, Path.of("target", "dashboard.png"));
        });
    }

    @Test
    @Order(6)
    void oneFailingPolicyReportShowsInItsCardAndLeavesTheRestOfThePage() throws Exception {
        sameUtcDay(() -> {
            ChromeDriver b = browser();
            JsonNode before = snapshot(b);
            // The browser fails these two requests as a gateway that does not answer would.
            b.executeCdpCommand("Network.enable", Map.of());
            b.executeCdpCommand(
                    "Network.setBlockedURLs",
                    Map.of(
                            "urls",
                            List.of("*/admin/policies/balanced/tuning", "*/admin/policies/" + MEASURED + "/shadow")));
            try {
                int loads = loads(b);
                b.findElement(By.cssSelector("[data-testid=refresh]")).click();
                await(b, "a refresh with two reports failing", () -> loads(b) > loads);
                JsonNode page = snapshot(b);
                assertThat(page.path("state").asString()).isEqualTo("partial");
                assertThat(b.findElement(By.cssSelector("[data-testid=error]")).getText())
                        .contains("the tuning report of policy balanced")
                        .contains("the shadow report of policy " + MEASURED);
                JsonNode balanced = quality(page, "balanced");
                assertThat(balanced.path("errors").toString()).contains("The tuning report is unavailable");
                assertThat(balanced.path("figures").path("quality").path("text").asString())
                        .isEqualTo("—");
                JsonNode measured = quality(page, MEASURED);
                assertThat(measured.path("errors").toString()).contains("The shadow report is unavailable");
                assertThat(measured.path("figures")
                                .path("p-acceptable")
                                .path("text")
                                .asString())
                        .isEqualTo("—");
                // What did answer is shown as before: the measured policy's tuning and cascade, the totals, the
                // requests.
                JsonNode was = quality(before, MEASURED);
                for (String field : List.of("quality", "cascade")) {
                    assertThat(measured.path("figures").path(field))
                            .as(field)
                            .isEqualTo(was.path("figures").path(field));
                }
                assertThat(measured.path("thresholds")).isEqualTo(was.path("thresholds"));
                assertThat(page.path("figures")).isEqualTo(before.path("figures"));
                assertThat(page.path("rows").size())
                        .isEqualTo(before.path("rows").size());
            } finally {
                b.executeCdpCommand("Network.setBlockedURLs", Map.of("urls", List.of()));
            }
            int loads = loads(b);
            b.findElement(By.cssSelector("[data-testid=refresh]")).click();
            await(b, "a refresh with every report answering", () -> loads(b) > loads && "ready".equals(state(b)));
            assertThat(quality(snapshot(b), MEASURED).path("errors").size()).isZero();
        });
    }

    @Test
    @Order(7)
    void showsTheSavingAgainstAMeasuredBaselineBesideTheAssumedOneWhenTheSummaryHasOne() {
        ChromeDriver b = browser();
        JsonNode before = snapshot(b);
        assertMeasuredBaseline(
                before.path("measured"), summaryFor(before).path("totals").path("measured_baseline"));
        // A summary whose totals carry a measured baseline: this gateway's own answer with the field added.
        String baseline = """
                {"samples":412,"ratio":0.8125,"ratio_low":0.7731,"ratio_high":0.8502,"baseline_usd":10.725,\
                "baseline_low_usd":10.205,"baseline_high_usd":11.222,"saving_usd":6.105,"saving_low_usd":5.585,\
                "saving_high_usd":6.602}""";
        b.executeScript("""
                const measured = JSON.parse(arguments[0]);
                window.unpatchedFetch = window.unpatchedFetch || window.fetch;
                window.fetch = async (input, init) => {
                  const response = await window.unpatchedFetch(input, init);
                  if (!String(input).includes('groupBy=day%2Ctier')) {
                    return response;
                  }
                  const body = JSON.parse(await response.text());
                  body.totals.measured_baseline = measured;
                  return new Response(JSON.stringify(body), { status: response.status, headers: response.headers });
                };""", baseline);
        try {
            int loads = loads(b);
            b.findElement(By.cssSelector("[data-testid=refresh]")).click();
            await(b, "a refresh with a measured baseline", () -> loads(b) > loads && "ready".equals(state(b)));
            JsonNode page = snapshot(b);
            assertMeasuredBaseline(page.path("measured"), json.readTree(baseline));
            assertThat(page.path("measured").path("text").asString()).isEqualTo("$6.105");
            assertThat(page.path("figures").path("total-saving").path("text"))
                    .as("the assumed baseline's saving beside it")
                    .isEqualTo(before.path("figures").path("total-saving").path("text"));
        } finally {
            b.executeScript("if (window.unpatchedFetch) { window.fetch = window.unpatchedFetch; }");
        }
        int loads = loads(b);
        b.findElement(By.cssSelector("[data-testid=refresh]")).click();
        await(b, "a refresh with the gateway's own summary", () -> loads(b) > loads && "ready".equals(state(b)));
        JsonNode page = snapshot(b);
        assertMeasuredBaseline(
                page.path("measured"), summaryFor(page).path("totals").path("measured_baseline"));
    }

    // ---- what the page must show -----------------------------------------------------------------------------------

    void assertTotals(JsonNode page, JsonNode summary) {
        JsonNode t = summary.path("totals");
        JsonNode f = page.path("figures");
        assertThat(f.path("total-requests").path("value").asString())
                .isEqualTo(t.path("requests").asString());
        assertThat(f.path("total-requests").path("text").asString())
                .isEqualTo(integer(t.path("requests").asLong()));
        assertThat(f.path("total-tokens").path("value").asString())
                .isEqualTo(t.path("total_tokens").asString());
        assertThat(f.path("total-tokens").path("text").asString())
                .isEqualTo(integer(t.path("total_tokens").asLong()));
        for (var e : Map.of("total-cost", "cost_usd", "total-baseline", "baseline_usd", "total-saving", "saving_usd")
                .entrySet()) {
            BigDecimal api = t.path(e.getValue()).decimalValue();
            assertThat(new BigDecimal(f.path(e.getKey()).path("value").asString()))
                    .as(e.getKey())
                    .isEqualByComparingTo(api);
            assertThat(f.path(e.getKey()).path("text").asString())
                    .as(e.getKey())
                    .isEqualTo(usd(api, 2, 6));
        }
        JsonNode percent = t.path("saving_percent");
        assertThat(f.path("total-saving-percent").path("text").asString())
                .isEqualTo(percent.isNull() ? "—" : fixed(percent.decimalValue().doubleValue(), 2) + "%");
        assertMeasuredBaseline(page.path("measured"), t.path("measured_baseline"));
    }

    /** The saving against a measured baseline: shown with its interval when the summary has one, else hidden. */
    static void assertMeasuredBaseline(JsonNode shown, JsonNode api) {
        if (api.isMissingNode() || api.isNull()) {
            assertThat(shown.path("hidden").asBoolean())
                    .as("no measured baseline, no card")
                    .isTrue();
            return;
        }
        assertThat(shown.path("hidden").asBoolean())
                .as("the measured baseline's card")
                .isFalse();
        for (var e : Map.of(
                        "savingUsd", "saving_usd",
                        "savingLowUsd", "saving_low_usd",
                        "savingHighUsd", "saving_high_usd",
                        "baselineUsd", "baseline_usd",
                        "baselineLowUsd", "baseline_low_usd",
                        "baselineHighUsd", "baseline_high_usd")
                .entrySet()) {
            assertDecimal(shown.path("data").path(e.getKey()).asString(), api.path(e.getValue()), e.getValue());
        }
        assertThat(shown.path("text").asString())
                .isEqualTo(usd(api.path("saving_usd").decimalValue(), 2, 6));
        assertThat(shown.path("detail").asString())
                .startsWith(usd(api.path("saving_low_usd").decimalValue(), 2, 6) + " – "
                        + usd(api.path("saving_high_usd").decimalValue(), 2, 6))
                .contains("baseline " + usd(api.path("baseline_usd").decimalValue(), 2, 6))
                .endsWith(integer(api.path("samples").asLong()) + " comparisons");
    }

    void assertCharts(JsonNode page, JsonNode summary) {
        Map<String, JsonNode> charts = new HashMap<>();
        page.path("charts").forEach(c -> charts.put(c.path("id").asString(), c));
        assertThat(charts).containsOnlyKeys("spend-chart", "mix-chart");
        for (JsonNode c : charts.values()) {
            assertThat(c.path("width").asInt()).as(c.path("id").asString()).isPositive();
            assertThat(c.path("drawn").asBoolean())
                    .as("%s differs from a blank canvas", c.path("id").asString())
                    .isTrue();
        }
        JsonNode spend = charts.get("spend-chart");
        JsonNode mix = charts.get("mix-chart");
        List<String> days = new ArrayList<>();
        spend.path("labels").forEach(d -> days.add(d.asString()));
        double spendSum = 0;
        long counted = 0;
        for (JsonNode g : summary.path("groups")) {
            String tier = g.path("tier").isNull() ? "none" : g.path("tier").asString();
            String day = g.path("day").asString().substring(0, 10);
            int i = days.indexOf(day);
            assertThat(i).as("day %s on the chart's axis %s", day, days).isNotNegative();
            assertThat(dataset(spend, tier).path("data").get(i).asDouble())
                    .as("spend of %s on %s", tier, day)
                    .isEqualTo(g.path("cost_usd").decimalValue().doubleValue());
            assertThat(dataset(mix, tier).path("counts").get(i).asLong())
                    .as("requests of %s on %s", tier, day)
                    .isEqualTo(g.path("requests").asLong());
        }
        for (JsonNode d : spend.path("datasets")) {
            for (JsonNode v : d.path("data")) {
                spendSum += v.asDouble();
            }
        }
        for (JsonNode d : mix.path("datasets")) {
            for (JsonNode v : d.path("counts")) {
                counted += v.asLong();
            }
        }
        assertThat(spendSum)
                .as("the spend chart adds up to the total")
                .isCloseTo(
                        summary.path("totals").path("cost_usd").decimalValue().doubleValue(),
                        org.assertj.core.data.Offset.offset(1e-9));
        assertThat(counted)
                .as("the tier mix counts every request")
                .isEqualTo(summary.path("totals").path("requests").asLong());
    }

    static JsonNode dataset(JsonNode chart, String tier) {
        for (JsonNode d : chart.path("datasets")) {
            if (d.path("label").asString().equals(tier)) {
                return d;
            }
        }
        return fail("no dataset for tier " + tier + " in " + chart.path("id").asString());
    }

    void assertRequests(JsonNode page, JsonNode api) {
        JsonNode expected = api.isArray() ? api : api.path("data");
        JsonNode rows = page.path("rows");
        assertThat(expected.size()).as("recent requests in the API").isPositive();
        assertThat(rows.size()).isEqualTo(expected.size());
        for (int i = 0; i < rows.size(); i++) {
            JsonNode row = rows.get(i);
            JsonNode r = expected.get(i);
            String what = "row " + i + " (" + r.path("id").asString() + ")";
            assertThat(row.path("id").asString())
                    .as(what)
                    .isEqualTo(r.path("id").asString());
            assertThat(row.path("datetime").asString())
                    .as(what)
                    .isEqualTo(r.path("time").asString());
            assertThat(row.path("tenant").path("text").asString())
                    .as(what)
                    .isEqualTo(r.path("tenant").asString());
            assertThat(row.path("tier").path("value").asString())
                    .as(what)
                    .isEqualTo(
                            r.path("final_tier").isNull()
                                    ? ""
                                    : r.path("final_tier").asString());
            assertThat(row.path("outcome").path("text").asString())
                    .as(what)
                    .isEqualTo(r.path("outcome").asString());
            assertThat(row.path("reason").path("text").asString())
                    .as(what)
                    .isEqualTo(r.path("reason").asString());
            BigDecimal cost = r.path("cost_usd").decimalValue();
            assertThat(new BigDecimal(row.path("cost").path("value").asString()))
                    .as(what)
                    .isEqualByComparingTo(cost);
            assertThat(row.path("cost").path("text").asString()).as(what).isEqualTo(usd(cost, 6, 6));
            assertThat(row.path("saving").path("text").asString())
                    .as(what)
                    .isEqualTo(usd(r.path("saving_usd").decimalValue(), 6, 6));
            assertThat(row.path("tokens").path("value").asLong())
                    .as(what)
                    .isEqualTo(r.path("prompt_tokens").asLong()
                            + r.path("completion_tokens").asLong());
        }
    }

    void assertBudgets(JsonNode page, JsonNode api) {
        JsonNode expected = api.isArray() ? api : api.has("budgets") ? api.path("budgets") : api.path("data");
        Map<String, JsonNode> shown = new HashMap<>();
        page.path("budgets").forEach(b -> shown.put(b.path("tenant").asString(), b));
        Set<String> tenants = new HashSet<>();
        expected.forEach(b -> tenants.add(b.path("tenant").asString()));
        assertThat(tenants).as("budgets in the API").contains("acme", "globex", "initech");
        assertThat(shown.keySet()).isEqualTo(tenants);
        for (JsonNode b : expected) {
            String tenant = b.path("tenant").asString();
            JsonNode card = shown.get(tenant);
            assertThat(card.path("status").asString())
                    .as(tenant)
                    .isEqualTo(b.path("status").asString());
            assertThat(card.path("statusText").asString())
                    .as(tenant)
                    .isEqualTo(b.path("status").asString());
            for (String period : List.of("daily", "monthly")) {
                JsonNode p = b.path(period);
                JsonNode c = card.path("periods").path(period);
                String what = tenant + " " + period;
                assertDecimal(c.path("limit").asString(), p.path("limit_usd"), what + " limit");
                assertDecimal(c.path("spent").asString(), p.path("spent_usd"), what + " spent");
                assertDecimal(c.path("reserved").asString(), p.path("reserved_usd"), what + " reserved");
                boolean limited =
                        !p.path("limit_usd").isNull() && !p.path("limit_usd").isMissingNode();
                String spent = usd(p.path("spent_usd").decimalValue(), 2, 6);
                if (limited) {
                    JsonNode fraction = p.path("fraction_used");
                    String percent = fraction.isNull()
                            ? ""
                            : " · " + fixed(fraction.decimalValue().doubleValue() * 100, 1) + "%";
                    assertThat(c.path("figures").asString())
                            .as(what)
                            .isEqualTo(spent + " of " + usd(p.path("limit_usd").decimalValue(), 2, 6) + percent);
                    assertThat(c.path("bar").isNull()).as(what + " has a bar").isFalse();
                    if (!fraction.isNull()) {
                        assertThat(Double.parseDouble(c.path("fraction").asString()))
                                .as(what)
                                .isEqualTo(fraction.decimalValue().doubleValue());
                    }
                } else {
                    assertThat(c.path("figures").asString()).as(what).isEqualTo(spent + " spent · no limit");
                }
            }
        }
        // The traffic above: acme spent on both tiers, globex's legacy request took most of its daily 1.25.
        assertThat(new BigDecimal(shown.get("acme")
                        .path("periods")
                        .path("daily")
                        .path("spent")
                        .asString()))
                .isPositive();
        assertThat(new BigDecimal(shown.get("globex")
                        .path("periods")
                        .path("daily")
                        .path("spent")
                        .asString()))
                .isGreaterThanOrEqualTo(new BigDecimal("1.10"));
    }

    /**
     * Every policy's card against its shadow and tuning reports and the summary per policy of the page's period:
     * the figures, their raw values, the thresholds in force and proposed, and "—" where a policy has no such block.
     */
    void assertQuality(JsonNode page) {
        Set<String> names = new HashSet<>();
        admin("/admin/policies")
                .path("policies")
                .forEach(p -> names.add(p.path("name").asString()));
        assertThat(names).contains(MEASURED, "balanced");
        Map<String, JsonNode> cards = new HashMap<>();
        page.path("quality").forEach(c -> cards.put(c.path("policy").asString(), c));
        assertThat(cards.keySet()).isEqualTo(names);
        JsonNode byPolicy = admin("/admin/costs/summary?groupBy=policy&from="
                + URLEncoder.encode(page.path("from").asString(), StandardCharsets.UTF_8) + "&to="
                + URLEncoder.encode(page.path("to").asString(), StandardCharsets.UTF_8));
        for (String name : names) {
            JsonNode card = cards.get(name);
            JsonNode figures = card.path("figures");
            assertThat(card.path("errors").size()).as(name + " errors").isZero();
            JsonNode shadow = admin("/admin/policies/" + name + "/shadow");
            JsonNode tuning = admin("/admin/policies/" + name + "/tuning");

            // The estimated quality of cloud-at in force, with its interval.
            JsonNode quality = figures.path("quality");
            JsonNode row = null;
            for (JsonNode t : tuning.path("thresholds")) {
                if (t.path("field").asString().equals("cloud-at")) {
                    row = t;
                }
            }
            if (tuning.path("quality_target").isNull() || row == null) {
                assertThat(quality.path("text").asString())
                        .as(name + " quality")
                        .isEqualTo("—");
            } else {
                JsonNode q = row.path("current_quality");
                assertDouble(quality.path("data").path("value"), q.path("value"), name + " quality");
                assertDouble(quality.path("data").path("lower"), q.path("lower"), name + " quality lower");
                assertDouble(quality.path("data").path("upper"), q.path("upper"), name + " quality upper");
                assertThat(quality.path("data").path("verdicts").asLong())
                        .isEqualTo(row.path("verdicts").asLong());
                if (row.path("verdicts").asLong() == 0) {
                    assertThat(quality.path("text").asString())
                            .as(name + " quality")
                            .isEqualTo("—");
                } else {
                    assertThat(quality.path("text").asString())
                            .as(name + " quality")
                            .isEqualTo(percent(q.path("value")));
                    assertThat(quality.path("detail").asString())
                            .as(name + " quality interval")
                            .startsWith(percent(q.path("lower")) + "–" + percent(q.path("upper")));
                }
            }

            // P(acceptable) over the shadow comparisons, with its Wilson interval.
            JsonNode acceptable = figures.path("p-acceptable");
            JsonNode p = shadow.path("p_acceptable");
            assertThat(acceptable.path("data").path("n").asLong())
                    .isEqualTo(p.path("n").asLong());
            assertThat(acceptable.path("data").path("notAcceptable").asLong())
                    .isEqualTo(shadow.path("verdicts").path("not_acceptable").asLong());
            if (p.path("value").isNull()) {
                assertThat(acceptable.path("text").asString())
                        .as(name + " P(acceptable)")
                        .isEqualTo("—");
            } else {
                assertThat(acceptable.path("text").asString())
                        .as(name + " P(acceptable)")
                        .isEqualTo(percent(p.path("value")));
                assertThat(acceptable.path("detail").asString())
                        .startsWith(percent(p.path("lower")) + "–" + percent(p.path("upper")));
            }

            // Today's shadow spend against the daily shadow budget.
            JsonNode spend = figures.path("shadow-spend");
            JsonNode today = shadow.path("today");
            assertDecimal(spend.path("data").path("spentUsd").asString(), today.path("spent_usd"), name + " spent");
            assertDecimal(spend.path("data").path("budgetUsd").asString(), today.path("budget_usd"), name + " budget");
            BigDecimal spentUsd = today.path("spent_usd").decimalValue();
            String spent = usd(spentUsd, 2, 6);
            assertThat(spend.path("text").asString())
                    .as(name + " shadow spend")
                    .isEqualTo(
                            !today.path("budget_usd").isNull()
                                    ? spent + " of "
                                            + usd(today.path("budget_usd").decimalValue(), 2, 6)
                                    : spentUsd.signum() == 0 ? "—" : spent);
            assertThat(spend.path("bar").isNull())
                    .as(name + " has a shadow budget bar")
                    .isEqualTo(today.path("budget_usd").isNull());

            // The cascade's escalation rate in the period.
            JsonNode cascade = figures.path("cascade");
            JsonNode c = null;
            for (JsonNode g : byPolicy.path("groups")) {
                if (g.path("policy").asString().equals(name)) {
                    c = g.path("cascade");
                }
            }
            if (c == null || c.path("cascaded").asLong() == 0) {
                assertThat(cascade.path("text").asString())
                        .as(name + " cascade")
                        .isEqualTo("—");
            } else {
                assertThat(cascade.path("text").asString())
                        .as(name + " escalation rate")
                        .isEqualTo(percent(c.path("escalation_rate")));
                assertThat(cascade.path("data").path("cascaded").asLong())
                        .isEqualTo(c.path("cascaded").asLong());
                assertThat(cascade.path("data").path("escalated").asLong())
                        .isEqualTo(c.path("escalated").asLong());
                assertDecimal(
                        cascade.path("data").path("escalatedCostUsd").asString(),
                        c.path("escalated_cost_usd"),
                        name + " escalated cost");
            }

            // The thresholds in force and proposed.
            if (tuning.path("quality_target").isNull()) {
                assertThat(card.path("thresholds").isNull())
                        .as(name + " has no thresholds table")
                        .isTrue();
                continue;
            }
            JsonNode rows = card.path("thresholds");
            assertThat(rows.size())
                    .as(name + " thresholds")
                    .isEqualTo(tuning.path("thresholds").size());
            for (int i = 0; i < rows.size(); i++) {
                JsonNode shown = rows.get(i);
                JsonNode t = tuning.path("thresholds").get(i);
                String what = name + " " + t.path("field").asString();
                assertThat(shown.path("field").asString())
                        .isEqualTo(t.path("field").asString());
                assertThat(shown.path("current").asString())
                        .as(what)
                        .isEqualTo(fixed(t.path("current").asDouble(), 2));
                assertThat(shown.path("proposed").asString())
                        .as(what + " proposed")
                        .isEqualTo(
                                t.path("proposed").isNull()
                                        ? "—"
                                        : fixed(t.path("proposed").asDouble(), 2));
                assertThat(shown.path("verdicts").asString())
                        .isEqualTo(integer(t.path("verdicts").asLong()));
                JsonNode pq = t.path("proposed_quality");
                assertThat(shown.path("proposedQuality").asString())
                        .as(what + " proposed quality")
                        .isEqualTo(
                                pq.isNull()
                                        ? "—"
                                        : percent(pq.path("value")) + " (" + percent(pq.path("lower")) + "–"
                                                + percent(pq.path("upper")) + ")");
            }
            JsonNode proposed = tuning.path("proposed");
            assertThat(card.path("proposal").path("proposed").asString())
                    .isEqualTo(String.valueOf(proposed.isObject()));
            if (!proposed.isObject()) {
                assertThat(card.path("proposal").path("text").asString())
                        .contains(tuning.path("why_none").asString());
            }
            assertThat(card.path("cost").path("current").asString())
                    .isEqualTo(usd(tuning.path("current").path("usd_per_1000").decimalValue(), 2, 2));
            assertThat(card.path("cost").path("proposed").asString())
                    .isEqualTo(
                            proposed.isObject()
                                    ? usd(proposed.path("usd_per_1000").decimalValue(), 2, 2)
                                    : "—");
        }
    }

    static JsonNode quality(JsonNode page, String policy) {
        for (JsonNode c : page.path("quality")) {
            if (c.path("policy").asString().equals(policy)) {
                return c;
            }
        }
        return fail("no quality card for policy " + policy);
    }

    /** A comparison of the page's figures with the API's. */
    interface Check {
        void run() throws Exception;
    }

    /**
     * Runs {@code check}; when it fails and the UTC day changed while it ran, aborts the test instead: today's spend
     * (budgets, shadow spend) restarts at midnight, so the page and the API may then rightly disagree.
     */
    static void sameUtcDay(Check check) throws Exception {
        LocalDate before = LocalDate.now(ZoneOffset.UTC);
        try {
            check.run();
        } catch (AssertionError e) {
            Assumptions.assumeTrue(
                    before.equals(LocalDate.now(ZoneOffset.UTC)),
                    "the UTC day changed while the page and the API were compared");
            throw e;
        }
    }

    static void assertDouble(JsonNode shown, JsonNode api, String what) {
        assertThat(Double.parseDouble(shown.asString())).as(what).isEqualTo(api.asDouble());
    }

    /** A fraction as the page shows it: {@code 0.8723} as {@code 87.2%}. */
    static String percent(JsonNode fraction) {
        return fixed(fraction.decimalValue().doubleValue() * 100, 1) + "%";
    }

    static void assertDecimal(String shown, JsonNode api, String what) {
        if (api.isNull() || api.isMissingNode()) {
            assertThat(shown).as(what).isEmpty();
        } else {
            assertThat(new BigDecimal(shown)).as(what).isEqualByComparingTo(api.decimalValue());
        }
    }

    // ---- formatting as the page does it -------------------------------------------------------------------------

    /**
     * USD with grouping and minDecimals..maxDecimals decimals, half-up: {@code $1,234.50}, {@code $0.0215},
     * {@code $0.020000} — the same rules as {@code formatUsd} in {@code dashboard.js}.
     */
    static String usd(BigDecimal value, int minDecimals, int maxDecimals) {
        DecimalFormat f = new DecimalFormat("$#,##0", DecimalFormatSymbols.getInstance(Locale.US));
        f.setMinimumFractionDigits(minDecimals);
        f.setMaximumFractionDigits(maxDecimals);
        f.setRoundingMode(RoundingMode.HALF_UP);
        String s = f.format(value);
        // The page shows no sign on an amount that rounds to zero.
        return s.startsWith("-") && s.replaceAll("[^1-9]", "").isEmpty() ? s.substring(1) : s;
    }

    static String integer(long value) {
        return String.format(Locale.US, "%,d", value);
    }

    /** What JavaScript's {@code Number.prototype.toFixed} gives: the double's exact value, rounded half-up. */
    static String fixed(double value, int decimals) {
        return new BigDecimal(value).setScale(decimals, RoundingMode.HALF_UP).toPlainString();
    }

    // ---- the page --------------------------------------------------------------------------------------------------

    ChromeDriver browser() {
        if (browser == null) {
            browser = HeadlessChromium.start(1280, 900);
            browser.manage().timeouts().pageLoadTimeout(PAGE_TIMEOUT).scriptTimeout(PAGE_TIMEOUT);
        }
        return browser;
    }

    static void enterKey(ChromeDriver b, String key) {
        WebElement input = b.findElement(By.cssSelector("[data-testid=admin-key]"));
        input.clear();
        input.sendKeys(key);
        b.findElement(By.cssSelector("[data-testid=key-submit]")).click();
    }

    static @Nullable String state(ChromeDriver b) {
        return b.findElement(By.cssSelector("[data-testid=dashboard]")).getDomAttribute("data-state");
    }

    static int loads(ChromeDriver b) {
        String loads = b.findElement(By.cssSelector("[data-testid=dashboard]")).getDomAttribute("data-loads");
        return loads == null ? 0 : Integer.parseInt(loads);
    }

    /** Polls the condition until it holds; on time-out fails with the page's state and error text. */
    static void await(ChromeDriver b, String what, BooleanSupplier condition) {
        try {
            // The browser is driven from the test's thread only.
            Awaitility.await(what)
                    .atMost(PAGE_TIMEOUT)
                    .pollInSameThread()
                    .pollDelay(Duration.ZERO)
                    .pollInterval(Duration.ofMillis(100))
                    .until(condition::getAsBoolean);
        } catch (ConditionTimeoutException e) {
            fail("Timed out waiting for " + what + "; page state " + state(b) + ", error: "
                    + b.findElement(By.cssSelector("[data-testid=error]")).getText());
        }
    }

    /** Everything the page shows, read in one script so an auto-refresh cannot change it halfway. */
    JsonNode snapshot(ChromeDriver b) {
        String script = """
        const q = (s, root) => (root || document).querySelector(s);
        const main = q('[data-testid="dashboard"]');
        const totals = q('[data-testid="totals"]');
        const figures = {};
        for (const e of totals.querySelectorAll('dd[data-testid]')) {
          figures[e.dataset.testid] = { text: e.textContent, value: e.dataset.value };
        }
        const rows = [...document.querySelectorAll('[data-testid="request-row"]')].map((r) => {
          const o = { id: r.dataset.id, datetime: q('time', r).getAttribute('datetime') };
          for (const c of r.querySelectorAll('[data-field]')) {
            o[c.dataset.field] = { text: c.textContent, value: c.dataset.value };
          }
          return o;
        });
        const budgets = [...document.querySelectorAll('[data-testid="budget"]')].map((b) => {
          const periods = {};
          for (const p of b.querySelectorAll('.period')) {
            const bar = q('[role="meter"]', p);
            periods[p.dataset.period] = {
              limit: p.dataset.limitUsd, spent: p.dataset.spentUsd, reserved: p.dataset.reservedUsd,
              fraction: p.dataset.fractionUsed, figures: q('[data-field="figures"]', p).textContent,
              bar: bar ? bar.getAttribute('aria-valuenow') : null,
            };
          }
          return { tenant: b.dataset.tenant, status: b.dataset.status,
                   statusText: q('[data-field="status"]', b).textContent, periods };
        });
        const charts = ['spend-chart', 'mix-chart'].map((id) => {
          const c = document.getElementById(id);
          const chart = window.Chart ? Chart.getChart(c) : null;
          const blank = document.createElement('canvas');
          blank.width = c.width;
          blank.height = c.height;
          return {
            id, width: c.width, height: c.height, drawn: c.toDataURL() !== blank.toDataURL(),
            labels: chart ? chart.data.labels : null,
            datasets: chart ? chart.data.datasets.map((d) => ({ label: d.label, data: d.data, counts: d.counts || null })) : null,
          };
        });
        const cell = (row, field) => q('[data-field="' + field + '"]', row).textContent;
        const quality = [...document.querySelectorAll('[data-testid="policy-quality"]')].map((card) => {
          const figures = {};
          for (const f of card.querySelectorAll('.figure')) {
            const bar = q('[role="meter"]', f);
            figures[f.dataset.field] = { data: Object.assign({}, f.dataset), text: q('dd.value', f).textContent,
              detail: q('dd.detail', f).textContent, bar: bar ? bar.getAttribute('aria-valuenow') : null };
          }
          const table = q('table.thresholds', card);
          const cost = table ? q('[data-testid="cost-row"]', table) : null;
          const proposal = q('[data-field="proposal"]', card);
          return {
            policy: card.dataset.policy, figures,
            thresholds: table ? [...table.querySelectorAll('[data-testid="threshold-row"]')].map((r) => ({
              field: r.dataset.threshold, current: cell(r, 'current'), proposed: cell(r, 'proposed'),
              currentQuality: cell(r, 'current-quality'), proposedQuality: cell(r, 'proposed-quality'),
              verdicts: cell(r, 'verdicts') })) : null,
            cost: cost ? { current: cell(cost, 'current'), proposed: cell(cost, 'proposed') } : null,
            proposal: proposal ? { text: proposal.textContent, proposed: proposal.dataset.proposed || null } : null,
            errors: [...card.querySelectorAll('.problem')].map((e) => e.textContent),
          };
        });
        const m = q('[data-testid="measured-saving-card"]');
        const measured = { hidden: m.hidden, data: Object.assign({}, m.dataset),
          text: q('[data-testid="total-measured-saving"]').textContent,
          detail: q('[data-testid="total-measured-detail"]').textContent };
        return JSON.stringify({
          state: main.dataset.state, from: totals.dataset.from, to: totals.dataset.to,
          limit: Number(q('[data-testid="requests"]').dataset.limit), figures, rows, budgets, charts, quality, measured,
        });
        """;
        return json.readTree((String) b.executeScript(script));
    }

    void saveScreenshot(ChromeDriver b, Path file) throws IOException {
        Number height = (Number) b.executeScript(
                "return Math.ceil(document.documentElement.scrollHeight + window.outerHeight - window.innerHeight)");
        b.manage().window().setSize(new Dimension(1280, Math.max(900, height.intValue())));
        byte[] png = b.getScreenshotAs(OutputType.BYTES);
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.write(file, png);
    }

    // ---- the gateway -----------------------------------------------------------------------------------------------

    String url(String path) {
        return "http://localhost:" + port + path;
    }

    HttpResponse<String> get(String path, @Nullable String key) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url(path)))
                .timeout(Duration.ofSeconds(30))
                .GET();
        if (key != null) {
            request.header("Authorization", "Bearer " + key);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    JsonNode admin(String path) {
        try {
            HttpResponse<String> response = get(path, ADMIN_KEY);
            assertThat(response.statusCode())
                    .as("GET %s: %s", path, response.body())
                    .isEqualTo(200);
            return json.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The summary for exactly the period the page shows (it echoes the API's from / to). */
    JsonNode summaryFor(JsonNode page) {
        assertThat(page.path("from").asString()).isNotEmpty();
        return admin("/admin/costs/summary?groupBy=day,tier&from="
                + URLEncoder.encode(page.path("from").asString(), StandardCharsets.UTF_8) + "&to="
                + URLEncoder.encode(page.path("to").asString(), StandardCharsets.UTF_8));
    }

    static Set<String> tiersIn(JsonNode summary) {
        Set<String> tiers = new HashSet<>();
        summary.path("groups").forEach(g -> tiers.add(g.path("tier").asString()));
        return tiers;
    }

    void chat(String key, String model, boolean stream) {
        String body = "{\"model\":\"" + model + "\",\"max_tokens\":4,\"stream\":" + stream
                + (stream ? ",\"stream_options\":{\"include_usage\":true}" : "")
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"Say something short\"}]}";
        HttpRequest request = HttpRequest.newBuilder(URI.create(url("/v1/chat/completions")))
                .timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode())
                    .as("chat %s: %s", model, response.body())
                    .isEqualTo(200);
            assertThat(response.headers().firstValue("X-Burstgate-Tier"))
                    .as("chat %s", model)
                    .hasValue(model);
            sent++;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * A request of tenant initech (policy {@code measured}) that its cascade judges: cut at one token (escalated to
     * legacy), or with up to 48 tokens and a few stop strings to end on (kept, then compared with legacy, when the
     * answer ends before its limit). Returns the tier that answered.
     */
    String measuredChat(String prompt, int seed, boolean cut) {
        String body = "{\"model\":\"auto\",\"temperature\":0,\"seed\":" + seed
                + (cut ? ",\"max_tokens\":1" : ",\"max_tokens\":48,\"stop\":[\" \",\"e\",\"a\",\"o\"]")
                + ",\"messages\":[{\"role\":\"user\",\"content\":" + json.writeValueAsString(prompt) + "}]}";
        HttpRequest request = HttpRequest.newBuilder(URI.create(url("/v1/chat/completions")))
                .timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + INITECH_KEY)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode())
                    .as("chat %s: %s", prompt, response.body())
                    .isEqualTo(200);
            sent++;
            return response.headers().firstValue("X-Burstgate-Tier").orElseThrow();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The ledger writes in batches: wait until it holds every request sent. */
    void awaitLedger(int requests) {
        Awaitility.await()
                .atMost(Duration.ofSeconds(20))
                .pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> assertThat(admin("/admin/costs/summary")
                                .path("totals")
                                .path("requests")
                                .asLong())
                        .as("requests of the %d sent in the ledger", requests)
                        .isGreaterThanOrEqualTo(requests));
    }
}
