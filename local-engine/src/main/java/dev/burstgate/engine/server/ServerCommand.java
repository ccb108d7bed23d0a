package dev.burstgate.engine.server;

import dev.burstgate.engine.EngineConfig;
import dev.burstgate.engine.NativeLogLevel;
import dev.burstgate.engine.model.GgufMetadata;
import dev.burstgate.engine.model.TinyModelGenerator;
import dev.burstgate.engine.reasoning.ReasoningMode;
import java.io.IOException;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Command line of the standalone server:
 *
 * <pre>
 * java -jar local-engine/target/local-engine.jar --model PATH --port 8081 --parallel 2
 * java -jar local-engine/target/local-engine.jar            # no --model: the generated tiny model
 * </pre>
 */
@Command(
        name = "local-engine",
        mixinStandardHelpOptions = true,
        version = "Burstgate local engine 0.1.0",
        description = "Serves a GGUF model through llama.cpp with an OpenAI-compatible API "
                + "(POST /v1/chat/completions, GET /v1/models, GET /health).",
        sortOptions = false)
final class ServerCommand implements Callable<Integer> {

    /** Per-slot context used when --ctx-size is not given and the model's own is larger. */
    static final int AUTO_CONTEXT_PER_SLOT = 4096;

    @Option(
            names = {"-m", "--model"},
            paramLabel = "PATH",
            description = "GGUF model file. Without it, a tiny random-weight model is generated in --cache-dir.")
    @Nullable
    Path model;

    @Option(
            names = "--host",
            defaultValue = ServerOptions.DEFAULT_HOST,
            description = "Address to bind (default: ${DEFAULT-VALUE}; 0.0.0.0 for all interfaces).")
    String host = ServerOptions.DEFAULT_HOST;

    @Option(
            names = {"-p", "--port"},
            defaultValue = "8081",
            description = "Port (default: ${DEFAULT-VALUE}; 0 = any free port).")
    int port;

    @Option(
            names = {"-np", "--parallel"},
            defaultValue = "1",
            description = "Parallel slots (default: ${DEFAULT-VALUE}).")
    int parallel;

    @Option(
            names = {"-c", "--ctx-size"},
            defaultValue = "0",
            description = "Total context in tokens, split between slots. 0 (default): the model's training context, "
                    + "at most " + AUTO_CONTEXT_PER_SLOT + " per slot, times --parallel.")
    int contextSize;

    @Option(
            names = {"-t", "--threads"},
            description = "CPU threads (default: available processors).")
    @Nullable
    Integer threads;

    @Option(
            names = {"-ngl", "--gpu-layers"},
            defaultValue = "0",
            description = "Layers to offload to a GPU; needs your own GPU build of the natives "
                    + "(-Dde.kherud.llama.lib.path=DIR). Default: ${DEFAULT-VALUE}.")
    int gpuLayers;

    @Option(
            names = "--chat-template",
            description = "Chat template override (llama.cpp name such as chatml, or a template).")
    @Nullable
    String chatTemplate;

    @Option(
            names = "--max-queue",
            defaultValue = "" + EngineConfig.DEFAULT_MAX_QUEUE,
            description = "Requests that may wait for a slot before new ones get 503 (default: ${DEFAULT-VALUE}).")
    int maxQueue;

    @Option(
            names = "--reasoning",
            defaultValue = "SPLIT",
            description = "<think> handling: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    ReasoningMode reasoning = ReasoningMode.SPLIT;

    @Option(names = "--model-id", description = "Model id to report (default: the model's name).")
    @Nullable
    String modelId;

    @Option(
            names = "--cache-dir",
            defaultValue = "data/models",
            description = "Where the tiny model is generated when --model is absent (default: ${DEFAULT-VALUE}).")
    Path cacheDir = Path.of("data/models");

    @Option(
            names = "--native-log",
            defaultValue = "OFF",
            description =
                    "llama.cpp log level routed to the log: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    NativeLogLevel nativeLog = NativeLogLevel.OFF;

    static int run(String[] args) {
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "dev/burstgate/engine/server/logback-server.xml");
        }
        CommandLine cli = new CommandLine(new ServerCommand()).setCaseInsensitiveEnumValuesAllowed(true);
        return cli.execute(args);
    }

    @Override
    public Integer call() throws IOException {
        Path modelPath = model != null ? model : TinyModelGenerator.ensureTinyModel(cacheDir);
        int context = contextSize > 0 ? contextSize : autoContext(modelPath, parallel);
        EngineConfig.Builder config = EngineConfig.builder()
                .modelPath(modelPath)
                .contextSize(context)
                .parallel(parallel)
                .gpuLayers(gpuLayers)
                .chatTemplate(chatTemplate)
                .maxQueue(maxQueue)
                .reasoningMode(reasoning)
                .nativeLogLevel(nativeLog);
        if (threads != null) {
            config.threads(threads);
        }
        ServerOptions options = new ServerOptions(host, port, modelId, InstantSource.system());
        LocalEngineServer server = LocalEngineServer.start(config.build(), options);
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "burstgate-shutdown"));
        System.out.println("Listening on " + server.baseUri() + " (model " + server.modelId() + ")");
        server.onDispose().block();
        return 0;
    }

    /** The model's training context, at most {@link #AUTO_CONTEXT_PER_SLOT} per slot, times the slots. */
    static int autoContext(Path modelPath, int parallel) {
        int perSlot = AUTO_CONTEXT_PER_SLOT;
        try {
            perSlot = GgufMetadata.read(modelPath)
                    .contextLength()
                    .filter(c -> c > 0)
                    .map(c -> Math.min(c, AUTO_CONTEXT_PER_SLOT))
                    .orElse(AUTO_CONTEXT_PER_SLOT);
        } catch (IOException e) {
            // the engine reports the unreadable file with its own, better message
        }
        return perSlot * Math.max(1, parallel);
    }
}
