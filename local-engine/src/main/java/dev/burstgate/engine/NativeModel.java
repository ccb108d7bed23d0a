package dev.burstgate.engine;

import de.kherud.llama.InferenceParameters;
import de.kherud.llama.LlamaIterator;
import de.kherud.llama.LlamaModel;
import de.kherud.llama.LlamaOutput;
import de.kherud.llama.LogLevel;
import de.kherud.llama.ModelParameters;
import de.kherud.llama.Pair;
import de.kherud.llama.args.LogFormat;
import dev.burstgate.engine.model.GgufMetadata;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The only class that touches {@code de.kherud.llama}: loads one native model, renders prompts, tokenizes and starts
 * generations. Thread safety: every method may be called from any thread; a {@link TokenStream} is used by one thread
 * at a time.
 *
 * <p>Process-wide native state lives in {@link Runtime}: the JNI library is extracted once into a private directory
 * (the binding's loader otherwise writes to, and deletes {@code llama*} files from, the shared temp directory), the
 * llama.cpp log callback is installed once, and live models are counted so that a reload, which leaks native memory
 * in this binding, is logged.
 */
final class NativeModel implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(NativeModel.class);
    private static final java.time.Duration QUIESCE_PAUSE = java.time.Duration.ofMillis(50);

    /**
     * One thread at a time waits for a token. The binding's result queue wakes every waiting receiver on every result
     * and lets the others re-check in a loop while a result that is not theirs sits at the head, so with several
     * streams the waiting threads busy-spin on its mutex (measured: about two thirds of all CPU with 4 streams on 2
     * cores, starving the compute threads). Queuing the receivers here leaves at most one of them in that loop.
     * The first token of a stream is awaited outside the queue, so a long prompt does not hold up the other streams.
     */
    private final ReentrantLock receiveLock = new ReentrantLock(true);

    /**
     * Whether this binding can report the top candidates of each sampled token ({@code n_probs}). It cannot:
     * de.kherud:llama 4.2.0 reads them from llama.cpp's result JSON as {@code completion_probabilities[].probs[]} with
     * {@code tok_str} and {@code prob}, the layout before llama.cpp b4400, while its bundled llama.cpp (b4916) writes
     * {@code top_logprobs} with {@code token} and {@code logprob}; the missing key is a failed {@code GGML_ASSERT} in
     * the JSON library, which aborts the whole process on the first token (tried: {@code setNProbs(5)} on the tiny
     * model). So the engine never asks, and answers carry no {@link Confidence}. A binding that reads the current
     * layout can turn this on: {@link TokenStream#probabilities()} and {@link ConfidenceMeter} take the candidates as
     * {@code LlamaOutput.probabilities} gives them.
     */
    static final boolean REPORTS_PROBABILITIES = false;

    private final LlamaModel model;
    private final Path path;
    private final GgufMetadata metadata;
    private final @Nullable ChatTemplate chatTemplate;
    /**
     * The byte-fallback tokens of the lead bytes E0 and F0, banned under a grammar: llama.cpp's grammar accepts some
     * overlong (invalid) UTF-8 sequences starting with them, which reach the client as replacement characters and
     * break string lengths. The characters they would start stay available as whole tokens or as escapes in JSON strings.
     */
    private final List<Integer> overlongLeadTokens;

    private boolean closed;

    private NativeModel(LlamaModel model, Path path, GgufMetadata metadata, @Nullable ChatTemplate chatTemplate) {
        this.model = model;
        this.path = path;
        this.metadata = metadata;
        this.chatTemplate = chatTemplate;
        List<Integer> lead = new ArrayList<>();
        for (int b : new int[] {0xE0, 0xF0}) {
            Integer id = metadata.byteTokens().get(b);
            if (id != null) {
                lead.add(id);
            }
        }
        this.overlongLeadTokens = List.copyOf(lead);
    }

    /**
     * Loads {@code path}.
     *
     * @throws EngineLoadException naming the path and the cause: missing, unreadable, not GGUF, or rejected by
     *                             llama.cpp (for example an unsupported architecture)
     */
    static NativeModel load(Path path, EngineConfig config) {
        Path file = path.toAbsolutePath().normalize();
        if (!Files.exists(file)) {
            throw new EngineLoadException(file, "file does not exist", null);
        }
        if (!Files.isRegularFile(file)) {
            throw new EngineLoadException(file, "not a regular file", null);
        }
        if (!Files.isReadable(file)) {
            throw new EngineLoadException(file, "file is not readable", null);
        }
        GgufMetadata metadata;
        try {
            if (!GgufMetadata.isGguf(file)) {
                throw new EngineLoadException(file, "not a GGUF file (the first bytes are not 'GGUF')", null);
            }
            metadata = GgufMetadata.read(file);
        } catch (IOException e) {
            throw new EngineLoadException(file, "not a readable GGUF file: " + e.getMessage(), e);
        }
        String arch = metadata.architecture()
                .orElseThrow(() -> new EngineLoadException(file, "GGUF header has no general.architecture", null));

        ModelParameters params = new ModelParameters()
                .setModel(file.toString())
                .setCtxSize(config.contextSize())
                .setParallel(config.parallel())
                .setThreads(config.threads())
                .setThreadsBatch(config.threads())
                .enableContBatching();
        if (config.gpuLayers() > 0) {
            params.setGpuLayers(config.gpuLayers());
        }
        if (config.chatTemplate() != null) {
            params.setChatTemplate(config.chatTemplate());
        }
        if (config.nativeLogLevel() == NativeLogLevel.OFF) {
            params.disableLog();
        }
        LlamaModel model = Runtime.load(file, params, config.nativeLogLevel(), arch);
        String source = config.chatTemplate() != null
                ? config.chatTemplate()
                : metadata.string("tokenizer.chat_template").orElse(null);
        ChatTemplate template = ChatTemplate.of(
                source, metadata.bosToken().orElse(""), metadata.eosToken().orElse(""));
        return new NativeModel(model, file, metadata, template);
    }

    Path path() {
        return path;
    }

    GgufMetadata metadata() {
        return metadata;
    }

    /** The model's Jinja chat template (or the configured override), rendered in Java; null when it has none. */
    @Nullable
    ChatTemplate chatTemplate() {
        return chatTemplate;
    }

    /**
     * Renders messages with llama.cpp's built-in rendering of the model's chat template (or the configured override),
     * ending in the answer prompt. Tool calls and tool results are not rendered here (see {@link ChatTemplate}).
     */
    String renderPrompt(List<ChatMessage> messages) {
        StringBuilder system = new StringBuilder();
        List<Pair<String, String>> turns = new ArrayList<>();
        for (ChatMessage m : messages) {
            if (m.role() == ChatMessage.Role.SYSTEM) {
                if (!system.isEmpty()) {
                    system.append("\n\n");
                }
                system.append(m.content());
            } else {
                turns.add(new Pair<>(m.role().wireName(), m.content()));
            }
        }
        InferenceParameters p = new InferenceParameters("").setMessages(system.toString(), turns);
        return model.applyTemplate(p);
    }

    int[] encode(String text) {
        return model.encode(text);
    }

    /** Starts generating; the caller must drain the stream to its end or {@link TokenStream#cancel()} it. */
    TokenStream start(String prompt, int maxTokens, ChatRequest request, @Nullable String grammar) {
        InferenceParameters p = new InferenceParameters(prompt).setNPredict(maxTokens);
        if (grammar != null) {
            p.setGrammar(grammar);
            if (!overlongLeadTokens.isEmpty()) {
                p.disableTokenIds(overlongLeadTokens);
            }
        }
        if (request.temperature() != null) {
            p.setTemperature(request.temperature().floatValue());
        }
        if (request.topP() != null) {
            p.setTopP(request.topP().floatValue());
        }
        if (request.seed() != null) {
            p.setSeed((int) (request.seed() & 0x7fffffffL));
        }
        if (request.ignoreEos()) {
            p.setIgnoreEos(true);
        }
        if (request.confidence() && REPORTS_PROBABILITIES) {
            p.setNProbs(Confidence.TOP_K);
        }
        return new TokenStream(model.generate(p).iterator(), receiveLock);
    }

    /**
     * Frees the model. The binding deletes its native server state without waiting for its loop thread, so a loop
     * still finishing a decode (a generation cancelled a moment ago) would write into freed memory, which later
     * allocations, such as the next model's, reuse. So first make the loop drain its queue: a one-token completion
     * comes back only after every task queued before it (the cancellations) has been processed; then give the loop a
     * moment to return to its wait.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            model.complete(new InferenceParameters("").setNPredict(1));
            Thread.sleep(QUIESCE_PAUSE.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.warn("Could not drain the native queue of {} before closing: {}", path, e.toString());
        }
        Runtime.close(model, path);
    }

    /** One generation's output, piece by piece. */
    static final class TokenStream {
        private static final boolean SERIAL_RECEIVE =
                !"false".equals(System.getProperty("burstgate.engine.serial-receive"));
        private final LlamaIterator iterator;
        private final ReentrantLock receiveLock;
        private boolean finished;
        private boolean started;
        private @Nullable Map<String, Float> probabilities;

        private TokenStream(LlamaIterator iterator, ReentrantLock receiveLock) {
            this.iterator = iterator;
            this.receiveLock = receiveLock;
        }

        /**
         * Blocks for the next piece of text. A piece holds one token's text, or several when a token ended inside a
         * UTF-8 character (llama.cpp holds such bytes back until the character completes).
         *
         * @return the text, or null when generation has ended (limit, end-of-sequence token)
         */
        synchronized @Nullable String next() {
            if (finished) {
                return null;
            }
            LlamaOutput out;
            if (started && SERIAL_RECEIVE) {
                receiveLock.lock();
                try {
                    out = iterator.next();
                } finally {
                    receiveLock.unlock();
                }
            } else {
                out = iterator.next();
                started = true;
            }
            if (!iterator.hasNext()) {
                finished = true;
                probabilities = null;
                return null;
            }
            probabilities = out.probabilities;
            return out.text;
        }

        /**
         * The top candidates llama.cpp reported for the token of the last piece {@link #next()} returned, text to
         * probability; empty or null when the generation did not ask for them or the piece merged several tokens.
         */
        synchronized @Nullable Map<String, Float> probabilities() {
            return probabilities;
        }

        synchronized boolean finished() {
            return finished;
        }

        /**
         * Stops generation and frees the native slot; safe to call when finished. Called from another thread while
         * {@link #next()} blocks, it waits for that call to return (one token): cancelling the native task under a
         * waiting receive would leave the receive blocked forever.
         */
        synchronized void cancel() {
            if (!finished) {
                finished = true;
                iterator.cancel();
            }
        }
    }

    /** Process-wide native state, guarded by the class lock. */
    private static final class Runtime {
        private static final Logger nativeLog = LoggerFactory.getLogger("dev.burstgate.engine.llama");
        private static final String TMPDIR_PROPERTY = "de.kherud.llama.tmpdir";

        private static boolean initialised;
        private static boolean loggerInstalled;
        private static int live;
        private static final Set<Path> everLoaded = new HashSet<>();
        private static volatile NativeLogLevel logThreshold = NativeLogLevel.OFF;

        private Runtime() {}

        static synchronized LlamaModel load(Path file, ModelParameters params, NativeLogLevel level, String arch) {
            initialise(file);
            if (level != NativeLogLevel.OFF && !loggerInstalled) {
                LlamaModel.setLogger(LogFormat.TEXT, Runtime::route);
                loggerInstalled = true;
            }
            if (level.compareTo(logThreshold) > 0) {
                logThreshold = level;
            }
            if (live > 0) {
                log.warn(
                        "Loading a second model into this process ({} live): with this llama.cpp binding, two models "
                                + "computing at the same moment can produce wrong output. Let one engine with more slots "
                                + "serve several endpoints instead, or make sure the models never generate at once",
                        live);
            }
            if (!everLoaded.add(file)) {
                log.warn(
                        "Loading {} again in this process; the llama.cpp binding leaks native memory on every "
                                + "close-and-reload, keep one engine per model instead",
                        file);
            }
            try {
                LlamaModel model = new LlamaModel(params);
                live++;
                log.info("Loaded {} ({} models live in this process)", file, live);
                return model;
            } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
                throw new EngineLoadException(file, "the llama.cpp native library did not load: " + e.getMessage(), e);
            } catch (RuntimeException e) {
                throw new EngineLoadException(
                        file, "llama.cpp could not load it (architecture '" + arch + "'): " + e.getMessage(), e);
            }
        }

        static synchronized void close(LlamaModel model, Path file) {
            model.close();
            live--;
            log.info("Closed {} ({} models live in this process)", file, live);
        }

        private static void initialise(Path file) {
            if (initialised) {
                return;
            }
            try {
                if (System.getProperty(TMPDIR_PROPERTY) == null) {
                    Path dir = Files.createTempDirectory("burstgate-natives-");
                    dir.toFile().deleteOnExit();
                    System.setProperty(TMPDIR_PROPERTY, dir.toString());
                }
            } catch (IOException e) {
                throw new EngineLoadException(file, "cannot create a directory for the native library", e);
            }
            initialised = true;
        }

        private static void route(LogLevel level, String message) {
            NativeLogLevel threshold = logThreshold;
            String text = message.stripTrailing();
            if (text.isEmpty() || threshold == NativeLogLevel.OFF) {
                return;
            }
            switch (level) {
                case ERROR -> nativeLog.error(text);
                case WARN -> {
                    if (threshold.compareTo(NativeLogLevel.WARN) >= 0) {
                        nativeLog.warn(text);
                    }
                }
                case INFO -> {
                    if (threshold.compareTo(NativeLogLevel.INFO) >= 0) {
                        nativeLog.info(text);
                    }
                }
                case DEBUG -> {
                    if (threshold.compareTo(NativeLogLevel.DEBUG) >= 0) {
                        nativeLog.debug(text);
                    }
                }
            }
        }
    }
}
