package dev.burstgate.gateway.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import dev.burstgate.gateway.testsupport.GatewayIT;
import dev.burstgate.gateway.testsupport.GatewayIT.Tenant;
import dev.burstgate.gateway.testsupport.TestGateway;
import dev.burstgate.gateway.tier.TiersProperties;
import dev.burstgate.policies.Tier;
import dev.burstgate.policies.cli.PolicyLab;
import dev.burstgate.policies.cost.PriceTable;
import dev.burstgate.policies.cost.Usd;
import dev.burstgate.policies.policy.Policy;
import dev.burstgate.policies.policy.PolicyRegistry;
import dev.burstgate.policies.replay.Calibration;
import dev.burstgate.policies.replay.LedgerReplay;
import dev.burstgate.policies.replay.LedgerSource;
import dev.burstgate.policies.replay.RecordedRequest;
import dev.burstgate.policies.replay.ReplayReport;
import dev.burstgate.policies.replay.ShadowQuality;
import dev.burstgate.policies.routing.Router;
import dev.burstgate.policies.simulation.SimulationConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.json.JsonMapper;

/**
 * The policy lab replays the gateway's own traffic (issue 17, item 5). A real gateway — the local tier on the tiny
 * model (without tools, so tool calls go elsewhere), the cloud pool and the legacy API as HTTP mocks, the embedded H2
 * ledger — answers a mix: auto requests of every complexity for two tenants under two policies (one with a budget),
 * forced tiers, personal data under a local-only privacy rule, tools and images, a latency header, streams, cache
 * hits, refusals, and a concurrent burst that congests the local engine. Then the lab reads that ledger with the code
 * {@code policy-lab compare --from-ledger} runs: replayed under the live policy, at least 99 % of the decisions are
 * the recorded ones and the cost is the ledger's within 1 %; a cheaper candidate policy costs less. A third tenant's
 * policy cascades: its local answers cut by {@code max_tokens} escalate to cloud (the in-process engine measures no
 * confidence, so its confidence threshold escalates nothing), and the replay under the live policy escalates exactly
 * the requests the gateway escalated, at exactly the ledger's cost, and counts the others as of unknown confidence;
 * its shadow comparisons with legacy give the quality kept of the replay.
 */
@GatewayIT(
        localTier = true,
        cloudMock = true,
        tenants = {
            @Tenant(
                    name = "acme",
                    key = LedgerReplayIT.ACME,
                    policy = "replay-it",
                    requestsPerSecond = 100000,
                    monthlyBudget = "1000"),
            @Tenant(name = "beta", key = LedgerReplayIT.BETA, policy = "balanced", requestsPerSecond = 100000),
            @Tenant(
                    name = "gamma",
                    key = LedgerReplayIT.GAMMA,
                    policy = LedgerReplayIT.CASCADE,
                    requestsPerSecond = 100000)
        },
        properties = {
            "burstgate.tiers.legacy.api-key=sk-legacy",
            "burstgate.tiers.local.capabilities.tools=false",
            "burstgate.resilience.first-byte-timeout=30s"
        })
class LedgerReplayIT {

