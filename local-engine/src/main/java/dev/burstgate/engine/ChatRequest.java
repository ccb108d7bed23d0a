package dev.burstgate.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A chat completion request. Unset sampling fields fall back to llama.cpp's defaults; an unset {@code maxTokens} means
 * "until the end of the slot's context".
 *
 * @param messages     the conversation, at least one message
 * @param maxTokens    upper bound on generated tokens, positive
 * @param temperature  sampling temperature in [0, 2]; 0 samples greedily
 * @param topP         nucleus sampling in (0, 1]
 * @param stop         up to {@value #MAX_STOP} non-empty stop strings; generation ends before the first match
 * @param seed         sampling seed, for reproducible output
 * @param ignoreEos    keep generating past the end-of-sequence token (benchmarks: fixed-length answers)
 * @param tools        functions the model may call, names unique (at most {@value #MAX_TOOLS})
 * @param toolChoice   whether and which tool the model must call; without tools, only none and auto are allowed and
 *                     both mean a text answer
 * @param parallelToolCalls whether one answer may hold several tool calls
 * @param responseFormat the shape of a text answer: free text, a JSON object or JSON valid against a schema
 * @param confidence   whether the answer should carry a {@link Confidence}: it does when the engine
 *                     {@link LocalEngine#measuresConfidence() measures one} (llama.cpp then reports the top candidates
 *                     of every sampled token); requests that do not ask pay nothing. With de.kherud:llama 4.2.0 the
 *                     engine cannot, and the answer carries none
 */
public record ChatRequest(
        List<ChatMessage> messages,
        @Nullable Integer maxTokens,
        @Nullable Double temperature,
        @Nullable Double topP,
        List<String> stop,
        @Nullable Long seed,
        boolean ignoreEos,
        List<Tool> tools,
        ToolChoice toolChoice,
        boolean parallelToolCalls,
        ResponseFormat responseFormat,
        boolean confidence) {

    /** Most stop strings a request may carry. */
    public static final int MAX_STOP = 16;

    /** Most tools a request may carry. */
    public static final int MAX_TOOLS = 128;

    public ChatRequest {
        Objects.requireNonNull(messages, "messages");
        messages = List.copyOf(messages);
        if (messages.isEmpty()) {
            throw new IllegalArgumentException("messages must not be empty");
        }
        if (maxTokens != null && maxTokens < 1) {
            throw new IllegalArgumentException("max_tokens must be >= 1, got " + maxTokens);
        }
        if (temperature != null && !(temperature >= 0 && temperature <= 2)) {
            throw new IllegalArgumentException("temperature must be in [0, 2], got " + temperature);
        }
        if (topP != null && !(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("top_p must be in (0, 1], got " + topP);
        }
        Objects.requireNonNull(stop, "stop");
        stop = List.copyOf(stop);
        if (stop.size() > MAX_STOP) {
            throw new IllegalArgumentException("stop may hold at most " + MAX_STOP + " strings, got " + stop.size());
        }
        for (String s : stop) {
            if (s.isEmpty()) {
                throw new IllegalArgumentException("stop strings must not be empty");
            }
        }
        tools = List.copyOf(Objects.requireNonNull(tools, "tools"));
        Objects.requireNonNull(toolChoice, "toolChoice");
        Objects.requireNonNull(responseFormat, "responseFormat");
        if (tools.size() > MAX_TOOLS) {
            throw new IllegalArgumentException(
                    "tools may hold at most " + MAX_TOOLS + " functions, got " + tools.size());
        }
        java.util.Set<String> names = new java.util.HashSet<>();
        for (Tool t : tools) {
            if (!names.add(t.name())) {
                throw new IllegalArgumentException("tool names must be unique, '" + t.name() + "' appears twice");
            }
        }
        if (toolChoice.forcesCall() && tools.isEmpty()) {
            throw new IllegalArgumentException(
                    "tool_choice " + toolChoice.mode().name().toLowerCase(java.util.Locale.ROOT) + " needs tools");
        }
        if (toolChoice.function() != null && !names.contains(toolChoice.function())) {
            throw new IllegalArgumentException(
                    "tool_choice names the function '" + toolChoice.function() + "', which is not among the tools");
        }
    }

    /** A request without tools or a response format. */
    public ChatRequest(
            List<ChatMessage> messages,
            @Nullable Integer maxTokens,
            @Nullable Double temperature,
            @Nullable Double topP,
            List<String> stop,
            @Nullable Long seed,
            boolean ignoreEos) {
        this(
                messages,
                maxTokens,
                temperature,
                topP,
                stop,
                seed,
                ignoreEos,
                List.of(),
                ToolChoice.AUTO,
                true,
                ResponseFormat.TEXT,
                false);
    }

    /** Whether the model may call a tool in this request (tools given and the choice is not none). */
    public boolean toolsCallable() {
        return !tools.isEmpty() && toolChoice.mode() != ToolChoice.Mode.NONE;
    }

    /** A request with one user message and defaults elsewhere. */
    public static ChatRequest of(String userMessage) {
        return builder().user(userMessage).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from this request's values. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.messages.addAll(messages);
        b.maxTokens = maxTokens;
        b.temperature = temperature;
        b.topP = topP;
        b.stop.addAll(stop);
        b.seed = seed;
        b.ignoreEos = ignoreEos;
        b.tools.addAll(tools);
        b.toolChoice = toolChoice;
        b.parallelToolCalls = parallelToolCalls;
        b.responseFormat = responseFormat;
        b.confidence = confidence;
        return b;
    }

    /** Builds a {@link ChatRequest}; validation happens in {@link #build()}. */
    public static final class Builder {
        private final List<ChatMessage> messages = new ArrayList<>();
        private @Nullable Integer maxTokens;
        private @Nullable Double temperature;
        private @Nullable Double topP;
        private final List<String> stop = new ArrayList<>();
        private @Nullable Long seed;
        private boolean ignoreEos;
        private final List<Tool> tools = new ArrayList<>();
        private ToolChoice toolChoice = ToolChoice.AUTO;
        private boolean parallelToolCalls = true;
        private ResponseFormat responseFormat = ResponseFormat.TEXT;
        private boolean confidence;

        private Builder() {}

        public Builder message(ChatMessage message) {
            messages.add(Objects.requireNonNull(message, "message"));
            return this;
        }

        public Builder messages(List<ChatMessage> all) {
            all.forEach(this::message);
            return this;
        }

        public Builder system(String content) {
            return message(ChatMessage.system(content));
        }

        public Builder user(String content) {
            return message(ChatMessage.user(content));
        }

        public Builder assistant(String content) {
            return message(ChatMessage.assistant(content));
        }

        public Builder maxTokens(@Nullable Integer value) {
            maxTokens = value;
            return this;
        }

        public Builder temperature(@Nullable Double value) {
            temperature = value;
            return this;
        }

        public Builder topP(@Nullable Double value) {
            topP = value;
            return this;
        }

        public Builder stop(String... values) {
            stop.addAll(List.of(values));
            return this;
        }

        public Builder stop(List<String> values) {
            stop.addAll(values);
            return this;
        }

        public Builder seed(@Nullable Long value) {
            seed = value;
            return this;
        }

        public Builder ignoreEos(boolean value) {
            ignoreEos = value;
            return this;
        }

        public Builder tool(Tool tool) {
            tools.add(Objects.requireNonNull(tool, "tool"));
            return this;
        }

        public Builder tools(List<Tool> all) {
            all.forEach(this::tool);
            return this;
        }

        public Builder toolChoice(ToolChoice value) {
            toolChoice = Objects.requireNonNull(value, "toolChoice");
            return this;
        }

        public Builder parallelToolCalls(boolean value) {
            parallelToolCalls = value;
            return this;
        }

        public Builder responseFormat(ResponseFormat value) {
            responseFormat = Objects.requireNonNull(value, "responseFormat");
            return this;
        }

        /** Whether the answer carries a {@link Confidence}. */
        public Builder confidence(boolean value) {
            confidence = value;
            return this;
        }

        public ChatRequest build() {
            return new ChatRequest(
                    messages,
                    maxTokens,
                    temperature,
                    topP,
                    stop,
                    seed,
                    ignoreEos,
                    tools,
                    toolChoice,
                    parallelToolCalls,
                    responseFormat,
                    confidence);
        }
    }
}
