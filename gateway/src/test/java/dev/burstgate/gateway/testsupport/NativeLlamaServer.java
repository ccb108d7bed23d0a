package dev.burstgate.gateway.testsupport;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.MountableFile;

/**
 * Native llama.cpp {@code llama-server} as a cloud-pool node, in a Testcontainers container (not yet started): the
 * OpenAI-compatible server real pools run, serving a GGUF file the test provides. Ready once {@code GET /health}
 * answers 200, which llama-server does only after the model has loaded.
 *
 * <p>The image comes from {@link TestImages#llamaServer()}; its entrypoint must be {@code llama-server}.
 *
 * <pre>{@code
 * try (GenericContainer<?> node = NativeLlamaServer.container(NativeLlamaServer.Options.of(gguf))) {
 *   node.start();
 *   URI base = NativeLlamaServer.baseUri(node); // http://localhost:49153
 * }
 * }</pre>
 */
public final class NativeLlamaServer {

    /** Port llama-server listens on inside the container. */
    public static final int PORT = 8080;
    /** Where the model file is copied in the container. */
    public static final String MODEL_PATH = "/models/model.gguf";
    /** Model id the server reports in {@code /v1/models} and in responses ({@code --alias}). */
    public static final String MODEL_ALIAS = "burstgate-native";

    private NativeLlamaServer() {}

    /**
     * What to serve and how.
     *
     * @param model GGUF file on the host, copied into the container
     * @param slots parallel decoding slots ({@code --parallel}); requests beyond them queue in the server
     * @param threads CPU threads for generation and prompt processing ({@code --threads}, {@code --threads-batch})
     * @param contextPerSlot context window of each slot in tokens; the server's KV cache holds
     *     {@code slots * contextPerSlot} tokens ({@code --ctx-size})
     * @param startupTimeout how long loading the model may take before the container counts as failed
     */
    public record Options(Path model, int slots, int threads, int contextPerSlot, Duration startupTimeout) {

        public static final int DEFAULT_SLOTS = 2;
        public static final int DEFAULT_THREADS = 2;
        public static final int DEFAULT_CONTEXT_PER_SLOT = 512;
        public static final Duration DEFAULT_STARTUP_TIMEOUT = Duration.ofMinutes(2);

        public Options {
            if (!Files.isRegularFile(model)) {
                throw new IllegalArgumentException("model must be an existing GGUF file, got " + model);
            }
            if (slots < 1) {
                throw new IllegalArgumentException("slots must be at least 1, got " + slots);
            }
            if (threads < 1) {
                throw new IllegalArgumentException("threads must be at least 1, got " + threads);
            }
            if (contextPerSlot < 16) {
                throw new IllegalArgumentException("contextPerSlot must be at least 16 tokens, got " + contextPerSlot);
            }
            if (startupTimeout.isNegative() || startupTimeout.isZero()) {
                throw new IllegalArgumentException("startupTimeout must be positive, got " + startupTimeout);
            }
        }

        /** {@value #DEFAULT_SLOTS} slots, {@value #DEFAULT_THREADS} threads, {@value #DEFAULT_CONTEXT_PER_SLOT} tokens each. */
        public static Options of(Path model) {
            return new Options(
                    model, DEFAULT_SLOTS, DEFAULT_THREADS, DEFAULT_CONTEXT_PER_SLOT, DEFAULT_STARTUP_TIMEOUT);
        }

        public Options withSlots(int slots) {
            return new Options(model, slots, threads, contextPerSlot, startupTimeout);
        }

        public Options withThreads(int threads) {
            return new Options(model, slots, threads, contextPerSlot, startupTimeout);
        }

        public Options withContextPerSlot(int contextPerSlot) {
            return new Options(model, slots, threads, contextPerSlot, startupTimeout);
        }

        public Options withStartupTimeout(Duration startupTimeout) {
            return new Options(model, slots, threads, contextPerSlot, startupTimeout);
        }
    }

    /** A llama-server container serving {@code options.model()} on {@link #PORT}, not yet started. */
    public static GenericContainer<?> container(Options options) {
        return new GenericContainer<>(TestImages.llamaServer())
                .withCopyFileToContainer(MountableFile.forHostPath(options.model(), 0644), MODEL_PATH)
                .withExposedPorts(PORT)
                .withCommand(
                        "--host", "0.0.0.0",
                        "--port", String.valueOf(PORT),
                        "--model", MODEL_PATH,
                        "--alias", MODEL_ALIAS,
                        "--parallel", String.valueOf(options.slots()),
                        "--threads", String.valueOf(options.threads()),
                        "--threads-batch", String.valueOf(options.threads()),
                        "--ctx-size", String.valueOf(options.slots() * options.contextPerSlot()))
                .waitingFor(Wait.forHttp("/health")
                        .forPort(PORT)
                        .forStatusCode(200)
                        .withStartupTimeout(options.startupTimeout()));
    }

    /** {@code http://host:port} of a started container, the base of {@code /v1/chat/completions}. */
    public static String baseUri(GenericContainer<?> node) {
        return "http://" + node.getHost() + ":" + node.getMappedPort(PORT);
    }
}