    static final String ACME = "sk-test-acme";
    static final String BETA = "sk-test-beta";
    static final String GAMMA = "sk-test-gamma";
    /** Local first under a cascade: the in-process engine measures no confidence; answers cut short escalate. */
    static final String CASCADE = "replay-cascade";

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry r) {
        r.add("burstgate.policies-dir", () -> policiesDir().toString());
    }

    static Path policiesDir() {
        try {
            return Path.of(Objects.requireNonNull(LedgerReplayIT.class.getResource("/policies-replay"))
                    .toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Autowired
    JsonMapper json;

    @Autowired
    DataSource dataSource;

    @Autowired
    PolicyRegistry policies;

    @Autowired
    PriceTable prices;

    @Autowired
    TiersProperties tiers;

    final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static final List<String> PROMPTS = List.of(
            "hi",
            "Thanks!",
            "Name a colour.",
            "What is 2 + 2?",
            "Translate 'good morning' into French.",
            "Write a haiku about autumn.",
            "Summarize the plot of Romeo and Juliet in two sentences.",
            "What's the weather like on Mars?",
            "List three prime numbers.",
            "Which of the following is a mammal?\nA. Shark\nB. Dolphin\nC. Trout\nD. Octopus",
            "Compute the integral of x * e^(2x) from 0 to 1, then verify the result by differentiation.",
            "Prove that there are infinitely many primes. Then generalise the argument to primes of the form 4k+3, "
                    + "and explain why the same approach fails for primes of the form 4k+1.",
            "Write a Python function that merges two sorted lists in O(n) time, with unit tests, and explain its "
                    + "complexity.\n```python\ndef merge(a, b):\n    pass\n```",
            "Let f(x) = x^3 - 6x^2 + 11x - 6. Find all real roots, prove there are no others, and determine the "
                    + "intervals where f is increasing. Justify each step with a derivative argument.",
            "A train leaves at 3 pm at 60 km/h; another leaves the same station at 4 pm at 80 km/h on the same track. "
                    + "When does the second catch up? Show your reasoning step by step.",
            "Explain the difference between TCP and UDP, when each is the better choice, and how QUIC changes the "
                    + "trade-off. Then design a reliable messaging protocol over UDP and analyse its failure modes.",
            "Derive the closed form of the sum of the first n cubes, prove it by induction, and relate it to the "
                    + "square of the n-th triangular number. Generalise to sums of fifth powers if you can.",
            "Refactor this Java method to use streams and explain the performance implications:\n"
                    + "for (int i = 0; i < xs.size(); i++) { if (xs.get(i) > 0) { out.add(xs.get(i) * 2); } }",
            "In a game of chess, is it possible to force checkmate with king and two knights against a lone king? "
                    + "Prove your answer.",
            "Explain quantum entanglement to a ten-year-old, then to a physics undergraduate, then formally, with the "
                    + "density-matrix definition and a proof that a Bell state is not separable.");

    private static final List<String> PERSONAL = List.of(
            "Please email the signed invoice to jane.doe@example.com by Friday.",
            "Call me back at +44 20 7946 0958 about the order.",
            "My card number is 4111 1111 1111 1111, is it valid?",
            "Prove that the square root of two is irrational and send the proof to bob@example.org.");

    private static final String TOOLS =
            "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"order_status\",\"parameters\":"
                    + "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"string\"}}}}}]";

    private static final String IMAGE = "[{\"type\":\"text\",\"text\":\"What is in this picture?\"},"
            + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64,AA==\"}}]";

    /** One request sent: its id and status. */
    record Sent(String id, int status) {}

    @Test
    void replayingTheLedgerUnderTheLivePolicyReproducesItsDecisionsAndItsCost(TestGateway gateway) throws Exception {
        // The legacy mock answers as the cloud mock does, so that the cascade's shadow comparisons of cloud answers
        // with legacy's are acceptable and those of local answers are not.
        gateway.legacy().answering("A cloud answer.", 30, 12);
        gateway.cloud().answering("A cloud answer.", 25, 10);
        Instant since = Instant.now().minus(1, ChronoUnit.MINUTES);
        List<Sent> sent = new ArrayList<>();
        // Auto requests of every complexity, both tenants, some streamed.
        for (int i = 0; i < PROMPTS.size(); i++) {
            String messages = user(PROMPTS.get(i));
            sent.add(chat(gateway, ACME, "auto", messages, "", i % 4 == 0, Map.of()));
            sent.add(chat(gateway, BETA, "auto", messages, "", i % 5 == 1, Map.of()));
        }
        // Forced tiers, and a latency ceiling.
        for (String tier : List.of("local", "cloud", "legacy")) {
            for (int i = 0; i < 3; i++) {
                sent.add(chat(gateway, ACME, tier, user("Forced question " + i + " for " + tier), "", false, Map.of()));
            }
        }
        for (int i = 0; i < 4; i++) {
            sent.add(chat(
                    gateway,
                    ACME,
                    "auto",
                    user(PROMPTS.get(3 * i + 2)),
                    "",
                    false,
                    Map.of("X-Burstgate-Max-Latency-Ms", "5000")));
        }
        // Personal data: local only for acme; beta's balanced policy refuses a forced cloud for it.
        for (String p : PERSONAL) {
            sent.add(chat(gateway, ACME, "auto", user(p), "", false, Map.of()));
            sent.add(chat(gateway, BETA, "cloud", user(p), "", false, Map.of()));
        }
        // Needs the local tier lacks here: tools, images.
        for (int i = 0; i < 3; i++) {
            sent.add(chat(
                    gateway, ACME, "auto", user("What is the status of order " + i + "?"), TOOLS, false, Map.of()));
            sent.add(chat(
                    gateway, BETA, "auto", "[{\"role\":\"user\",\"content\":" + IMAGE + "}]", "", i == 0, Map.of()));
        }
        // The cascade: short answers are cut by max_tokens and escalate, longer ones may be kept.
        List<String> cascaded = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            Sent s = send(
                    gateway,
                    GAMMA,
                    "{\"max_tokens\":" + (i % 2 == 0 ? 2 : 64) + ",\"temperature\":0.7,\"seed\":" + i + ",\"messages\":"
                            + user("Cascade question " + i + ": name a river.") + "}",
                    Map.of());
            sent.add(s);
            cascaded.add(s.id());
        }
        // Cache hits: deterministic requests asked twice.
        for (int i = 0; i < 3; i++) {
            for (int k = 0; k < 2; k++) {
                sent.add(chatDeterministic(gateway, "Deterministic question number " + i + ": what is " + i + " + 1?"));
            }
        }
        // A burst of easy prompts at once: the local engine's queue grows and some burst to cloud.
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            List<Future<Sent>> burst = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                int n = i;
                burst.add(pool.submit(() -> send(
                        gateway,
                        ACME,
                        "{\"max_tokens\":48,\"temperature\":0.7,\"messages\":" + user("Say hello number " + n + ".")
                                + "}",
                        Map.of())));
            }
            for (Future<Sent> f : burst) {
                sent.add(f.get());
            }
        }
        assertThat(sent).extracting(Sent::status).containsOnly(200, 400);
        assertThat(sent).filteredOn(s -> s.status() == 400).hasSize(PERSONAL.size());

        JdbcClient jdbc = JdbcClient.create(dataSource);
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> assertThat(jdbc.sql("select count(*) from ledger_request")
                                .query(Long.class)
                                .single())
                        .isEqualTo(sent.size()));
        assertThat(jdbc.sql("select count(*) from ledger_request where routing_inputs is null")
                        .query(Long.class)
                        .single())
                .isZero();
        assertThat(jdbc.sql("select routing_inputs from ledger_request")
                        .query(String.class)
                        .list())
                .noneMatch(s -> s.contains("jane.doe") || s.contains("Romeo") || s.contains("order 1"));

        // What policy-lab compare --from-ledger runs.
        HikariDataSource hikari = dataSource.unwrap(HikariDataSource.class);
        LedgerSource.Traffic traffic =
                LedgerSource.read(hikari.getJdbcUrl(), hikari.getUsername(), hikari.getPassword(), since);
        List<RecordedRequest> rows = traffic.rows();
        assertThat(rows).hasSize(sent.size());
        assertThat(traffic.withoutInputs()).isZero();
        Map<String, Integer> decided = new TreeMap<>();
        for (RecordedRequest r : rows) {
            Tier tier = r.decidedTier();
            decided.merge(tier == null ? "refused" : tier.label(), 1, Integer::sum);
        }
        assertThat(decided.keySet()).contains("local", "cloud", "legacy", "refused");
        assertThat(rows).anyMatch(r -> r.routing().input().privacy().found());
        assertThat(rows).anyMatch(r -> !r.routing().input().needs().features().isEmpty());
        assertThat(rows).anyMatch(RecordedRequest::cacheHit);

        Calibration calibration =
                Calibration.of(rows, SimulationConfig.defaults().withPrices(prices));
        LedgerReplay replay = new LedgerReplay(new Router(prices, tiers.capabilities()), calibration.config());
        ReplayReport live = replay.live("live", policies::get, rows);
        ReplayReport candidate = replay.run(policies.get("cost-saver"), rows);

        System.out.printf(
                "ledger replay: %d requests %s; live: %.2f%% decided as recorded, cost %s vs ledger %s (%+.3f%%);"
                        + " cost-saver: cost %s; %d requests found the local engine busy; %s; disagreements %s%n",
                rows.size(),
                decided,
                100 * live.agreement(),
                live.simulation().cost(),
                live.ledgerCost(),
                100 * live.costDelta(),
                candidate.simulation().cost(),
                rows.stream()
                        .filter(r -> r.routing().input().local().queueLength() > 0
                                || r.routing().input().local().queueWaitMs() > 0)
                        .count(),
                calibration.describe().replace('\n', ' '),
                live.disagreements());
        assertThat(live.agreement()).as("%s", live.disagreements()).isGreaterThanOrEqualTo(0.99);
        assertThat(live.ledgerCost().isZero()).isFalse();
        assertThat(Math.abs(live.costDelta())).isLessThanOrEqualTo(0.01);
        assertThat(calibration.fits().get(Tier.LOCAL).samples()).isPositive();
        assertThat(candidate.simulation().cost().amount().doubleValue())
                .isLessThan(0.99 * live.ledgerCost().amount().doubleValue());

        // The cascade's requests alone: the live escalations, at the ledger's cost, and the quality kept as the shadow
        // verdicts on them estimate it.
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> assertThat(jdbc.sql("select count(*) from ledger_shadow where policy = ?")
                                .param(CASCADE)
                                .query(Long.class)
                                .single())
                        .isEqualTo(cascaded.size()));
        List<RecordedRequest> cascadeRows =
                LedgerSource.read(hikari.getJdbcUrl(), hikari.getUsername(), hikari.getPassword(), since)
                        .rows()
                        .stream()
                        .filter(r -> cascaded.contains(r.id()))
                        .toList();
        long escalations = jdbc.sql("select count(*) from ledger_attempt where outcome = 'escalated'")
                .query(Long.class)
                .single();
        long judged = jdbc.sql("select count(*) from ledger_attempt where judged = true and confidence is null")
                .query(Long.class)
                .single();
        ReplayReport cascadeLive = replay.live("live", policies::get, cascadeRows);
        ReplayReport noStructural = replay.run(
                policies.get(CASCADE).withCascade(new Policy.Cascade(0.3, Policy.Signal.MEAN_PROB, false, null)),
                cascadeRows);
        System.out.printf(
                "cascade replay: %d requests, %d escalated in the ledger, %d replayed, %d of unknown confidence; cost %s"
                        + " vs ledger %s; without the structural check %s%n",
                cascadeRows.size(),
                escalations,
                cascadeLive.escalated(),
                cascadeLive.confidenceUnknown(),
                cascadeLive.simulation().cost(),
                cascadeLive.ledgerCost(),
                noStructural.simulation().cost());
        assertThat(cascadeRows).hasSize(6).allMatch(r -> r.judged() != null);
        assertThat(escalations).isPositive();
        assertThat(cascadeLive.agreement()).isEqualTo(1.0);
        assertThat(cascadeLive.escalated()).isEqualTo(escalations);
        assertThat(cascadeLive.confidenceUnknown()).isEqualTo(judged - escalations);
        assertThat(cascadeLive.simulation().cost()).isEqualTo(cascadeLive.ledgerCost());
        // Verdicts: the cloud answers of the escalated requests are acceptable, the kept local answers are not.
        assertThat(cascadeLive.quality()).isEqualTo(new ShadowQuality(6, 6, (int) escalations));
        assertThat(noStructural.quality()).isEqualTo(new ShadowQuality(6, (int) (6 - escalations), 0));
        assertThat(noStructural.escalated()).isZero();
        assertThat(noStructural.simulation().cost())
                .isEqualTo(cascadeRows.stream()
                        .map(r -> prices.cost(Tier.LOCAL, r.judged().usage()))
                        .reduce(Usd.ZERO, Usd::plus));

        // The command line itself, on the same ledger.
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Long localContext = tiers.capabilities().of(Tier.LOCAL).contextTokens();
        List<String> args = new ArrayList<>(List.of("compare", "--from-ledger", hikari.getJdbcUrl()));
        if (hikari.getUsername() != null) {
            args.addAll(List.of("--ledger-user", hikari.getUsername()));
        }
        if (hikari.getPassword() != null) {
            args.addAll(List.of("--ledger-password", hikari.getPassword()));
        }
        args.addAll(List.of(
                "--since",
                "1h",
                "--policies-dir",
                policiesDir().toString(),
                "--local-capabilities",
                "json-schema",
                "--local-context-tokens",
                String.valueOf(localContext),
                "--html",
                gateway.dataDir().resolve("policy-report.html").toString(),
                "--policy",
                "live",
                "--policy",
                "cost-saver"));
        int code = PolicyLab.run(new PrintWriter(out), new PrintWriter(err), args.toArray(String[]::new));
        System.out.println(out);
        assertThat(code).as(err.toString()).isZero();
        assertThat(out.toString())
                .contains("ledger: " + rows.size() + " request(s)")
                // The same figures as the replay above: the command runs the same code on the same ledger.
                .containsPattern("decided as recorded\\s+"
                        + Pattern.quote(
                                String.format(Locale.ROOT, "%d (%.1f%%)", live.agreed(), 100 * live.agreement())))
                .containsPattern("cost vs ledger\\s+"
                        + Pattern.quote(String.format(Locale.ROOT, "%+.2f%%", 100 * live.costDelta())) + "\\s+-")
                .contains("service times calibrated from the ledger:")
                .containsPattern("escalated \\(cascade\\)\\s+" + live.escalated() + "\\s+\\d")
                .containsPattern("confidence unknown\\s+" + live.confidenceUnknown() + "\\s+\\d");
        assertThat(live.escalated()).isEqualTo(escalations);
    }

    private String user(String text) {
        return "[{\"role\":\"user\",\"content\":" + json.writeValueAsString(text) + "}]";
    }

    private Sent chatDeterministic(TestGateway gateway, String prompt) throws Exception {
        return send(
                gateway,
                ACME,
                "{\"model\":\"cloud\",\"max_tokens\":8,\"temperature\":0,\"messages\":" + user(prompt) + "}",
                Map.of());
    }

    private Sent chat(
            TestGateway gateway,
            String key,
            String model,
            String messages,
            String extra,
            boolean stream,
            Map<String, String> headers)
            throws Exception {
        String body = "{\"model\":\"" + model + "\",\"max_tokens\":8,\"temperature\":0.7,\"stream\":" + stream
                + (stream ? ",\"stream_options\":{\"include_usage\":true}" : "")
                + (extra.isEmpty() ? "" : "," + extra)
                + ",\"messages\":" + messages + "}";
        return send(gateway, key, body, headers);
    }

    private Sent send(TestGateway gateway, String key, String body, Map<String, String> headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gateway.url("/v1/chat/completions")))
                .timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(b::header);
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("%s: %s", body, r.body()).isIn(200, 400);
        return new Sent(r.headers().firstValue("X-Burstgate-Request-Id").orElseThrow(), r.statusCode());
    }
}
