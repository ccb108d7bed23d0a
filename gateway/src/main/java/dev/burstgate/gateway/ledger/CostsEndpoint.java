package dev.burstgate.gateway.ledger;

import dev.burstgate.gateway.api.ApiException;
import dev.burstgate.gateway.api.JsonErrors;
import dev.burstgate.gateway.ledger.CostReports.Group;
import dev.burstgate.gateway.ledger.CostReports.GroupKey;
import dev.burstgate.gateway.ledger.CostReports.Summary;
import dev.burstgate.gateway.ledger.CostReports.Totals;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.core.StreamWriteFeature;
import tools.jackson.databind.ObjectWriter;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The cost reports of the admin API (the admin key is checked by {@code AuthFilter}):
 *
 * <ul>
 *   <li>{@code GET /admin/costs/summary?from&to&groupBy=tenant,tier,day,policy}: requests, tokens, spend, baseline
 *       and saving over {@code [from, to)} (default: the last 30 days), in total and per group; JSON, or CSV when
 *       the client accepts {@code text/csv}; the JSON adds each group's {@code cascade} figures (requests a policy's
 *       cascade judged, those escalated, their rate, and the cost and time of the escalated local attempts) and
 *       its {@code measured_baseline} (the baseline and saving with legacy's own token counts measured on shadow
 *       samples, with a 95 % interval; null without samples);
 *   <li>{@code GET /admin/costs/requests?limit=50&tenant=}: the most recent requests with their attempts.
 * </ul>
 *
 * Money is exact (decimal numbers with at least six decimals). A bad parameter is a 400 naming it; a database that
 * does not answer (or has no ledger schema yet) is a 503; with the ledger disabled both answer 503.
 */
public final class CostsEndpoint {

    private static final Logger log = LoggerFactory.getLogger(CostsEndpoint.class);

    static final MediaType TEXT_CSV = new MediaType("text", "csv", StandardCharsets.UTF_8);
    static final Duration DEFAULT_RANGE = Duration.ofDays(30);
    static final int DEFAULT_LIMIT = 50;
    static final int MAX_LIMIT = 1000;
    /** Decimals of a measured-baseline ratio. */
    static final int RATIO_DECIMALS = 6;

    private static final String[] TOTAL_FIELDS = {
        "requests",
        "prompt_tokens",
        "completion_tokens",
        "total_tokens",
        "cost_usd",
        "baseline_usd",
        "saving_usd",
        "saving_percent",
        "measured_samples",
        "measured_ratio",
        "measured_ratio_low",
        "measured_ratio_high",
        "measured_baseline_usd",
        "measured_baseline_low_usd",
        "measured_baseline_high_usd",
        "measured_saving_usd",
        "measured_saving_low_usd",
        "measured_saving_high_usd"
    };

    private final @Nullable CostReports reports;
    private final JsonMapper json;
    private final ObjectWriter writer;
    private final InstantSource clock;

    /**
     * @param reports the ledger's reports; null when the ledger is disabled (every call then answers 503)
     */
    CostsEndpoint(@Nullable CostReports reports, JsonMapper json, InstantSource clock) {
        this.reports = reports;
        this.json = json;
        this.writer = json.writer().with(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN);
        this.clock = clock;
    }

    // ---- GET /admin/costs/summary ----------------------------------------------------------------------------------

    public Mono<ServerResponse> summary(ServerRequest request) {
        return Mono.defer(() -> {
            CostReports r = reports();
            Instant to = time(request, "to");
            Instant from = time(request, "from");
            if (to == null) {
                to = clock.instant();
            }
            if (from == null) {
                from = to.minus(DEFAULT_RANGE);
            }
            if (!from.isBefore(to)) {
                throw ApiException.badRequest(
                        "invalid_parameter", "from", "'from' (" + from + ") must be before 'to' (" + to + ").");
            }
            List<GroupKey> groupBy = groupBy(request);
            boolean csv = wantsCsv(request);
            Instant f = from;
            Instant t = to;
            return blocking(() -> r.summary(f, t, groupBy))
                    .flatMap(s -> csv
                            ? ServerResponse.ok()
                                    .contentType(TEXT_CSV)
                                    .bodyValue(csv(s).getBytes(StandardCharsets.UTF_8))
                            : ServerResponse.ok()
                                    .contentType(MediaType.APPLICATION_JSON)
                                    .bodyValue(writer.writeValueAsBytes(json(s))));
        });
    }

