package dev.burstgate.gateway.local;

import dev.burstgate.engine.ChatChunk;
import dev.burstgate.engine.ChatMessage;
import dev.burstgate.engine.ChatRequest;
import dev.burstgate.engine.ChatResult;
import dev.burstgate.engine.Confidence;
import dev.burstgate.engine.EngineBusyException;
import dev.burstgate.engine.InvalidChatRequestException;
import dev.burstgate.engine.LocalEngine;
import dev.burstgate.engine.server.OpenAiFormat;
import dev.burstgate.gateway.api.ChatCompletionRequest;
import dev.burstgate.gateway.tier.AnswerConfidence;
import dev.burstgate.gateway.tier.AttemptFailure;
import dev.burstgate.gateway.tier.TierBackend;
import dev.burstgate.gateway.tier.UpstreamChunk;
import dev.burstgate.policies.Tier;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The local tier: the engine inside this process, answering in the OpenAI shape without any HTTP hop. A full engine
 * (every slot busy and the queue full) or a prompt too long for a slot fails the attempt before its first byte, so
 * the dispatcher bursts to the next tier.
 */
public final class LocalBackend implements TierBackend {

    /** The endpoint name of the in-process engine in cost records. */
    public static final String ENDPOINT = "in-process";

    private final LocalEngine engine;
    private final String model;
    private final boolean simulated;
    private final int defaultMaxTokens;
    private final JsonMapper json;
    private final InstantSource clock;

    public LocalBackend(
            LocalEngine engine,
            String model,
            boolean simulated,
            int defaultMaxTokens,
            JsonMapper json,
            InstantSource clock) {
        this.engine = engine;
        this.model = model;
        this.simulated = simulated;
        this.defaultMaxTokens = defaultMaxTokens;
        this.json = json;
        this.clock = clock;
    }

    public LocalEngine engine() {
        return engine;
    }

    @Override
    public Tier tier() {
        return Tier.LOCAL;
    }

    @Override
    public boolean available() {
        return true;
    }

    @Override
    public boolean simulated() {
        return simulated;
    }

    @Override
    public String model() {
        return model;
    }

    @Override
    public Flux<UpstreamChunk> call(ChatCompletionRequest request, String requestId) {
        return call(request, requestId, false);
    }

    @Override
    public boolean measuresConfidence() {
        return engine.measuresConfidence();
    }

    /**
     * An answer with the engine's confidence, measured from the sampled tokens' probabilities, when the engine
     * {@link LocalEngine#measuresConfidence() measures one} (the bundled binding cannot: then none).
     */
    @Override
    public Flux<UpstreamChunk> callScored(ChatCompletionRequest request, String requestId) {
        return call(request, requestId, true);
    }

    private Flux<UpstreamChunk> call(ChatCompletionRequest request, String requestId, boolean scored) {
        return Flux.defer(() -> {
                    ChatRequest engineRequest = toEngine(request, scored);
                    String id = "chatcmpl-" + requestId;
                    long created = clock.instant().getEpochSecond();
                    if (!request.stream()) {
                        return engine.complete(engineRequest)
                                .map(r -> new UpstreamChunk(
                                        ENDPOINT, completion(id, created, r), confidence(r.confidence())))
                                .flux();
                    }
                    boolean[] first = {true};
                    return engine.stream(engineRequest).concatMapIterable(c -> {
                        List<UpstreamChunk> out = new ArrayList<>(2);
                        out.add(new UpstreamChunk(
                                ENDPOINT, chunk(id, created, c, first[0]), confidence(c.confidence())));
                        first[0] = false;
                        if (c.usage() != null) {
                            out.add(new UpstreamChunk(ENDPOINT, usageChunk(id, created, c.usage())));
                        }
                        return out;
                    });
                })
                .onErrorMap(e -> !(e instanceof AttemptFailure), LocalBackend::failure);
    }

