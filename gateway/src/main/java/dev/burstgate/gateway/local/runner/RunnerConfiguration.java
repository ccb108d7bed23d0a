package dev.burstgate.gateway.local.runner;

import dev.burstgate.gateway.tier.ResilienceProperties;
import dev.burstgate.gateway.tier.TiersProperties;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.netty.channel.ChannelOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import tools.jackson.databind.json.JsonMapper;

/**
 * Runner mode of the local tier, when {@code burstgate.tiers.local.runner.command} is set (and the tier is enabled):
 * the supervised llama-server, its load and the backend. The in-process engine is then not loaded
 * ({@code LocalTierConfiguration} asks {@link #wanted}).
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(RunnerProperties.class)
public class RunnerConfiguration {

    private static final Logger log = LoggerFactory.getLogger(RunnerConfiguration.class);

    /** Runner mode is on: the local tier is enabled and a runner command is configured. */
    public static final class RunnerWanted implements Condition {
        @Override
        public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
            return wanted(context.getEnvironment());
        }
    }

    /** Whether the local tier runs in runner mode. */
    public static boolean wanted(Environment env) {
        if (!env.getProperty("burstgate.tiers.local.enabled", Boolean.class, true)) {
            return false;
        }
        return Binder.get(env)
                .bind("burstgate.tiers.local.runner.command", Bindable.listOf(String.class))
                .orElse(List.of())
                .stream()
                .anyMatch(a -> !a.isBlank());
    }

    /** The command line the runner starts with: the runner's keys over the local tier's. */
    static RunnerCommand command(RunnerProperties runner, TiersProperties.Local local) {
        @Nullable Path localModel = local.model();
        String model = runner.model() != null ? runner.model() : localModel != null ? localModel.toString() : null;
        if (model == null || model.isBlank()) {
            throw new IllegalArgumentException("burstgate.tiers.local.runner.command is set, but neither "
                    + "burstgate.tiers.local.runner.model nor burstgate.tiers.local.model names the GGUF file");
        }
        return new RunnerCommand(
                runner.command(),
                model,
                local.name(),
                Objects.requireNonNullElse(runner.threads(), local.threads()),
                Objects.requireNonNullElse(runner.parallel(), local.parallel()),
                Objects.requireNonNullElse(runner.context(), local.context()),
                Objects.requireNonNullElse(runner.gpuLayers(), local.gpuLayers()),
                runner.extraArgs(),
                runner.watchParent());
    }

    @Bean(destroyMethod = "close")
    @Conditional(RunnerWanted.class)
    RunnerProcess localRunnerProcess(RunnerProperties runner, TiersProperties tiers) throws InterruptedException {
        RunnerCommand command = command(runner, tiers.local());
        log.info(
                "local tier: RUNNER, llama.cpp's llama-server started by {} (native llama.cpp speed; any build, "
                        + "GPU builds included), model {}, {} slots, context {}, {} threads, {} GPU layers; the "
                        + "in-process engine is not loaded",
                command.command(),
                command.model(),
                command.parallel(),
                command.context(),
                command.threads(),
                command.gpuLayers());
        RunnerProcess process = new RunnerProcess(
                command, runner.port(), runner.startTimeout(), runner.restartBackoff(), runner.restartBackoffMax());
        process.start();
        if (!process.awaitReady(runner.startTimeout())) {
            log.warn(
                    "local tier runner: not healthy after {}; the gateway starts without it and the local tier's "
                            + "requests go to other tiers until it is",
                    runner.startTimeout());
        }
        return process;
    }

    @Bean(destroyMethod = "close")
    @Conditional(RunnerWanted.class)
    RunnerLoad localRunnerLoad(RunnerProcess process, RunnerProperties runner, TiersProperties tiers) {
        int parallel =
                Objects.requireNonNullElse(runner.parallel(), tiers.local().parallel());
        return new RunnerLoad(process::base, parallel, tiers.local().maxQueue()).poll(runner.pollInterval());
    }

    @Bean
    @Conditional(RunnerWanted.class)
    LocalRunner localRunner(
            RunnerProcess process,
            RunnerLoad load,
            TiersProperties tiers,
            RunnerProperties runner,
            ResilienceProperties resilience,
            WebClient.Builder builder,
            JsonMapper json) {
        ConnectionProvider pool = ConnectionProvider.builder("burstgate-runner")
                .maxConnections(256)
                .pendingAcquireMaxCount(-1)
                .maxIdleTime(Duration.ofSeconds(20))
                .build();
        HttpClient client = HttpClient.create(pool)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int)
                        resilience.connectTimeout().toMillis())
                .option(ChannelOption.TCP_NODELAY, true)
                .compress(false);
        WebClient http = builder.clone()
                .clientConnector(new ReactorClientHttpConnector(client))
                .codecs(c -> c.defaultCodecs().maxInMemorySize(16 * 1024 * 1024))
                .build();
        return new LocalRunner(
                new RunnerBackend(
                        process,
                        load,
                        http,
                        json,
                        tiers.local().name(),
                        tiers.local().maxTokens(),
                        runner.requestTimeout(),
                        runner.requestTimeout()),
                load);
    }

    /** The local tier's gauges, as the in-process engine has them, plus the runner's restarts. */
    @Bean
    @Conditional(RunnerWanted.class)
    MeterBinder localRunnerMeters(RunnerLoad load, RunnerProcess process) {
        return meters -> {
            Gauge.builder("burstgate.local.slots.active", load, RunnerLoad::activeSlots)
                    .register(meters);
            Gauge.builder("burstgate.local.slots.capacity", load, RunnerLoad::capacity)
                    .register(meters);
            Gauge.builder("burstgate.local.queue.length", load, RunnerLoad::queued)
                    .register(meters);
            Gauge.builder(
                            "burstgate.local.queue.wait.estimate",
                            load,
                            x -> x.estimatedQueueWait().toNanos() / 1e9)
                    .baseUnit("seconds")
                    .register(meters);
            Gauge.builder("burstgate.local.tokens.per.second", load, RunnerLoad::tokensPerSecond)
                    .register(meters);
            Gauge.builder("burstgate.local.runner.up", process, p -> p.ready() ? 1 : 0)
                    .register(meters);
            Gauge.builder("burstgate.local.runner.starts", process, RunnerProcess::starts)
                    .register(meters);
        };
    }
}