    static @Nullable Instant time(ServerRequest request, String param) {
        String v = request.queryParam(param).orElse("").strip();
        if (v.isEmpty()) {
            return null;
        }
        try {
            if (v.length() == 10) {
                return LocalDate.parse(v).atStartOfDay(ZoneOffset.UTC).toInstant();
            }
            try {
                return Instant.parse(v);
            } catch (DateTimeParseException e) {
                return OffsetDateTime.parse(v).toInstant();
            }
        } catch (DateTimeParseException e) {
            throw ApiException.badRequest(
                    "invalid_parameter",
                    param,
                    "'" + param + "' must be an ISO date (2026-11-29, "
                            + "the start of that day in UTC) or an instant (2026-11-29T10:00:00Z), but was "
                            + JsonErrors.quote(v) + ".");
        }
    }

    static List<GroupKey> groupBy(ServerRequest request) {
        List<GroupKey> keys = new ArrayList<>();
        for (String value : request.queryParams().getOrDefault("groupBy", List.of())) {
            for (String part : value.split(",", -1)) {
                String label = part.strip();
                if (label.isEmpty() && value.isBlank()) {
                    continue;
                }
                GroupKey k = GroupKey.byLabel(label);
                if (k == null) {
                    throw ApiException.badRequest(
                            "invalid_parameter",
                            "groupBy",
                            "'groupBy' may list tenant, tier, day and " + "policy (comma-separated), but has "
                                    + JsonErrors.quote(label) + ".");
                }
                if (keys.contains(k)) {
                    throw ApiException.badRequest(
                            "invalid_parameter", "groupBy", "'groupBy' lists " + JsonErrors.quote(label) + " twice.");
                }
                keys.add(k);
            }
        }
        return keys;
    }

    /** CSV when the client prefers {@code text/csv} to {@code application/json} (by quality, then order). */
    static boolean wantsCsv(ServerRequest request) {
        double csv = 0;
        double jsonQ = 0;
        for (MediaType m : request.headers().accept()) {
            if (m.getType().equals("text") && m.getSubtype().equals("csv")) {
                csv = Math.max(csv, m.getQualityValue());
            } else if (m.getType().equals("application") && m.getSubtype().equals("json")) {
                jsonQ = Math.max(jsonQ, m.getQualityValue());
            }
        }
        return csv > 0 && csv >= jsonQ;
    }

    ObjectNode json(Summary s) {
        ObjectNode root = json.createObjectNode();
        root.put("from", s.from().toString());
        root.put("to", s.to().toString());
        ArrayNode groupBy = root.putArray("group_by");
        s.groupBy().forEach(k -> groupBy.add(k.label()));
        totals(root.putObject("totals"), s.totals());
        ArrayNode groups = root.putArray("groups");
        for (Group g : s.groups()) {
            ObjectNode o = groups.addObject();
            for (int i = 0; i < s.groupBy().size(); i++) {
                o.put(s.groupBy().get(i).label(), g.keys().get(i));
            }
            totals(o, g.totals());
        }
        return root;
    }

    private static void totals(ObjectNode o, Totals t) {
        o.put("requests", t.requests());
        o.put("prompt_tokens", t.promptTokens());
        o.put("completion_tokens", t.completionTokens());
        o.put("total_tokens", t.totalTokens());
        o.put("cost_usd", money(t.costUsd()));
        o.put("baseline_usd", money(t.baselineUsd()));
        o.put("saving_usd", money(t.savingUsd()));
        BigDecimal pct = t.savingPercent();
        if (pct == null) {
            o.putNull("saving_percent");
        } else {
            o.put("saving_percent", pct.doubleValue());
        }
        ObjectNode cascade = o.putObject("cascade");
        cascade.put("cascaded", t.cascaded());
        cascade.put("escalated", t.escalated());
        BigDecimal rate = t.escalationRate();
        if (rate == null) {
            cascade.putNull("escalation_rate");
        } else {
            cascade.put("escalation_rate", rate.doubleValue());
        }
        cascade.put("escalated_cost_usd", money(t.escalatedCostUsd()));
        cascade.put("escalated_latency_ms", t.escalatedLatencyMs());
        CostReports.MeasuredBaseline m = t.measured();
        if (m == null) {
            o.putNull("measured_baseline");
        } else {
            ObjectNode mb = o.putObject("measured_baseline");
            mb.put("samples", m.samples());
            mb.put("ratio", ratio(m.ratio()));
            mb.put("ratio_low", ratio(m.ratioLow()));
            mb.put("ratio_high", ratio(m.ratioHigh()));
            mb.put("baseline_usd", money(m.baselineUsd()));
            mb.put("baseline_low_usd", nullableMoney(m.baselineLowUsd()));
            mb.put("baseline_high_usd", nullableMoney(m.baselineHighUsd()));
            mb.put("saving_usd", money(m.savingUsd()));
            mb.put("saving_low_usd", nullableMoney(m.savingLowUsd()));
            mb.put("saving_high_usd", nullableMoney(m.savingHighUsd()));
        }
    }

