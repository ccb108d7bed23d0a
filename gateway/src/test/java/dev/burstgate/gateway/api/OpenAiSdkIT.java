package dev.burstgate.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.HttpResponseFor;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.CompletionUsage;
import com.openai.models.models.Model;
import dev.burstgate.gateway.tenant.TenantRegistry;
import dev.burstgate.gateway.testsupport.GatewayIT;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;

/** The official OpenAI Java SDK talks to Burstgate with nothing changed but the base URL. */
@GatewayIT(localTier = true, legacyMock = false)
class OpenAiSdkIT {

    @LocalServerPort
    int port;

    OpenAIClient client;

    @BeforeEach
    void connect() {
        client = OpenAIOkHttpClient.builder()
                .apiKey(TenantRegistry.DEMO_KEY)
                .baseUrl("http://localhost:" + port + "/v1")
                .maxRetries(0)
                .build();
    }

    @AfterEach
    void close() {
        client.close();
    }

    private static ChatCompletionCreateParams.Builder params() {
        return ChatCompletionCreateParams.builder()
                .model("local")
                .addUserMessage("Say something short")
                .maxCompletionTokens(6);
    }

    @Test
    void createsAChatCompletionWithUsageCostAndTierHeader() {
        ChatCompletion completion;
        try (HttpResponseFor<ChatCompletion> raw =
                client.chat().completions().withRawResponse().create(params().build())) {
            assertThat(raw.statusCode()).isEqualTo(200);
            assertThat(raw.headers().values("X-Burstgate-Tier")).containsExactly("local");
            completion = raw.parse();
        }
        assertThat(completion.choices()).hasSize(1);
        assertThat(completion.choices().get(0).message().content()).isPresent();
        CompletionUsage usage = completion.usage().orElseThrow();
        // A random-weight model may emit its end token at any point, even first: at most 6, "length" only at 6.
        assertThat(usage.completionTokens()).isBetween(0L, 6L);
        assertThat(completion.choices().get(0).finishReason().asString())
                .isEqualTo(usage.completionTokens() == 6 ? "length" : "stop");
        assertThat(usage.totalTokens()).isEqualTo(usage.promptTokens() + usage.completionTokens());
        JsonValue cost = usage._additionalProperties().get("cost");
        assertThat(cost).isNotNull();
        assertThat(cost.convert(Double.class)).isEqualTo(0.02);
    }

    @Test
    void streamsAChatCompletionEndingWithUsage() {
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat()
                .completions()
                .createStreaming(params().streamOptions(ChatCompletionStreamOptions.builder()
                                .includeUsage(true)
                                .build())
                        .build())) {
            stream.stream().forEach(chunks::add);
        }
        assertThat(chunks).hasSizeGreaterThan(2);
        assertThat(chunks.subList(0, chunks.size() - 1))
                .allSatisfy(c -> assertThat(c.choices()).hasSize(1));
        assertThat(chunks.get(chunks.size() - 2).choices().get(0).finishReason())
                .isPresent();
        ChatCompletionChunk last = chunks.get(chunks.size() - 1);
        assertThat(last.choices()).isEmpty();
        CompletionUsage usage = last.usage().orElseThrow();
        assertThat(usage.completionTokens()).isBetween(0L, 6L);
        assertThat(usage._additionalProperties().get("cost").convert(Double.class))
                .isEqualTo(0.02);
    }

    @Test
    void listsTheModels() {
        List<String> ids = client.models().list().data().stream().map(Model::id).toList();
        assertThat(ids).containsExactly("auto", "local", "cloud", "legacy");
    }

    @Test
    void surfacesAnUnknownModelAsABadRequest() {
        assertThatThrownBy(() -> client.chat()
                        .completions()
                        .create(params().model("gpt-unknown").build()))
                .isInstanceOfSatisfying(BadRequestException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(400);
                    assertThat(e.getMessage()).contains("gpt-unknown");
                });
    }

    @Test
    void surfacesAWrongKeyAsUnauthorized() {
        OpenAIClient wrong = OpenAIOkHttpClient.builder()
                .apiKey("sk-wrong")
                .baseUrl("http://localhost:" + port + "/v1")
                .maxRetries(0)
                .build();
        try {
            assertThatThrownBy(() -> wrong.models().list()).isInstanceOf(UnauthorizedException.class);
        } finally {
            wrong.close();
        }
    }
}