    /**
     * The engine's request: the messages' text as the router saw it, with the assistants' tool calls and the tool
     * results' call ids, the tools, {@code tool_choice} and {@code response_format} read from the body as the
     * engine's own server reads them (the parser has validated them already).
     */
    private ChatRequest toEngine(ChatCompletionRequest r, boolean scored) {
        JsonNode bodyMessages = r.body().path("messages");
        List<ChatMessage> messages = new ArrayList<>(r.messages().size());
        for (int i = 0; i < r.messages().size(); i++) {
            ChatCompletionRequest.Message m = r.messages().get(i);
            JsonNode raw = bodyMessages.path(i);
            messages.add(
                    switch (m.role()) {
                        case "system", "developer" -> ChatMessage.system(m.content());
                        case "assistant" ->
                            ChatMessage.assistant(
                                    m.content(),
                                    dev.burstgate.engine.server.ChatCompletionRequest.toolCalls(
                                            raw.get("tool_calls"), "messages[" + i + "]"));
                        case "tool" -> ChatMessage.tool(raw.path("tool_call_id").asString(""), m.content());
                        default -> ChatMessage.user(m.content());
                    });
        }
        Double topP = r.topP() == null ? null : Math.max(r.topP(), 1e-6);
        int maxTokens = r.maxTokens() != null ? r.maxTokens() : defaultMaxTokens;
        JsonNode parallel = r.body().get("parallel_tool_calls");
        return ChatRequest.builder()
                .messages(messages)
                .maxTokens(maxTokens)
                .temperature(r.temperature())
                .topP(topP)
                .stop(r.stop())
                .seed(r.seed())
                .tools(dev.burstgate.engine.server.ChatCompletionRequest.tools(
                        json, r.body().get("tools")))
                .toolChoice(dev.burstgate.engine.server.ChatCompletionRequest.toolChoice(
                        r.body().get("tool_choice")))
                .parallelToolCalls(parallel == null || !parallel.isBoolean() || parallel.booleanValue())
                .responseFormat(dev.burstgate.engine.server.ChatCompletionRequest.responseFormat(
                        json, r.body().get("response_format")))
                .confidence(scored)
                .build();
    }

    private static @Nullable AnswerConfidence confidence(@Nullable Confidence c) {
        return c == null ? null : new AnswerConfidence(c.tokens(), c.score(), c.minProb(), c.meanEntropy());
    }

    private ObjectNode chunk(String id, long created, ChatChunk c, boolean first) {
        ObjectNode node = head(id, created, "chat.completion.chunk");
        ObjectNode choice = node.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode delta = choice.putObject("delta");
        if (first) {
            delta.put("role", "assistant");
        }
        if (!c.content().isEmpty() || c.reasoning().isEmpty()) {
            delta.put("content", c.content());
        }
        if (!c.reasoning().isEmpty()) {
            delta.put("reasoning_content", c.reasoning());
        }
        if (!c.toolCalls().isEmpty()) {
            OpenAiFormat.toolCalls(delta.putArray("tool_calls"), c.toolCalls(), true);
        }
        if (c.finishReason() == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", c.finishReason().wireName());
        }
        return node;
    }

    private ObjectNode usageChunk(String id, long created, dev.burstgate.engine.Usage usage) {
        ObjectNode node = head(id, created, "chat.completion.chunk");
        node.putArray("choices");
        node.putObject("usage")
                .put("prompt_tokens", usage.promptTokens())
                .put("completion_tokens", usage.completionTokens())
                .put("total_tokens", usage.totalTokens());
        return node;
    }

    private ObjectNode completion(String id, long created, ChatResult r) {
        ObjectNode node = head(id, created, "chat.completion");
        ObjectNode choice = node.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode message = choice.putObject("message");
        message.put("role", "assistant");
        if (r.content().isEmpty() && !r.toolCalls().isEmpty()) {
            message.putNull("content");
        } else {
            message.put("content", r.content());
        }
        if (r.reasoningContent() != null && !r.reasoningContent().isEmpty()) {
            message.put("reasoning_content", r.reasoningContent());
        }
        if (!r.toolCalls().isEmpty()) {
            OpenAiFormat.toolCalls(message.putArray("tool_calls"), r.toolCalls(), false);
        }
        choice.put("finish_reason", r.finishReason().wireName());
        node.putObject("usage")
                .put("prompt_tokens", r.usage().promptTokens())
                .put("completion_tokens", r.usage().completionTokens())
                .put("total_tokens", r.usage().totalTokens());
        return node;
    }

    private ObjectNode head(String id, long created, String object) {
        ObjectNode node = json.createObjectNode();
        node.put("id", id);
        node.put("object", object);
        node.put("created", created);
        node.put("model", model);
        return node;
    }

    private static AttemptFailure failure(Throwable e) {
        if (e instanceof EngineBusyException) {
            return new AttemptFailure(
                    ENDPOINT, AttemptFailure.Kind.BUSY, "local engine busy (all slots and the queue are full)", e);
        }
        if (e instanceof InvalidChatRequestException invalid) {
            // The engine refuses a prompt longer than a slot's context; another tier's context may hold it.
            AttemptFailure.Kind kind = "messages".equals(invalid.param())
                    ? AttemptFailure.Kind.CONTEXT_EXCEEDED
                    : AttemptFailure.Kind.REFUSED;
            return new AttemptFailure(ENDPOINT, kind, "local engine cannot take this request: " + e.getMessage(), e);
        }
        if (e instanceof IllegalArgumentException) {
            return new AttemptFailure(
                    ENDPOINT, AttemptFailure.Kind.REFUSED, "local engine rejected the request: " + e.getMessage(), e);
        }
        return new AttemptFailure(ENDPOINT, AttemptFailure.Kind.FAILED, "local engine failed: " + e, e);
    }
}
