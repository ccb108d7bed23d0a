package dev.burstgate.gateway.local;

import dev.burstgate.engine.EngineConfig;
import dev.burstgate.engine.EngineStats;
import dev.burstgate.engine.LocalEngine;
import dev.burstgate.engine.model.TinyModelGenerator;
import dev.burstgate.gateway.config.DataDirProperties;
import dev.burstgate.gateway.local.runner.LocalRunner;
import dev.burstgate.gateway.local.runner.RunnerConfiguration;
import dev.burstgate.gateway.local.runner.RunnerProperties;
import dev.burstgate.gateway.tier.DemoMode;
import dev.burstgate.gateway.tier.DisabledTier;
import dev.burstgate.gateway.tier.TierBackend;
import dev.burstgate.gateway.tier.TiersProperties;
import dev.burstgate.policies.Tier;
import dev.burstgate.policies.capability.TierCapabilities;
import dev.burstgate.policies.routing.LocalEngineState;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.Objects;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotatedTypeMetadata;
import tools.jackson.databind.json.JsonMapper;

/**
 * The local tier: one engine in this process, on {@code burstgate.tiers.local.model}; without a model the tier is off,
 * or, in demo mode ({@link DemoMode}), runs on a generated tiny model (simulated: it answers with random text, priced
 * like the real tier). {@code burstgate.tiers.local.enabled=false} turns it off whatever is configured.
 */
@Configuration(proxyBeanMethods = false)
class LocalTierConfiguration {

    /** The local engine runs when the tier is enabled and has a model, or demo mode gives it the tiny one. */
    static final class EngineWanted implements Condition {
        @Override
        public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
            return wanted(context.getEnvironment());
        }

        static boolean wanted(Environment env) {
            if (!env.getProperty("burstgate.tiers.local.enabled", Boolean.class, true)
                    || RunnerConfiguration.wanted(env)) {
                return false;
            }
            String model = env.getProperty("burstgate.tiers.local.model");
            return (model != null && !model.isBlank()) || DemoMode.on(env);
        }
    }

    private static final Logger log = LoggerFactory.getLogger(LocalTierConfiguration.class);

    @Bean(destroyMethod = "close")
    @Conditional(EngineWanted.class)
    LocalEngine localEngine(TiersProperties tiers, DataDirProperties data, Environment env) {
        TiersProperties.Local local = tiers.local();
        Path model = local.model();
        if (model == null) {
            model = TinyModelGenerator.ensureTinyModel(data.dataDir().resolve("models"));
            log.info(
                    "local tier: SIMULATED by the generated tiny model {} ({}; set burstgate.tiers.local.model for a real "
                            + "one)",
                    model,
                    DemoMode.why(env));
        } else {
            log.info(
                    "local tier: IN-PROCESS engine (llama.cpp through JNI, CPU natives; for native llama.cpp speed or a "
                            + "GPU set burstgate.tiers.local.runner.command), model {} ({} slots, context {}, {} threads)",
                    model,
                    local.parallel(),
                    local.context(),
                    local.threads());
        }
        return LocalEngine.start(EngineConfig.builder()
                .modelPath(model)
                .contextSize(local.context())
                .parallel(local.parallel())
                .threads(local.threads())
                .gpuLayers(local.gpuLayers())
                .maxQueue(local.maxQueue())
                .build());
    }

    @Bean
    TierBackend localTier(
            ObjectProvider<LocalEngine> engine,
            ObjectProvider<LocalRunner> runner,
            TiersProperties tiers,
            JsonMapper json,
            InstantSource clock) {
        TiersProperties.Local local = tiers.local();
        LocalRunner r = runner.getIfAvailable();
        if (r != null) {
            return r.backend();
        }
        LocalEngine e = engine.getIfAvailable();
        if (e == null) {
            log.info(
                    "local tier: OFF ({})",
                    local.enabled()
                            ? "no burstgate.tiers.local.model, and demo mode is off"
                            : "burstgate.tiers.local.enabled=false");
            return new DisabledTier(Tier.LOCAL, local.name());
        }
        return new LocalBackend(e, local.name(), local.model() == null, local.maxTokens(), json, clock);
    }

    /**
     * What each tier serves; the local tier's context is one slot's share of the engine that serves it: the runner's
     * {@code context / parallel} in runner mode (each defaulting to the local tier's), else the in-process engine's.
     */
    @Bean
    TierCapabilities tierCapabilities(TiersProperties tiers, RunnerProperties runner, Environment env) {
        TiersProperties.Local local = tiers.local();
        if (RunnerConfiguration.wanted(env)) {
            int context = Objects.requireNonNullElse(runner.context(), local.context());
            int parallel = Objects.requireNonNullElse(runner.parallel(), local.parallel());
            return tiers.capabilities((long) (context / parallel));
        }
        return tiers.capabilities();
    }

    /** What routing needs to know about the engine's load, read fresh for every request. */
    @Bean
    Supplier<LocalEngineState> localEngineState(
            ObjectProvider<LocalEngine> engine, ObjectProvider<LocalRunner> runner) {
        LocalRunner r = runner.getIfAvailable();
        if (r != null) {
            return r.load()::state;
        }
        LocalEngine e = engine.getIfAvailable();
        if (e == null) {
            return () -> new LocalEngineState(0, 0, false);
        }
        return () -> {
            EngineStats s = e.stats();
            boolean admitting = s.freeSlots() > 0 || s.queued() < s.maxQueue();
            return new LocalEngineState(e.estimatedQueueWait().toMillis(), s.queued(), admitting);
        };
    }

    /** Gauges of the engine's load and speed on {@code /actuator/prometheus}. */
    @Bean
    MeterBinder localEngineMeters(ObjectProvider<LocalEngine> engine) {
        return meters -> {
            LocalEngine e = engine.getIfAvailable();
            if (e == null) {
                return;
            }
            Gauge.builder("burstgate.local.slots.active", e, x -> x.stats().activeSlots())
                    .register(meters);
            Gauge.builder("burstgate.local.slots.capacity", e, x -> x.stats().capacity())
                    .register(meters);
            Gauge.builder("burstgate.local.queue.length", e, x -> x.stats().queued())
                    .register(meters);
            Gauge.builder(
                            "burstgate.local.queue.wait.estimate",
                            e,
                            x -> x.estimatedQueueWait().toNanos() / 1e9)
                    .baseUnit("seconds")
                    .register(meters);
            Gauge.builder("burstgate.local.tokens.per.second", e, x -> x.stats().tokensPerSecond())
                    .register(meters);
            Gauge.builder("burstgate.local.rejected", e, x -> x.stats().rejectedRequests())
                    .register(meters);
        };
    }
}
