package dev.burstgate.engine;

import dev.burstgate.engine.reasoning.ReasoningMode;
import java.nio.file.Path;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Immutable engine configuration. Build with {@link #builder()}, {@link #ofDefaults()} or {@link #from(EngineConfig)};
 * every rejected value is named with its field.
 *
 * @param modelPath       the GGUF file; null means "the caller supplies one" ({@link LocalEngine#start} refuses null,
 *                        callers substitute a generated tiny model, see {@code TinyModelGenerator})
 * @param contextSize     total context in tokens, split evenly between the slots (llama.cpp {@code -c})
 * @param parallel        parallel slots (llama.cpp {@code -np}): requests generating at once
 * @param threads         CPU threads for generation (llama.cpp {@code -t}); best at the number of physical cores
 * @param gpuLayers       layers to offload to a GPU; only a user's own GPU build of the natives uses it
 * @param chatTemplate    chat template override (a llama.cpp template name such as {@code chatml}, or a template);
 *                        null uses the model's own
 * @param maxQueue        admitted requests that may wait for a slot; beyond it admission is refused at once
 * @param reasoningMode   what to do with {@code <think>} reasoning
 * @param nativeLogLevel  llama.cpp log routing; {@link NativeLogLevel#OFF} keeps it quiet
 */
public record EngineConfig(
        @Nullable Path modelPath,
        int contextSize,
        int parallel,
        int threads,
        int gpuLayers,
        @Nullable String chatTemplate,
        int maxQueue,
        ReasoningMode reasoningMode,
        NativeLogLevel nativeLogLevel) {

    public static final int DEFAULT_CONTEXT_SIZE = 4096;
    public static final int DEFAULT_PARALLEL = 1;
    public static final int DEFAULT_MAX_QUEUE = 16;
    public static final ReasoningMode DEFAULT_REASONING_MODE = ReasoningMode.SPLIT;
    public static final NativeLogLevel DEFAULT_NATIVE_LOG_LEVEL = NativeLogLevel.OFF;
    /** Upper bound for parallel slots, a sanity limit. */
    public static final int MAX_PARALLEL = 256;
    /** Smallest context a slot may have. */
    public static final int MIN_CONTEXT_PER_SLOT = 16;

    public EngineConfig {
        Objects.requireNonNull(reasoningMode, "reasoningMode");
        Objects.requireNonNull(nativeLogLevel, "nativeLogLevel");
        if (parallel < 1 || parallel > MAX_PARALLEL) {
            throw new IllegalArgumentException("parallel must be in [1, " + MAX_PARALLEL + "], got " + parallel);
        }
        if (contextSize < MIN_CONTEXT_PER_SLOT * parallel) {
            throw new IllegalArgumentException("contextSize must be at least " + MIN_CONTEXT_PER_SLOT
                    + " tokens per slot (" + MIN_CONTEXT_PER_SLOT * parallel + " for parallel=" + parallel
                    + "), got " + contextSize);
        }
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        if (gpuLayers < 0) {
            throw new IllegalArgumentException("gpuLayers must be >= 0, got " + gpuLayers);
        }
        if (maxQueue < 0) {
            throw new IllegalArgumentException("maxQueue must be >= 0, got " + maxQueue);
        }
        if (chatTemplate != null && chatTemplate.isBlank()) {
            throw new IllegalArgumentException("chatTemplate must be null or non-blank, got '" + chatTemplate + "'");
        }
    }

    /** Defaults: no model path, {@value #DEFAULT_CONTEXT_SIZE} context, one slot, all cores. */
    public static EngineConfig ofDefaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from {@code base}. */
    public static Builder from(EngineConfig base) {
        return new Builder()
                .modelPath(base.modelPath)
                .contextSize(base.contextSize)
                .parallel(base.parallel)
                .threads(base.threads)
                .gpuLayers(base.gpuLayers)
                .chatTemplate(base.chatTemplate)
                .maxQueue(base.maxQueue)
                .reasoningMode(base.reasoningMode)
                .nativeLogLevel(base.nativeLogLevel);
    }

    /** This configuration with another model file. */
    public EngineConfig withModelPath(Path path) {
        return from(this).modelPath(Objects.requireNonNull(path, "path")).build();
    }

    /** Context of one slot: {@code contextSize / parallel}. */
    public int contextPerSlot() {
        return contextSize / parallel;
    }

    /** Builds an {@link EngineConfig}; validation happens in {@link #build()}. */
    public static final class Builder {
        private @Nullable Path modelPath;
        private int contextSize = DEFAULT_CONTEXT_SIZE;
        private int parallel = DEFAULT_PARALLEL;
        private int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
        private int gpuLayers;
        private @Nullable String chatTemplate;
        private int maxQueue = DEFAULT_MAX_QUEUE;
        private ReasoningMode reasoningMode = DEFAULT_REASONING_MODE;
        private NativeLogLevel nativeLogLevel = DEFAULT_NATIVE_LOG_LEVEL;

        private Builder() {}

        public Builder modelPath(@Nullable Path value) {
            modelPath = value;
            return this;
        }

        public Builder contextSize(int value) {
            contextSize = value;
            return this;
        }

        public Builder parallel(int value) {
            parallel = value;
            return this;
        }

        public Builder threads(int value) {
            threads = value;
            return this;
        }

        public Builder gpuLayers(int value) {
            gpuLayers = value;
            return this;
        }

        public Builder chatTemplate(@Nullable String value) {
            chatTemplate = value;
            return this;
        }

        public Builder maxQueue(int value) {
            maxQueue = value;
            return this;
        }

        public Builder reasoningMode(ReasoningMode value) {
            reasoningMode = value;
            return this;
        }

        public Builder nativeLogLevel(NativeLogLevel value) {
            nativeLogLevel = value;
            return this;
        }

        public EngineConfig build() {
            return new EngineConfig(
                    modelPath,
                    contextSize,
                    parallel,
                    threads,
                    gpuLayers,
                    chatTemplate,
                    maxQueue,
                    reasoningMode,
                    nativeLogLevel);
        }
    }
}