    /** A ratio to {@value #RATIO_DECIMALS} decimals (half even); null stays null. */
    static @Nullable BigDecimal ratio(@Nullable BigDecimal r) {
        return r == null ? null : r.setScale(RATIO_DECIMALS, RoundingMode.HALF_EVEN);
    }

    private static @Nullable BigDecimal nullableMoney(@Nullable BigDecimal amount) {
        return amount == null ? null : money(amount);
    }

    /** RFC 4180 CSV: a header line, then one line per group (one line of totals when not grouped). */
    static String csv(Summary s) {
        StringBuilder b = new StringBuilder();
        List<String> header = new ArrayList<>();
        s.groupBy().forEach(k -> header.add(k.label()));
        header.addAll(List.of(TOTAL_FIELDS));
        line(b, header);
        if (s.groupBy().isEmpty()) {
            line(b, csvTotals(List.of(), s.totals()));
        }
        for (Group g : s.groups()) {
            line(b, csvTotals(g.keys(), g.totals()));
        }
        return b.toString();
    }

    private static List<String> csvTotals(List<String> keys, Totals t) {
        List<String> cells = new ArrayList<>(keys);
        BigDecimal pct = t.savingPercent();
        cells.addAll(List.of(
                Long.toString(t.requests()),
                Long.toString(t.promptTokens()),
                Long.toString(t.completionTokens()),
                Long.toString(t.totalTokens()),
                money(t.costUsd()).toPlainString(),
                money(t.baselineUsd()).toPlainString(),
                money(t.savingUsd()).toPlainString(),
                pct == null ? "" : pct.toPlainString()));
        // The measured baseline's columns: empty without samples, the bounds empty with one sample.
        CostReports.MeasuredBaseline m = t.measured();
        if (m == null) {
            cells.addAll(Collections.nCopies(10, ""));
        } else {
            cells.add(Long.toString(m.samples()));
            cells.add(plain(ratio(m.ratio())));
            cells.add(plain(ratio(m.ratioLow())));
            cells.add(plain(ratio(m.ratioHigh())));
            cells.add(money(m.baselineUsd()).toPlainString());
            cells.add(plain(nullableMoney(m.baselineLowUsd())));
            cells.add(plain(nullableMoney(m.baselineHighUsd())));
            cells.add(money(m.savingUsd()).toPlainString());
            cells.add(plain(nullableMoney(m.savingLowUsd())));
            cells.add(plain(nullableMoney(m.savingHighUsd())));
        }
        return cells;
    }

    private static String plain(@Nullable BigDecimal v) {
        return v == null ? "" : v.toPlainString();
    }

    private static void line(StringBuilder b, List<String> cells) {
        for (int i = 0; i < cells.size(); i++) {
            if (i > 0) {
                b.append(',');
            }
            String c = cells.get(i);
            if (c.indexOf(',') >= 0 || c.indexOf('"') >= 0 || c.indexOf('\n') >= 0 || c.indexOf('\r') >= 0) {
                b.append('"').append(c.replace("\"", "\"\"")).append('"');
            } else {
                b.append(c);
            }
        }
        b.append("\r\n");
    }

    // ---- GET /admin/costs/requests ---------------------------------------------------------------------------------

