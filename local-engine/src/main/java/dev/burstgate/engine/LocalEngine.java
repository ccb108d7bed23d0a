package dev.burstgate.engine;

import dev.burstgate.engine.grammar.JsonCloser;
import dev.burstgate.engine.reasoning.ReasoningMode;
import dev.burstgate.engine.reasoning.ThinkSplitter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SynchronousSink;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The embedded llama.cpp engine: the one owner of one native model.
 *
 * <p>Requests are admitted into {@link EngineConfig#parallel()} slots and a wait queue of
 * {@link EngineConfig#maxQueue()}; beyond that, admission is refused at once so the caller can go elsewhere
 * ({@link #tryAdmit()}). Generation runs on the engine's own bounded scheduler of platform threads (JNI calls block);
 * callers see a {@link Flux} of {@link ChatChunk}s with backpressure. Cancelling the subscription cancels the native
 * generation and frees the slot for the next waiter.
 *
 * <pre>{@code
 * try (LocalEngine engine = LocalEngine.start(EngineConfig.builder().modelPath(path).parallel(2).build())) {
 *     Optional<EngineLease> lease = engine.tryAdmit();
 *     if (lease.isEmpty()) { ... send the request elsewhere ... }
 *     engine.stream(lease.get(), ChatRequest.of("Hello")).subscribe(chunk -> ...);
 * }
 * }</pre>
 *
 * <p>Close the engine when done, and end a standalone program with {@code System.exit}: the binding runs its native
 * loop on a thread attached to the JVM as a non-daemon thread, which can keep the JVM alive even after {@link #close()}
 * (Spring Boot and test runners exit explicitly, so only hand-written {@code main} methods need to care). Several
 * engines may live in one process, each with its own model, but with this binding two models computing at the same
 * moment can produce wrong output: serve several endpoints from one engine with more slots instead (several
 * {@code LocalEngineServer}s may share one engine). Do not close and reload models in a loop: the binding leaks some
 * native memory per load.
 */
public final class LocalEngine implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LocalEngine.class);
    private static final AtomicInteger instances = new AtomicInteger();

    private final EngineConfig config;
    private final NativeModel model;
    private final ModelInfo info;
    private final Admission admission;
    private final EngineMetrics metrics = new EngineMetrics();
    private final Scheduler scheduler;
    private final LongSupplier nanoTime;
    private final Set<Generation> running = ConcurrentHashMap.newKeySet();
    /** Native calls other than a stream's own hold the read lock; {@link #close()} holds the write lock. */
    private final ReadWriteLock nativeLock = new ReentrantReadWriteLock();

    private volatile boolean closed;

    private LocalEngine(EngineConfig config, NativeModel model, LongSupplier nanoTime) {
        this.config = config;
        this.model = model;
        this.nanoTime = nanoTime;
        this.admission = new Admission(config.parallel(), config.maxQueue(), nanoTime);
        String name = model.metadata().name().orElse(model.path().getFileName().toString());
        this.info = new ModelInfo(
                name,
                model.path(),
                model.metadata().architecture().orElse("unknown"),
                config.contextSize(),
                config.contextPerSlot(),
                config.parallel(),
                config.threads());
        // One thread per slot is enough; the spare ones cover a slot whose cancelled generation is still returning
        // from its last native call while the next request starts.
        this.scheduler = Schedulers.newBoundedElastic(
                config.parallel() * 2 + 1,
                Integer.MAX_VALUE,
                "burstgate-engine-" + instances.incrementAndGet(),
                60,
                true);
    }

    /**
     * Loads the model and starts the engine.
     *
     * @throws NullPointerException if the config has no model path (callers substitute a generated tiny model)
     * @throws EngineLoadException  naming the path and the cause if the model cannot be loaded
     */
    public static LocalEngine start(EngineConfig config) {
        return start(config, System::nanoTime);
    }

    /** Like {@link #start(EngineConfig)}, with the clock used for speed and latency measurements. */
    public static LocalEngine start(EngineConfig config, LongSupplier nanoTime) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(nanoTime, "nanoTime");
        Path path = Objects.requireNonNull(
                config.modelPath(),
                "config.modelPath is null: pass a GGUF file, e.g. TinyModelGenerator.ensureTinyModel(dir)");
        long t0 = nanoTime.getAsLong();
        NativeModel model = NativeModel.load(path, config);
        LocalEngine engine = new LocalEngine(config, model, nanoTime);
        log.info(
                "Local engine ready: {} ({}), context {} ({} per slot), {} slots, {} threads, queue {}, in {} ms",
                engine.info.name(),
                engine.info.path(),
                config.contextSize(),
                config.contextPerSlot(),
                config.parallel(),
                config.threads(),
                config.maxQueue(),
                (nanoTime.getAsLong() - t0) / 1_000_000);
        return engine;
    }

    /**
     * Reserves a slot or a queue place without blocking.
     *
     * @return a lease to run one request with, or empty when every slot is busy and the queue is full
     */
    public Optional<EngineLease> tryAdmit() {
        return admission.tryAdmit();
    }

    /**
     * Streams an answer, admitting the request first.
     *
     * @return chunks; fails with {@link EngineBusyException} when slots and queue are full, with
     *         {@link InvalidChatRequestException} when the prompt does not fit a slot
     */
    public Flux<ChatChunk> stream(ChatRequest request) {
        Objects.requireNonNull(request, "request");
        return Flux.defer(() -> tryAdmit().map(lease -> stream(lease, request)).orElseGet(() -> Flux.error(busy())));
    }

    /**
     * Streams an answer for an admitted request; the lease is used up and its place freed when the stream ends, fails
     * or is cancelled.
     */
    public Flux<ChatChunk> stream(EngineLease lease, ChatRequest request) {
        Objects.requireNonNull(lease, "lease");
        Objects.requireNonNull(request, "request");
        if (!lease.belongsTo(admission)) {
            throw new IllegalArgumentException("lease was issued by another engine");
        }
        return Flux.defer(() -> {
            if (!lease.claim()) {
                return Flux.error(new IllegalStateException("lease already used or closed"));
            }
            Admission.Ticket ticket = new Admission.Ticket(lease);
            return Mono.<Admission.Ticket>create(sink -> admission.await(ticket, sink))
                    .flatMapMany(t -> generate(t, request))
                    // free the slot before the last signal reaches the subscriber, so that whoever reacts to the end
                    // of this answer already sees the slot free; doFinally covers the rest (idempotent)
                    .doOnTerminate(() -> admission.end(ticket))
                    .doOnCancel(() -> admission.end(ticket))
                    .doFinally(signal -> admission.end(ticket));
        });
    }

    /** The whole answer, admitting the request first; fails like {@link #stream(ChatRequest)}. */
    public Mono<ChatResult> complete(ChatRequest request) {
        return collect(stream(request));
    }

    /** The whole answer for an admitted request. */
    public Mono<ChatResult> complete(EngineLease lease, ChatRequest request) {
        return collect(stream(lease, request));
    }

    private Mono<ChatResult> collect(Flux<ChatChunk> chunks) {
        return chunks.collectList().map(list -> {
            StringBuilder content = new StringBuilder();
            StringBuilder reasoning = new StringBuilder();
            List<ToolCall> calls = new ArrayList<>();
            ChatChunk last = null;
            for (ChatChunk c : list) {
                content.append(c.content());
                reasoning.append(c.reasoning());
                calls.addAll(c.toolCalls());
                last = c;
            }
            if (last == null || last.finishReason() == null || last.usage() == null) {
                throw new IllegalStateException("generation ended without a final chunk");
            }
            return new ChatResult(
                    content.toString(),
                    reasoning.isEmpty() ? null : reasoning.toString(),
                    last.finishReason(),
                    last.usage(),
                    calls,
                    last.confidence());
        });
    }

    private Flux<ChatChunk> generate(Admission.Ticket ticket, ChatRequest request) {
        AtomicReference<@Nullable Generation> current = new AtomicReference<>();
        return Flux.<ChatChunk, Generation>generate(
                        () -> {
                            Generation g = begin(ticket, request);
                            current.set(g);
                            return g;
                        },
                        this::step,
                        this::cleanup)
                .subscribeOn(scheduler)
                // never block the cancelling thread (it may be an event loop): flag it; the scheduler thread stops
                // the native side as soon as its current native call returns
                .doOnCancel(() -> {
                    Generation g = current.get();
                    if (g != null) {
                        g.cancelled = true;
                    }
                });
    }

    /** Runs on a scheduler thread: renders, tokenizes and starts the native generation. */
    private Generation begin(Admission.Ticket ticket, ChatRequest request) {
        nativeLock.readLock().lock();
        try {
            if (closed) {
                throw new EngineBusyException("engine is closed");
            }
            return beginLocked(ticket, request);
        } finally {
            nativeLock.readLock().unlock();
        }
    }

    private Generation beginLocked(Admission.Ticket ticket, ChatRequest request) {
        Rendered rendered = render(request);
        String prompt = rendered.prompt();
        int promptTokens = model.encode(prompt).length;
        // the native side adds a beginning-of-sequence token
        int available = config.contextPerSlot() - promptTokens - 1;
        if (available < 1) {
            throw new InvalidChatRequestException(
                    "the prompt is " + promptTokens + " tokens; a slot holds "
                            + config.contextPerSlot() + " tokens (context " + config.contextSize() + " / "
                            + config.parallel() + " slots)",
                    "messages");
        }
        int maxTokens = request.maxTokens() == null ? available : Math.min(request.maxTokens(), available);
        boolean opensThink = prompt.stripTrailing().endsWith(ThinkSplitter.OPEN);
        boolean thinking = config.reasoningMode() != ReasoningMode.KEEP && opensThink;
        String grammar = Constraints.grammar(request, rendered.format(), opensThink);
        Generation g = new Generation(
                ticket.grantedAtNanos(),
                promptTokens,
                maxTokens,
                request,
                new ThinkSplitter(config.reasoningMode(), thinking),
                rendered.format());
        running.add(g);
        g.tokens = model.start(prompt, maxTokens, request, grammar);
        return g;
    }

    /** A rendered prompt and the tool-call format the model was shown. */
    private record Rendered(String prompt, ChatTemplate.ToolFormat format) {}

    /**
     * Renders a request. A plain chat goes through llama.cpp's built-in rendering, as always; a chat with tools, tool
     * calls or tool results goes through the model's Jinja template rendered in Java, with a generic description of
     * the tools in the system prompt when the template does not show them, and a wholly generic rendering (tools and
     * calls as text, llama.cpp's rendering) when Jinjava cannot render the template.
     */
    private Rendered render(ChatRequest request) {
        ChatTemplate template = model.chatTemplate();
        boolean tools = !request.tools().isEmpty();
        boolean history = request.messages().stream().anyMatch(ChatMessage::involvesTools);
        if (!tools && !history) {
            return new Rendered(
                    model.renderPrompt(request.messages()),
                    template == null ? ChatTemplate.ToolFormat.GENERIC : template.toolFormat());
        }
        if (template != null) {
            try {
                String prompt = template.render(request.messages(), request.tools());
                if (!tools || prompt.contains(request.tools().get(0).name())) {
                    return new Rendered(prompt, template.toolFormat());
                }
                // the template does not show tools: describe them in the system prompt, generic format
                return new Rendered(
                        template.render(withToolsDescribed(request.messages(), request.tools()), request.tools()),
                        ChatTemplate.ToolFormat.GENERIC);
            } catch (ChatTemplate.UnsupportedTemplateException e) {
                log.debug("Rendering generically: {}", e.getMessage());
            }
        }
        return new Rendered(
                model.renderPrompt(generic(request.messages(), request.tools())), ChatTemplate.ToolFormat.GENERIC);
    }

    private static List<ChatMessage> withToolsDescribed(List<ChatMessage> messages, List<Tool> tools) {
        List<ChatMessage> out = new ArrayList<>(messages.size() + 1);
        String description = Constraints.describeTools(tools);
        if (!messages.isEmpty() && messages.get(0).role() == ChatMessage.Role.SYSTEM) {
            out.add(ChatMessage.system(messages.get(0).content() + "\n\n" + description));
            out.addAll(messages.subList(1, messages.size()));
        } else {
            out.add(ChatMessage.system(description));
            out.addAll(messages);
        }
        return out;
    }

    /** Tools, calls and results as plain text messages, for llama.cpp's built-in rendering. */
    private static List<ChatMessage> generic(List<ChatMessage> messages, List<Tool> tools) {
        List<ChatMessage> described = tools.isEmpty() ? messages : withToolsDescribed(messages, tools);
        List<ChatMessage> out = new ArrayList<>(described.size());
        for (ChatMessage m : described) {
            if (m.role() == ChatMessage.Role.TOOL) {
                out.add(ChatMessage.user("Result of the function call " + m.toolCallId() + ":\n" + m.content()));
            } else if (!m.toolCalls().isEmpty()) {
                String calls = Constraints.genericCalls(m.toolCalls());
                out.add(ChatMessage.assistant(m.content().isEmpty() ? calls : m.content() + "\n" + calls));
            } else {
                out.add(m);
            }
        }
        return out;
    }

    /** Emits the next non-empty chunk (reading as many native pieces as that takes), or the final chunk. */
    private Generation step(Generation g, SynchronousSink<ChatChunk> sink) {
        if (g.closing) {
            sink.error(new EngineBusyException("engine closed while generating"));
            return g;
        }
        if (g.done || g.cancelled) {
            sink.complete();
            return g;
        }
        NativeModel.TokenStream tokens = Objects.requireNonNull(g.tokens);
        while (true) {
            String piece = tokens.next();
            if (g.closing) {
                sink.error(new EngineBusyException("engine closed while generating"));
                return g;
            }
            if (g.cancelled) {
                sink.complete();
                return g;
            }
            long now = nanoTime.getAsLong();
            if (piece == null) {
                sink.next(finish(g, g.stops.flush(), naturalFinish(g)));
                return g;
            }
            if (g.pieces++ == 0) {
                g.firstTokenNanos = now;
                metrics.firstToken(now - g.startNanos);
            }
            g.lastTokenNanos = now;
            g.lastPieceEmpty = piece.isEmpty();
            if (g.confidence != null) {
                g.confidence.accept(piece, tokens.probabilities());
            }
            StopMatcher.Result r = g.stops.accept(piece);
            if (r.stopped()) {
                tokens.cancel();
                sink.next(finish(g, r.text(), FinishReason.STOP));
                return g;
            }
            ThinkSplitter.Delta d = g.splitter.accept(r.text());
            String content = g.calls.accept(d.content());
            g.closer.accept(content);
            if (!content.isEmpty() || !d.reasoning().isEmpty()) {
                sink.next(new ChatChunk(content, d.reasoning(), null, null));
                return g;
            }
        }
    }

    /**
     * Why the native side ended. The binding reports only "ended", so: a piece per token up to the limit means the
     * limit; an empty last piece is the end-of-sequence token; a non-empty last piece with fewer pieces than tokens
     * means bytes of a character were merged into later pieces and the limit was reached.
     */
    private static FinishReason naturalFinish(Generation g) {
        if (g.request.ignoreEos() || g.pieces >= g.maxTokens) {
            return FinishReason.LENGTH;
        }
        return g.lastPieceEmpty || g.pieces == 0 ? FinishReason.STOP : FinishReason.LENGTH;
    }

    /**
     * The last chunk. Held-back call text becomes tool calls when the model ended it properly and it parses (it
     * always does under the call grammar), otherwise it is returned as text with the real finish reason: a call cut
     * by {@code max_tokens} never claims success. A JSON answer cut by {@code max_tokens} is closed so that it parses
     * (the finish reason stays {@code length}).
     */
    private ChatChunk finish(Generation g, String text, FinishReason reason) {
        ThinkSplitter.Delta d = g.splitter.accept(text);
        ThinkSplitter.Delta rest = g.splitter.finish();
        g.done = true;
        g.completionTokens = reason == FinishReason.LENGTH ? g.maxTokens : g.pieces;
        record(g, g.completionTokens);
        StringBuilder content = new StringBuilder(g.calls.accept(d.content() + rest.content()));
        boolean inCalls = g.calls.inCalls();
        String held = g.calls.drain();
        List<ToolCall> calls = List.of();
        FinishReason finalReason = reason;
        if (inCalls && reason == FinishReason.STOP) {
            List<ToolCall> parsed = Constraints.parseCalls(held, g.format, g.request.tools());
            if (parsed != null) {
                calls = parsed;
                finalReason = FinishReason.TOOL_CALLS;
                held = "";
            }
        }
        content.append(held);
        if (!inCalls && g.request.responseFormat().isJson()) {
            g.closer.accept(content);
            if (reason == FinishReason.LENGTH) {
                content.append(g.closer.closing());
                if (!g.closer.started() && g.request.responseFormat().type() == ResponseFormat.Type.JSON_OBJECT) {
                    content.append("{}");
                }
            }
        }
        return new ChatChunk(
                content.toString(),
                d.reasoning() + rest.reasoning(),
                finalReason,
                new Usage(g.promptTokens, g.completionTokens),
                calls,
                g.confidence == null ? null : g.confidence.result());
    }

    /** Runs once when the stream ends, fails or is cancelled: stops the native side and records measurements. */
    private void cleanup(Generation g) {
        try {
            if (g.tokens != null) {
                g.tokens.cancel();
            }
        } finally {
            running.remove(g);
            record(g, g.pieces);
        }
    }

    /** Records a generation's measurements once, before its last chunk is emitted when it ends normally. */
    private void record(Generation g, int generated) {
        if (g.recorded) {
            return;
        }
        g.recorded = true;
        metrics.finished(
                generated,
                g.pieces >= 2 ? g.lastTokenNanos - g.firstTokenNanos : 0,
                nanoTime.getAsLong() - g.startNanos);
    }

    /**
     * Expected wait for a slot if a request were admitted now: zero while a slot is free, otherwise the measured slot
     * hold time multiplied by the requests ahead and divided by the slots.
     */
    public Duration estimatedQueueWait() {
        int[] load = admission.load();
        int free = config.parallel() - load[0];
        int ahead = load[1];
        if (ahead < free) {
            return Duration.ZERO;
        }
        long mustFinish = (long) ahead - free + 1;
        Duration service = metrics.serviceTime();
        return Duration.ofNanos(service.toNanos() * mustFinish / config.parallel());
    }

    /** A snapshot of load and measured speed. */
    public EngineStats stats() {
        int[] load = admission.load();
        return new EngineStats(
                load[0],
                load[1],
                config.parallel(),
                config.maxQueue(),
                metrics.tokensPerSecond(),
                metrics.timeToFirstToken(),
                metrics.completed(),
                metrics.tokens(),
                admission.rejected());
    }

    /** Tokens of {@code text} by the model's tokenizer (no beginning-of-sequence token). Cheap; does not block. */
    public int countTokens(String text) {
        Objects.requireNonNull(text, "text");
        return withModel(() -> model.encode(text).length);
    }

    /** Tokens of the prompt the messages render to, as reported in {@link Usage#promptTokens()}. */
    public int countPromptTokens(List<ChatMessage> messages) {
        return countTokens(renderPrompt(messages));
    }

    /** Tokens of the prompt a request renders to (tools included), as reported in {@link Usage#promptTokens()}. */
    public int countPromptTokens(ChatRequest request) {
        return countTokens(renderPrompt(request));
    }

    /**
     * The prompt a request renders to: like {@link #renderPrompt(List)} for a plain chat; with tools, tool calls or
     * tool results, the model's Jinja template rendered in Java (or a generic rendering).
     *
     * @throws InvalidChatRequestException when the model's template refuses the conversation
     */
    public String renderPrompt(ChatRequest request) {
        Objects.requireNonNull(request, "request");
        return withModel(() -> render(request).prompt());
    }

    /**
     * Checks what can be checked before admission: the response format's and the tools' schemas can be enforced.
     * {@link #stream} checks the same (and the prompt's length) when the request starts.
     *
     * @throws InvalidChatRequestException naming the field at fault
     */
    public void validate(ChatRequest request) {
        Objects.requireNonNull(request, "request");
        ChatTemplate template = model.chatTemplate();
        Constraints.check(request, template == null ? ChatTemplate.ToolFormat.GENERIC : template.toolFormat());
    }

    /** The prompt the messages render to with the model's chat template (or the configured override). */
    public String renderPrompt(List<ChatMessage> messages) {
        Objects.requireNonNull(messages, "messages");
        return withModel(() -> model.renderPrompt(messages));
    }

    private <T> T withModel(Supplier<T> call) {
        nativeLock.readLock().lock();
        try {
            if (closed) {
                throw new EngineBusyException("engine is closed");
            }
            return call.get();
        } finally {
            nativeLock.readLock().unlock();
        }
    }

    /**
     * Whether answers to requests that ask ({@link ChatRequest#confidence()}) carry a {@link Confidence}: only when
     * the llama.cpp binding reports the sampled tokens' probabilities, which de.kherud:llama 4.2.0 cannot without
     * aborting the process (see the module README), so false with it.
     */
    public boolean measuresConfidence() {
        return NativeModel.REPORTS_PROBABILITIES;
    }

    public ModelInfo modelInfo() {
        return info;
    }

    public EngineConfig config() {
        return config;
    }

    /**
     * Refuses new requests, fails waiting ones, stops running ones (each within one token), then frees the model.
     * Idempotent.
     */
    @Override
    public void close() {
        nativeLock.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            admission.close();
            for (Generation g : running) {
                g.closing = true;
                g.cancelled = true;
                NativeModel.TokenStream tokens = g.tokens;
                if (tokens != null) {
                    tokens.cancel();
                }
            }
            model.close();
        } finally {
            nativeLock.writeLock().unlock();
            scheduler.dispose();
        }
    }

    private EngineBusyException busy() {
        return new EngineBusyException(
                closed
                        ? "engine is closed"
                        : "all " + config.parallel() + " slots are busy and the queue of " + config.maxQueue()
                                + " is full");
    }

    /** One request's generation state; touched by one scheduler thread at a time (plus the cancel flag). */
    private static final class Generation {
        final long startNanos;
        final int promptTokens;
        final int maxTokens;
        final ChatRequest request;
        final StopMatcher stops;
        final ThinkSplitter splitter;
        final ChatTemplate.ToolFormat format;
        final ToolCallStream calls;
        final JsonCloser closer = new JsonCloser();
        /** Set when the request asked for a confidence. */
        final @Nullable ConfidenceMeter confidence;

        volatile NativeModel.@Nullable TokenStream tokens;
        volatile boolean cancelled;
        /** Set by {@link LocalEngine#close()}: the subscriber gets an error rather than a silent end. */
        volatile boolean closing;

        boolean done;
        boolean recorded;
        int pieces;
        boolean lastPieceEmpty;
        int completionTokens;
        long firstTokenNanos;
        long lastTokenNanos;

        Generation(
                long startNanos,
                int promptTokens,
                int maxTokens,
                ChatRequest request,
                ThinkSplitter splitter,
                ChatTemplate.ToolFormat format) {
            this.startNanos = startNanos;
            this.promptTokens = promptTokens;
            this.maxTokens = maxTokens;
            this.request = request;
            this.stops = new StopMatcher(request.stop());
            this.splitter = splitter;
            this.format = format;
            this.calls = new ToolCallStream(request.toolsCallable() ? Constraints.marker(format) : null);
            this.confidence = request.confidence() && NativeModel.REPORTS_PROBABILITIES ? new ConfidenceMeter() : null;
        }
    }
}
