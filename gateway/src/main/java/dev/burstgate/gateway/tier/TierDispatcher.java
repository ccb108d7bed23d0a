package dev.burstgate.gateway.tier;

import dev.burstgate.gateway.api.BurstgateHeaders;
import dev.burstgate.gateway.api.ApiException;
import dev.burstgate.gateway.api.ErrorBodies;
import dev.burstgate.gateway.budget.BudgetClaim;
import dev.burstgate.gateway.budget.BudgetLimits;
import dev.burstgate.gateway.budget.BudgetStore;
import dev.burstgate.gateway.budget.Denial;
import dev.burstgate.gateway.budget.Reservation;
import dev.burstgate.gateway.routing.RoutedRequest;
import dev.burstgate.gateway.usage.AttemptRecord;
import dev.burstgate.gateway.usage.CostEvents;
import dev.burstgate.gateway.usage.CostRecord;
import dev.burstgate.gateway.usage.Outcome;
import dev.burstgate.policies.Tier;
import dev.burstgate.policies.budget.ExhaustedAction;
import dev.burstgate.policies.cost.PriceTable;
import dev.burstgate.policies.cost.Usage;
import dev.burstgate.policies.cost.Usd;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Answers a routed request: tries its tiers in order, falls back to the next one only while nothing has reached the
 * client, writes JSON or server-sent events, reads usage from what passes through, prices every billed attempt, and
 * publishes one {@link CostRecord} per request: for an answer, before its last bytes are written (so a ledger that
 * journals records has it on disk before the client has the whole answer); otherwise when the request ends.
 *
 * <p>Response headers are set when the first chunk arrives, just before they are committed, so
 * {@code X-Burstgate-Tier} names the tier that actually answered. A stream cut after its first byte ends with an
 * OpenAI-shaped error event and no {@code [DONE]}, never a clean finish.
 *
 * <p>Budgets: before each attempt on a priced tier the dispatcher reserves the attempt's estimated cost in the
 * tenant's {@link BudgetStore} (prompt tokens estimated from the characters, completion tokens = the request's
 * {@code max_tokens} or a configured default; exact for per-query prices); afterwards it settles the reservation with
 * the attempt's billed cost (answered, cut or cancelled) or releases it (failed before producing anything). Every
 * fallback attempt reserves again; a free tier never reserves and is never blocked. A refused reservation is recorded
 * as a rejected attempt and the request continues only with tiers the policy's exhausted-action allows (see
 * {@link RoutedRequest#onExhausted()}); when nothing answered because of a refusal the client gets 402
 * {@code budget_exhausted} and the record's outcome is {@link Outcome#REJECTED}. Each reservation is settled or
 * released exactly once, also when the client goes away or an attempt errors ({@link BudgetClaim}).
 */
public final class TierDispatcher {

  private static final Logger log = LoggerFactory.getLogger(TierDispatcher.class);


  private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);

  private final Map<Tier, TierBackend> backends;
  private final PriceTable prices;
  private final CostEvents events;
  private final JsonMapper json;
  private final BudgetStore budgets;
  private final int defaultCompletionTokens;

  /** A dispatcher with no budget limits (every tenant unlimited, kept in memory) and 256 default completion tokens. */
  public TierDispatcher(List<TierBackend> backends, PriceTable prices, CostEvents events, JsonMapper json) {
    this(backends, prices, events, json, BudgetStore.inMemory(tenant -> BudgetLimits.NONE, InstantSource.system()), 256);
  }

  /**
   * @param budgets where attempts reserve and settle their cost
   * @param defaultCompletionTokens completion tokens assumed in an estimate when the request names no {@code max_tokens}
   */
  public TierDispatcher(List<TierBackend> backends, PriceTable prices, CostEvents events, JsonMapper json,
      BudgetStore budgets, int defaultCompletionTokens) {
    Map<Tier, TierBackend> m = new EnumMap<>(Tier.class);
    for (TierBackend b : backends) {
      m.put(b.tier(), b);
    }
    this.backends = Collections.unmodifiableMap(m);
    this.prices = prices;
    this.events = events;
    this.json = json;
    this.budgets = budgets;
    if (defaultCompletionTokens < 1) {
      throw new IllegalArgumentException("defaultCompletionTokens must be >= 1 but was " + defaultCompletionTokens);
    }
    this.defaultCompletionTokens = defaultCompletionTokens;
  }

  public Map<Tier, TierBackend> backends() {
    return backends;
  }

  /** Answers {@code routed} on {@code exchange}; the returned Mono completes when the response is written. */
  public Mono<Void> dispatch(ServerWebExchange exchange, RoutedRequest routed, @Nullable CacheStore cache) {
    Call call = new Call(routed);
    return routed.request().stream() ? stream(exchange, call) : complete(exchange, call, cache);
  }

  // ---- non-streaming ------------------------------------------------------------------------------------------

  private Mono<Void> complete(ServerWebExchange exchange, Call call, @Nullable CacheStore cache) {
    ServerHttpResponse response = exchange.getResponse();
    return attempts(call, 0).next()
        .switchIfEmpty(Mono.error(() -> noTier(call)))
        .flatMap(answer -> {
          ObjectNode body = answer.chunk().json();
          AttemptMeter meter = call.current.get();
          Usage usage = meter.usage(call.routed.promptChars(), false);
          call.finish(Outcome.OK, usage, meter.estimated(), null);
          Usd cost = call.totalCost();
          writeUsage(body, usage, cost);
          if (cache != null) {
            cache.put(answer.tier(), body);
          }
          byte[] bytes = json.writeValueAsBytes(body);
          HttpHeaders h = response.getHeaders();
          setTierHeaders(h, call, answer.tier());
          h.set(BurstgateHeaders.COST, cost.toString());
          h.setContentType(MediaType.APPLICATION_JSON);
          h.setContentLength(bytes.length);
          call.firstByte();
          // The record is handed to the ledger (which journals it) before the answer leaves.
          publish(call, SignalType.ON_COMPLETE, false);
          return response.writeWith(Mono.fromSupplier(() -> response.bufferFactory().wrap(bytes)));
        })
        .doFinally(signal -> publish(call, signal, false));
  }

  // ---- streaming ----------------------------------------------------------------------------------------------

  private Mono<Void> stream(ServerWebExchange exchange, Call call) {
    ServerHttpResponse response = exchange.getResponse();
    boolean includeUsage = call.routed.request().includeUsage();
    AtomicReference<@Nullable ObjectNode> template = new AtomicReference<>();
    Flux<DataBuffer> body = attempts(call, 0)
        .concatMap(answer -> {
          ObjectNode chunk = answer.chunk().json();
          if (call.started.compareAndSet(false, true)) {
            HttpHeaders h = response.getHeaders();
            setTierHeaders(h, call, answer.tier());
            h.setContentType(MediaType.TEXT_EVENT_STREAM);
            h.setCacheControl("no-cache");
            h.set("X-Accel-Buffering", "no");
            call.firstByte();
          }
          template.compareAndSet(null, chunk);
          JsonNode usage = chunk.get("usage");
          if (usage != null) {
            chunk.remove("usage");
            if (chunk.path("choices").isEmpty()) {
              return Mono.empty();
            }
          }
          return Mono.just(sse(response, chunk));
        })
        .switchIfEmpty(Mono.error(() -> noTier(call)))
        .concatWith(Flux.defer(() -> {
          AttemptMeter meter = call.current.get();
          Usage usage = meter.usage(call.routed.promptChars(), true);
          call.finish(Outcome.OK, usage, meter.estimated(), null);
          // The record is handed to the ledger (which journals it) before the stream's last bytes leave.
          publish(call, SignalType.ON_COMPLETE, true);
          Flux<DataBuffer> tail = Flux.empty();
          if (includeUsage) {
            ObjectNode last = usageChunk(template.get(), usage, call.totalCost());
            tail = Flux.just(sse(response, last));
          }
          return tail.concatWith(Mono.fromSupplier(() -> response.bufferFactory().wrap(DONE)));
        }))
        .onErrorResume(e -> {
          if (!call.started.get()) {
            return Flux.error(e instanceof ApiException ? e : noTier(call));
          }
          // After the first byte: bill what was produced, end with an error event, and no [DONE].
          AttemptMeter meter = call.current.get();
          call.finish(Outcome.CUT, meter.usage(call.routed.promptChars(), true), meter.estimated(), detail(e));
          call.cut = true;
          log.warn("request {}: the {} tier failed mid-stream: {}", call.routed.requestId(), meter.tier.label(),
              detail(e));
          ApiException err = new ApiException(HttpStatus.BAD_GATEWAY, "api_error", "stream_cut", null,
              "The " + meter.tier.label() + " tier failed mid-stream: it " + publicMessage(e) + ".");
          return Flux.just(sse(response, ErrorBodies.body(json, err)));
        });
    return response.writeAndFlushWith(body.map(Mono::just))
        .doFinally(signal -> publish(call, signal, true));
  }

  private DataBuffer sse(ServerHttpResponse response, JsonNode node) {
    byte[] payload = json.writeValueAsBytes(node);
    DataBuffer buf = response.bufferFactory().allocateBuffer(payload.length + 8);
    buf.write("data: ".getBytes(StandardCharsets.US_ASCII));
    buf.write(payload);
    buf.write(new byte[] {'\n', '\n'});
    return buf;
  }

  private ObjectNode usageChunk(@Nullable ObjectNode template, Usage usage, Usd cost) {
    ObjectNode chunk = json.createObjectNode();
    if (template != null) {
      chunk.set("id", template.get("id"));
      chunk.put("object", "chat.completion.chunk");
      chunk.set("created", template.get("created"));
      chunk.set("model", template.get("model"));
    }
    chunk.putArray("choices");
    ObjectNode u = chunk.putObject("usage");
    fillUsage(u, usage, cost);
    return chunk;
  }

  private static void writeUsage(ObjectNode body, Usage usage, Usd cost) {
    fillUsage(body.putObject("usage"), usage, cost);
  }

  private static void fillUsage(ObjectNode u, Usage usage, Usd cost) {
    u.put("prompt_tokens", usage.promptTokens());
    u.put("completion_tokens", usage.completionTokens());
    u.put("total_tokens", usage.totalTokens());
    u.put("cost", cost.amount());
  }

  // ---- attempts and fallback ----------------------------------------------------------------------------------

  private Flux<Answer> attempts(Call call, int index) {
    List<Tier> tiers = call.plan;
    if (index >= tiers.size()) {
      return Flux.error(noTier(call));
    }
    Tier tier = tiers.get(index);
    TierBackend backend = backends.get(tier);
    if (backend == null || !backend.available()) {
      call.skip(tier, backend == null ? "tier disabled" : "tier unavailable");
      return attempts(call, index + 1);
    }
    if (prices.price(tier).isFree()) {
      return call.budgetAllowsFree(tier) ? attempt(call, index, tier, backend, null) : attempts(call, index + 1);
    }
    Usd estimate = estimate(call.routed, tier);
    if (!call.budgetAllows(tier, estimate)) {
      return attempts(call, index + 1);
    }
    return Flux.defer(() -> {
      BudgetClaim claim = call.claim(new BudgetClaim(budgets));
      boolean overLimit = tier == Tier.LOCAL && call.routed.onExhausted() == ExhaustedAction.LOCAL_ONLY;
      return claim.reserve(call.routed.tenant().name(), estimate, overLimit)
          .onErrorResume(e -> Mono.error(new BudgetUnavailable(e)))
          .flatMapMany(result -> switch (result) {
            case Reservation r -> attempt(call, index, tier, backend, claim);
            case Denial d -> {
              call.denied(tier, estimate, d);
              yield attempts(call, index + 1);
            }
          })
          .onErrorResume(BudgetUnavailable.class, e -> {
            call.budgetFailed(tier, e.getCause());
            return attempts(call, index + 1);
          });
    });
  }

  /** One attempt on {@code tier}, holding {@code claim} (null for a free tier) until it is billed or has failed. */
  private Flux<Answer> attempt(Call call, int index, Tier tier, TierBackend backend, @Nullable BudgetClaim claim) {
    return Flux.defer(() -> {
      AttemptMeter meter = new AttemptMeter(tier, claim);
      call.current.set(meter);
      return backend.call(call.routed.request(), call.routed.requestId())
          .doOnNext(meter::see)
          .map(c -> new Answer(tier, c))
          .onErrorResume(e -> {
            if (meter.produced) {
              return Flux.error(e);
            }
            call.failed(meter, e);
            if (e instanceof AttemptFailure af && af.kind() == AttemptFailure.Kind.REFUSED) {
              // The request is at fault, not the tier: no other tier is tried, nothing is billed.
              return Flux.error(ApiException.badRequest("invalid_request", null, "The " + tier.label()
                  + " tier " + af.publicMessage() + "; check the request's parameters."));
            }
            return attempts(call, index + 1);
          });
    });
  }

  /** What an attempt on {@code tier} may cost at most, as far as the request tells. */
  Usd estimate(RoutedRequest routed, Tier tier) {
    Integer max = routed.request().maxTokens();
    return prices.cost(tier, new Usage(routed.estimatedPromptTokens(), max != null ? max : defaultCompletionTokens));
  }

  /** The budget store failed while reserving (as opposed to the attempt failing). */
  private static final class BudgetUnavailable extends RuntimeException {
    BudgetUnavailable(Throwable cause) {
      super(cause.toString(), cause, false, false);
    }
  }

  private ApiException noTier(Call call) {
    Denial denial = call.lastDenial;
    if (denial != null) {
      return ApiException.budgetExhausted("Budget exhausted for tenant '" + denial.tenant() + "': " + denial.message()
          + " (" + call.summary() + ").");
    }
    if (call.lastFailure instanceof ApiException api) {
      return api;
    }
    if (call.contextExceeded && call.lastFailure instanceof AttemptFailure af
        && af.kind() == AttemptFailure.Kind.CONTEXT_EXCEEDED) {
      return new ApiException(HttpStatus.BAD_REQUEST, "invalid_request_error", "context_length_exceeded", "messages",
          "The prompt is longer than the context of every tier that may answer it (" + call.summary() + ").");
    }
    if (call.attempts.isEmpty() || call.attempts.stream().allMatch(a -> a.endpoint().equals("-"))) {
      return ApiException.noTier(HttpStatus.SERVICE_UNAVAILABLE, "no_tier_available",
          "No tier is available for this request (" + call.summary() + ").");
    }
    if (call.lastFailure instanceof AttemptFailure af && af.timeout()) {
      return ApiException.timeout("Every tier tried timed out (" + call.summary() + ").");
    }
    return ApiException.noTier(HttpStatus.BAD_GATEWAY, "upstream_failed",
        "No tier could answer (" + call.summary() + ").");
  }

  private void setTierHeaders(HttpHeaders h, Call call, Tier tier) {
    h.set(BurstgateHeaders.TIER, tier.label());
    h.set(BurstgateHeaders.REASON, BurstgateHeaders.value(call.reason(tier)));
  }

  /** What a client may read about a failed attempt: never an endpoint, an upstream body or a class name. */
  private static String publicMessage(Throwable e) {
    if (e instanceof AttemptFailure af) {
      return af.publicMessage();
    }
    if (e instanceof ApiException api) {
      return "failed: " + api.getMessage();
    }
    return "failed";
  }

  /** What the log and the ledger keep about a failed attempt (AttemptFailure details are already redacted). */
  private static String detail(Throwable e) {
    if (e instanceof AttemptFailure af) {
      return af.getMessage() != null ? af.getMessage() : af.kind().name();
    }
    return e.getMessage() != null ? e.getClass().getSimpleName() + ": " + e.getMessage() : e.getClass().getSimpleName();
  }

  // ---- the cost record ----------------------------------------------------------------------------------------

  private void publish(Call call, SignalType signal, boolean stream) {
    if (!call.published.compareAndSet(false, true)) {
      return;
    }
    RoutedRequest r = call.routed;
    Outcome outcome;
    if (call.cut) {
      outcome = Outcome.CUT;
    } else if (signal == SignalType.CANCEL && !call.finished) {
      AttemptMeter meter = call.current.get();
      if (meter != null && meter.produced) {
        call.finish(Outcome.CANCELLED, meter.usage(r.promptChars(), stream), meter.estimated(), "client went away");
      }
      outcome = Outcome.CANCELLED;
    } else if (!call.finished) {
      outcome = call.lastDenial != null ? Outcome.REJECTED : Outcome.ERROR;
    } else {
      outcome = call.attempts.size() > 1 ? Outcome.FALLBACK : Outcome.OK;
    }
    AttemptRecord answered = call.answered;
    Usage usage = answered != null ? answered.usage() : Usage.NONE;
    Usd baseline = answered != null ? prices.baseline(usage) : Usd.ZERO;
    Tier finalTier = answered != null ? answered.tier()
        : call.attempts.isEmpty() ? null : call.attempts.get(call.attempts.size() - 1).tier();
    call.closeClaims();
    long now = System.nanoTime();
    events.publish(new CostRecord(r.requestId(), r.tenant().name(), r.startTime(), r.policy(), r.complexity(),
        r.decidedTier(), finalTier, usage, call.totalCost(), baseline,
        call.firstByteNanos > 0 ? Duration.ofNanos(call.firstByteNanos - r.startNanos()) : null,
        Duration.ofNanos(now - r.startNanos()), false, stream, outcome, call.reason(finalTier), List.copyOf(call.attempts)));
  }

  /** What one request has gone through so far. */
  private final class Call {
    final RoutedRequest routed;
    /** The tiers to try: the routed ones, plus local when a refusal under local-only adds it. */
    final List<Tier> plan;
    final List<AttemptRecord> attempts = Collections.synchronizedList(new ArrayList<>());
    final List<BudgetClaim> claims = new CopyOnWriteArrayList<>();
    final AtomicReference<AttemptMeter> current = new AtomicReference<>();
    final AtomicBoolean started = new AtomicBoolean();
    final AtomicBoolean published = new AtomicBoolean();
    final StringBuilder fallbackNotes = new StringBuilder();
    volatile @Nullable Throwable lastFailure;
    /** The latest refused reservation, or null. */
    volatile @Nullable Denial lastDenial;
    /** After a refusal under reject: only tiers whose estimate is below this (or free) may be tried. */
    volatile @Nullable Usd deniedAt;
    volatile @Nullable AttemptRecord answered;
    volatile boolean finished;
    /** Some tier refused the prompt as longer than its context. */
    volatile boolean contextExceeded;
    volatile boolean cut;
    volatile long firstByteNanos;

    Call(RoutedRequest routed) {
      this.routed = routed;
      this.plan = new CopyOnWriteArrayList<>(routed.tiers());
    }

    BudgetClaim claim(BudgetClaim claim) {
      claims.add(claim);
      return claim;
    }

    /** Releases whatever an attempt still holds (an attempt cancelled or ended in error); a no-op for closed claims. */
    void closeClaims() {
      for (BudgetClaim c : claims) {
        c.close(Usd.ZERO);
      }
    }

    /** Whether a priced tier with this estimate may still be tried after the refusals so far. */
    boolean budgetAllows(Tier tier, Usd estimate) {
      if (lastDenial == null) {
        return true;
      }
      Usd cheapestRefused = deniedAt;
      return switch (routed.onExhausted()) {
        case REJECT -> cheapestRefused != null && estimate.compareTo(cheapestRefused) < 0;
        case LOCAL_ONLY -> tier == Tier.LOCAL;
      };
    }

    /** Whether a free tier may still be tried after the refusals so far (always, but for non-local under local-only). */
    boolean budgetAllowsFree(Tier tier) {
      return lastDenial == null || routed.onExhausted() == ExhaustedAction.REJECT || tier == Tier.LOCAL;
    }

    void denied(Tier tier, Usd estimate, Denial denial) {
      attempts.add(new AttemptRecord(tier, "-", Outcome.REJECTED, Usage.NONE, false, Usd.ZERO, "budget exhausted"));
      note(tier, "refused by budget", denial.message());
      lastDenial = denial;
      Usd cheapestRefused = deniedAt;
      deniedAt = cheapestRefused == null || estimate.compareTo(cheapestRefused) < 0 ? estimate : cheapestRefused;
      if (routed.onExhausted() == ExhaustedAction.LOCAL_ONLY && routed.request().forcedTier() == null
          && !plan.contains(Tier.LOCAL)) {
        plan.add(Tier.LOCAL);
      }
    }

    void budgetFailed(Tier tier, Throwable e) {
      lastFailure = e;
      log.warn("request {}: the budget store failed while reserving for the {} tier: {}", routed.requestId(),
          tier.label(), detail(e));
      attempts.add(new AttemptRecord(tier, "-", Outcome.ERROR, Usage.NONE, false, Usd.ZERO,
          "budget store unavailable: " + detail(e)));
      note(tier, "not tried: the budget store is unavailable");
    }

    void firstByte() {
      firstByteNanos = System.nanoTime();
    }

    void skip(Tier tier, String why) {
      attempts.add(new AttemptRecord(tier, "-", Outcome.ERROR, Usage.NONE, false, Usd.ZERO, why));
      note(tier, "not tried: " + why);
    }

    void failed(AttemptMeter meter, Throwable e) {
      lastFailure = e;
      String endpoint = e instanceof AttemptFailure af ? af.endpoint() : meter.endpoint != null ? meter.endpoint : "?";
      String detail = detail(e);
      if (e instanceof AttemptFailure af) {
        contextExceeded |= af.kind() == AttemptFailure.Kind.CONTEXT_EXCEEDED;
        if (af.kind() == AttemptFailure.Kind.BUSY || af.kind() == AttemptFailure.Kind.CONTEXT_EXCEEDED) {
          log.debug("request {}: the {} tier {}: {}", routed.requestId(), meter.tier.label(), af.publicMessage(), detail);
        } else {
          log.warn("request {}: the {} tier {}: {}", routed.requestId(), meter.tier.label(), af.publicMessage(), detail);
        }
      } else {
        log.warn("request {}: the {} tier failed: {}", routed.requestId(), meter.tier.label(), detail, e);
      }
      attempts.add(new AttemptRecord(meter.tier, endpoint, Outcome.ERROR, Usage.NONE, false, Usd.ZERO, detail));
      note(meter.tier, publicMessage(e));
      meter.closeClaim(Usd.ZERO);
    }

    /** The attempt in {@link #current} answered (or was cut); prices it. */
    void finish(Outcome outcome, Usage usage, boolean estimated, @Nullable String error) {
      if (finished) {
        return;
      }
      finished = true;
      AttemptMeter meter = current.get();
      String endpoint = meter.endpoint != null ? meter.endpoint : "?";
      AttemptRecord rec = new AttemptRecord(meter.tier, endpoint, outcome, usage, estimated,
          prices.cost(meter.tier, usage), error);
      attempts.add(rec);
      answered = rec;
      meter.closeClaim(rec.cost());
    }

    Usd totalCost() {
      Usd sum = Usd.ZERO;
      synchronized (attempts) {
        for (AttemptRecord a : attempts) {
          sum = sum.plus(a.cost());
        }
      }
      return sum;
    }

    private void note(Tier tier, String what, String why) {
      note(tier, what + ": " + why);
    }

    /** A client-safe note: "cloud answered an error (HTTP 503)". */
    private void note(Tier tier, String what) {
      synchronized (fallbackNotes) {
        if (!fallbackNotes.isEmpty()) {
          fallbackNotes.append("; ");
        }
        fallbackNotes.append(tier.label()).append(' ').append(what);
      }
    }

    String reason(@Nullable Tier finalTier) {
      synchronized (fallbackNotes) {
        if (fallbackNotes.isEmpty() || finalTier == null) {
          return routed.reason();
        }
        String r = routed.reason() + "; fallback to " + finalTier.label() + " (" + fallbackNotes + ")";
        return r.length() > 300 ? r.substring(0, 300) + "…" : r;
      }
    }

    String summary() {
      synchronized (fallbackNotes) {
        return fallbackNotes.isEmpty() ? "no tier tried" : fallbackNotes.toString();
      }
    }
  }

  /** Stores a deterministic answer for reuse; supplied by the caller when the request is cacheable. */
  @FunctionalInterface
  public interface CacheStore {
    void put(Tier tier, ObjectNode answer);
  }
}
