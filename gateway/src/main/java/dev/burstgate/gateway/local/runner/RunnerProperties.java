package dev.burstgate.gateway.local.runner;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Runner mode of the local tier ({@code burstgate.tiers.local.runner.*}): the command of a llama.cpp
 * {@code llama-server} the gateway starts, supervises and serves the local tier from. An empty {@code command} leaves
 * the local tier to the in-process engine. The model, threads, slots, context and GPU layers default to the local
 * tier's own keys ({@code burstgate.tiers.local.*}).
 *
 * @param command the program and its first arguments, e.g. {@code [llama-server]} or a {@code docker run ...} list;
 *     the gateway appends the server's options ({@code --host}, {@code --port}, {@code --model}, ...)
 * @param model the GGUF file as the command sees it (a path inside a container, for one); none: the local tier's model
 * @param threads CPU threads ({@code --threads}); none: the local tier's
 * @param parallel slots ({@code --parallel}); none: the local tier's
 * @param context total context shared by the slots ({@code --ctx-size}); none: the local tier's
 * @param gpuLayers layers offloaded to a GPU ({@code --n-gpu-layers}); none: the local tier's
 * @param extraArgs further options appended last
 * @param port the loopback port it listens on; 0 picks a free one at every start
 * @param startTimeout how long loading may take before the runner counts as failed and is restarted
 * @param restartBackoff the pause before the first restart after a death; it doubles up to {@code restartBackoffMax}
 * @param restartBackoffMax the longest pause between restarts
 * @param pollInterval how often its load is read ({@code /metrics})
 * @param requestTimeout the longest a request may wait for its answer (non-streamed) or for its first chunk and each
 *     next one (streamed); like the in-process engine's, a local answer takes as long as generating it takes
 * @param watchParent whether the command runs under a small POSIX shell guard that stops it when the gateway's
 *     process is gone (its standard input closes), so not even a killed gateway leaves it running
 */
@Validated
@ConfigurationProperties(prefix = "burstgate.tiers.local.runner")
public record RunnerProperties(
        @DefaultValue List<String> command,
        @Nullable String model,
        @Nullable @Min(1) Integer threads,
        @Nullable @Min(1) @Max(64) Integer parallel,
        @Nullable @Min(128) Integer context,
        @Nullable @Min(0) Integer gpuLayers,
        @DefaultValue List<String> extraArgs,
        @DefaultValue("0") @Min(0) @Max(65535) int port,
        @DefaultValue("120s") Duration startTimeout,
        @DefaultValue("1s") Duration restartBackoff,
        @DefaultValue("30s") Duration restartBackoffMax,
        @DefaultValue("250ms") Duration pollInterval,
        @DefaultValue("10m") Duration requestTimeout,
        @DefaultValue("true") boolean watchParent) {

    public RunnerProperties {
        // an empty variable (LOCAL_RUNNER_COMMAND= in the compose stack) means none
        command = command.stream().filter(a -> !a.isBlank()).toList();
        extraArgs = extraArgs.stream().filter(a -> !a.isBlank()).toList();
        requirePositive("start-timeout", startTimeout);
        requirePositive("restart-backoff", restartBackoff);
        requirePositive("poll-interval", pollInterval);
        requirePositive("request-timeout", requestTimeout);
        if (restartBackoffMax.compareTo(restartBackoff) < 0) {
            throw new IllegalArgumentException("burstgate.tiers.local.runner.restart-backoff-max (" + restartBackoffMax
                    + ") must not be shorter than restart-backoff (" + restartBackoff + ")");
        }
    }

    private static void requirePositive(String key, Duration d) {
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException("burstgate.tiers.local.runner." + key + " must be positive, got " + d);
        }
    }

    /** Whether runner mode is configured. */
    public boolean configured() {
        return !command.isEmpty();
    }
}
