package dev.burstgate.gateway.config;

import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.math.BigDecimal;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * Everything under {@code burstgate.*}. Immutable and validated at start-up: a bad value stops the gateway with a
 * message naming the property.
 *
 * @param policy the default policy name for tenants that name none
 * @param policiesDir a directory of extra policy YAML files, hot-reloaded
 * @param dataDir where the embedded ledger, its spill file and the generated tiny model live
 * @param simulateMissingTiers run simulated stand-ins for unconfigured tiers ({@code false} disables them instead)
 * @param tiers the three tiers' backends and prices
 * @param tenants API tenants; none configured means one demo tenant with a published key
 * @param adminKeySha256 SHA-256 (hex) of the admin API key
 * @param models extra model aliases clients may name in {@code model}, each mapping to {@code auto} or a tier
 * @param limits request limits
 * @param resilience time limits, breaker and bulkhead settings per backend
 * @param cache the exact-match response cache
 */
@Validated
@ConfigurationProperties(prefix = "burstgate")
public record BurstgateProperties(
    @DefaultValue("balanced") @NotBlank String policy,
    @Nullable Path policiesDir,
    @DefaultValue("./data") @NotNull Path dataDir,
    @DefaultValue("true") boolean simulateMissingTiers,
    @DefaultValue @Valid Tiers tiers,
    @DefaultValue @Valid List<TenantProperties> tenants,
    @Nullable @Pattern(regexp = "[0-9a-fA-F]{64}", message = "must be 64 hex characters (a SHA-256)") String adminKeySha256,
    @DefaultValue Map<String, String> models,
    @DefaultValue @Valid Limits limits,
    @DefaultValue @Valid Resilience resilience,
    @DefaultValue @Valid Cache cache) {

  /** The three tiers. */
  public record Tiers(@DefaultValue @Valid Local local, @DefaultValue @Valid Cloud cloud, @DefaultValue @Valid Legacy legacy) {}

  /** A tier's prices as configured: per query and per million input / output tokens, in USD. */
  public interface Priced {
    BigDecimal pricePerQuery();

    BigDecimal pricePerMillionInputTokens();

    BigDecimal pricePerMillionOutputTokens();

    default Price price() {
      return new Price(pricePerQuery(), pricePerMillionInputTokens(), pricePerMillionOutputTokens());
    }
  }

  /** Prices of one tier, per query and per million input / output tokens, in USD. */
  public record Price(
      @DecimalMin("0") BigDecimal perQuery,
      @DecimalMin("0") BigDecimal perMillionInputTokens,
      @DecimalMin("0") BigDecimal perMillionOutputTokens) {}

  /**
   * The in-process engine.
   *
   * @param enabled {@code false} turns the local tier off (routing then skips it)
   * @param model a GGUF file; none means the generated tiny model
   * @param parallel parallel generation slots
   * @param context context size in tokens (shared by the slots)
   * @param threads CPU threads for inference
   * @param maxQueue requests that may wait for a slot before admission is refused
   * @param gpuLayers layers to offload (only with a GPU build of the natives)
   * @param maxTokens the completion limit when a request names none
   * @param name the model name reported to clients
   */
  public record Local(
      @DefaultValue("true") boolean enabled,
      @Nullable Path model,
      @DefaultValue("2") @Min(1) @Max(64) int parallel,
      @DefaultValue("2048") @Min(128) int context,
      @DefaultValue("2") @Min(1) int threads,
      @DefaultValue("8") @Min(0) int maxQueue,
      @DefaultValue("0") @Min(0) int gpuLayers,
      @DefaultValue("256") @Min(1) int maxTokens,
      @DefaultValue("burstgate-local") String name,
      @DefaultValue("0.02") @DecimalMin("0") BigDecimal pricePerQuery,
      @DefaultValue("0") @DecimalMin("0") BigDecimal pricePerMillionInputTokens,
      @DefaultValue("0") @DecimalMin("0") BigDecimal pricePerMillionOutputTokens) implements Priced {}

  /**
   * The cloud pool: OpenAI-compatible endpoints (base URLs, e.g. {@code http://node:8000}) serving one model.
   *
   * @param healthPath the path the pool's health check calls on each node
   */
  public record Cloud(
      @DefaultValue List<URI> endpoints,
      @Nullable String apiKey,
      @DefaultValue("burstgate-cloud") String model,
      @DefaultValue("/health") String healthPath,
      @DefaultValue("0.18") @DecimalMin("0") BigDecimal pricePerQuery,
      @DefaultValue("0") @DecimalMin("0") BigDecimal pricePerMillionInputTokens,
      @DefaultValue("0") @DecimalMin("0") BigDecimal pricePerMillionOutputTokens) implements Priced {}

  /** The legacy commercial API: its base URL (e.g. {@code https://api.example.com}), key and model. */
  public record Legacy(
      @Nullable URI url,
      @Nullable String apiKey,
      @DefaultValue("burstgate-legacy") String model,
      @DefaultValue("1.10") @DecimalMin("0") BigDecimal pricePerQuery,
      @DefaultValue("0") @DecimalMin("0") BigDecimal pricePerMillionInputTokens,
      @DefaultValue("0") @DecimalMin("0") BigDecimal pricePerMillionOutputTokens) implements Priced {}

  /**
   * One tenant.
   *
   * @param name the tenant's name (appears in metrics, ledger and reports)
   * @param keySha256 SHA-256 (hex) of the tenant's API key; the key itself is never configured or logged
   * @param policy the tenant's policy; none means {@code burstgate.policy}
   * @param allowedPolicies other policies the tenant may pick per request with {@code X-Burstgate-Policy}
   * @param requestsPerSecond the tenant's request rate limit
   * @param budget daily and monthly spend limits in USD (none: unlimited), enforced per UTC day and month; see
   *     {@link Budget}
   */
  public record TenantProperties(
      @NotBlank String name,
      @NotBlank @Pattern(regexp = "[0-9a-fA-F]{64}", message = "must be 64 hex characters (a SHA-256)") String keySha256,
      @Nullable String policy,
      @DefaultValue List<String> allowedPolicies,
      @DefaultValue("50") @Min(1) int requestsPerSecond,
      @DefaultValue @Valid Budget budget) {}

  /**
   * A tenant's spend limits in USD per UTC day and per UTC month; absent means unlimited. Enforced: each attempt on a
   * priced tier reserves its estimated cost first and is refused when spent + reserved would pass a limit; the
   * policy degrades at its thresholds and acts at 100 % ({@code reject}: HTTP 402 {@code budget_exhausted}, unless the
   * local tier is free; {@code local-only}: local keeps serving). At most 1,000,000 and nine decimals each. Shared by
   * every instance when {@code spring.data.redis.*} is set, per instance otherwise; {@code PUT /admin/budgets/{tenant}}
   * overrides them at run time. See {@code burstgate.budgets.*} for how they are enforced.
   *
   * @param daily USD per UTC day, or absent
   * @param monthly USD per UTC month, or absent
   */
  public record Budget(@Nullable @DecimalMin("0") BigDecimal daily, @Nullable @DecimalMin("0") BigDecimal monthly) {}

  /** Request limits. */
  public record Limits(@DefaultValue("1MB") DataSize maxBodySize) {}

  /**
   * Resilience settings applied to every remote backend (each cloud node and the legacy API).
   *
   * @param firstByteTimeout how long an attempt may take to produce its first chunk (or whole answer)
   * @param idleTimeout how long a stream may stay silent between chunks
   * @param connectTimeout TCP connect timeout
   * @param maxConcurrent bulkhead: concurrent calls per backend
   * @param failureRateThreshold breaker opens at this failure percentage
   * @param slidingWindow calls the breaker looks at
   * @param minimumCalls calls before the breaker may judge
   * @param openWait how long an open breaker waits before letting trial calls through
   * @param connectRetries retries on connect errors (another node of the pool where there is one)
   */
  public record Resilience(
      @DefaultValue("30s") Duration firstByteTimeout,
      @DefaultValue("60s") Duration idleTimeout,
      @DefaultValue("2s") Duration connectTimeout,
      @DefaultValue("64") @Min(1) int maxConcurrent,
      @DefaultValue("50") @Min(1) @Max(100) int failureRateThreshold,
      @DefaultValue("20") @Min(1) int slidingWindow,
      @DefaultValue("5") @Min(1) int minimumCalls,
      @DefaultValue("10s") Duration openWait,
      @DefaultValue("2") @Min(0) int connectRetries) {}

  /** Exact-match cache of deterministic non-streaming answers. */
  public record Cache(
      @DefaultValue("true") boolean enabled,
      @DefaultValue("10000") @Min(0) long maxEntries,
      @DefaultValue("10m") Duration ttl) {}
}