    public Mono<ServerResponse> requests(ServerRequest request) {
        return Mono.defer(() -> {
            CostReports r = reports();
            int limit = limit(request);
            String tenant = request.queryParam("tenant")
                    .map(String::strip)
                    .filter(t -> !t.isEmpty())
                    .orElse(null);
            return blocking(() -> r.recent(limit, tenant)).flatMap(rows -> {
                ObjectNode root = json.createObjectNode();
                ArrayNode data = root.putArray("data");
                rows.forEach(row -> request(data.addObject(), row));
                return ServerResponse.ok()
                        .contentType(MediaType.APPLICATION_JSON)
                        .bodyValue(writer.writeValueAsBytes(root));
            });
        });
    }

    static int limit(ServerRequest request) {
        String v = request.queryParam("limit").orElse("").strip();
        if (v.isEmpty()) {
            return DEFAULT_LIMIT;
        }
        int limit;
        try {
            limit = Integer.parseInt(v);
        } catch (NumberFormatException e) {
            limit = 0;
        }
        if (limit < 1 || limit > MAX_LIMIT) {
            throw ApiException.badRequest(
                    "invalid_parameter",
                    "limit",
                    "'limit' must be a whole number from 1 to " + MAX_LIMIT + ", but was " + JsonErrors.quote(v) + ".");
        }
        return limit;
    }

    private static void request(ObjectNode o, LedgerRecord r) {
        o.put("id", r.id());
        o.put("tenant", r.tenant());
        o.put("time", r.time().toString());
        o.put("policy", r.policy());
        o.put("complexity", r.complexity());
        o.put("decided_tier", r.decidedTier());
        o.put("final_tier", r.finalTier());
        o.put("prompt_tokens", r.promptTokens());
        o.put("completion_tokens", r.completionTokens());
        o.put("cost_usd", money(r.costUsd()));
        o.put("baseline_usd", money(r.baselineUsd()));
        o.put("saving_usd", money(r.savingUsd()));
        o.put("ttfb_ms", r.ttfbMs());
        o.put("latency_ms", r.latencyMs());
        o.put("cache_hit", r.cacheHit());
        o.put("stream", r.stream());
        o.put("outcome", r.outcome());
        o.put("reason", r.reason());
        ArrayNode attempts = o.putArray("attempts");
        for (LedgerRecord.Attempt a : r.attempts()) {
            ObjectNode x = attempts.addObject();
            x.put("tier", a.tier());
            x.put("endpoint", a.endpoint());
            x.put("outcome", a.outcome());
            x.put("prompt_tokens", a.promptTokens());
            x.put("completion_tokens", a.completionTokens());
            x.put("usage_estimated", a.usageEstimated());
            x.put("cost_usd", money(a.costUsd()));
            x.put("error", a.error());
            x.put("judged", a.judged());
            x.put("confidence", a.confidence());
            x.put("latency_ms", a.latencyMs());
        }
    }

    // ---- shared ----------------------------------------------------------------------------------------------------

    /** An exact amount shown like {@code Usd}: at least six decimals, more only when it has them. */
    static BigDecimal money(BigDecimal amount) {
        BigDecimal a = amount.stripTrailingZeros();
        return a.scale() < 6 ? a.setScale(6) : a;
    }

    private CostReports reports() {
        if (reports == null) {
            throw new ApiException(
                    HttpStatus.SERVICE_UNAVAILABLE,
                    "api_error",
                    "ledger_disabled",
                    null,
                    "The cost ledger is disabled (burstgate.ledger.enabled=false), so there are no cost reports.");
        }
        return reports;
    }

    /**
     * Runs {@code query} off the event loop. A database that is down, or whose schema is not there yet (it is created
     * when the database first answers), is a 503; its cause goes to the log, not to the client (it names hosts).
     */
    private static <T> Mono<T> blocking(Callable<T> query) {
        return Mono.fromCallable(query)
                .subscribeOn(Schedulers.boundedElastic())
                .onErrorMap(DataAccessException.class, e -> {
                    log.warn("Cost report failed: {}", e.getMostSpecificCause().toString());
                    return new ApiException(
                            HttpStatus.SERVICE_UNAVAILABLE,
                            "api_error",
                            "ledger_unavailable",
                            null,
                            "The ledger database is not available; the cost reports answer again once it is.");
                });
    }
}
