package dev.burstgate.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.Disposable;
import reactor.test.StepVerifier;

/** One engine with a single slot and a queue of one, on the generated tiny model. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LocalEngineTest {

    private static LocalEngine engine;

    @BeforeAll
    static void start() {
        engine = LocalEngine.start(TestModels.tinyConfig()
                .contextSize(2048)
                .parallel(1)
                .maxQueue(1)
                .build());
    }

    @AfterAll
    static void stop() {
        engine.close();
    }

    private static ChatRequest.Builder hello(int maxTokens) {
        return ChatRequest.builder()
                .system("You are terse.")
                .user("Hello there")
                .maxTokens(maxTokens)
                .seed(7L);
    }

    @Test
    void loadsTheGeneratedModelAndDescribesIt() {
        ModelInfo info = engine.modelInfo();
        assertThat(info.name()).isEqualTo("burstgate-tiny");
        assertThat(info.architecture()).isEqualTo("llama");
        assertThat(info.contextSize()).isEqualTo(2048);
        assertThat(info.contextPerSlot()).isEqualTo(2048);
        assertThat(info.parallel()).isEqualTo(1);
        assertThat(info.path()).isEqualTo(TestModels.tiny());
    }

    @Test
    void generatesExactlyTheRequestedNumberOfTokensWhenEndOfSequenceIsIgnored() {
        ChatResult result = engine.complete(hello(24).ignoreEos(true).build()).block();

        assertThat(result.usage().completionTokens()).isEqualTo(24);
        assertThat(result.finishReason()).isEqualTo(FinishReason.LENGTH);
        assertThat(result.content()).isNotEmpty();
    }

    @Test
    void reportsPromptTokensCountedByTheModelsTokenizer() {
        ChatRequest request = hello(4).build();

        ChatResult result = engine.complete(request).block();

        int expected = engine.countTokens(engine.renderPrompt(request.messages()));
        assertThat(result.usage().promptTokens()).isEqualTo(expected).isGreaterThan(10);
        assertThat(engine.countPromptTokens(request.messages())).isEqualTo(expected);
    }

    @Test
    void rendersMessagesWithTheModelsChatTemplate() {
        String prompt = engine.renderPrompt(List.of(ChatMessage.system("S"), ChatMessage.user("U")));

        assertThat(prompt)
                .isEqualTo(
                        "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nU<|im_end|>\n" + "<|im_start|>assistant\n");
    }

    @Test
    void streamedChunksConcatenateToTheNonStreamedTextForTheSameSeed() {
        ChatRequest request = hello(40).temperature(0.9).build();

        ChatResult whole = engine.complete(request).block();
        List<ChatChunk> chunks = engine.stream(request).collectList().block();

        assertThat(chunks).hasSizeGreaterThan(2);
        assertThat(chunks.stream().map(ChatChunk::content).reduce("", String::concat))
                .isEqualTo(whole.content());
        assertThat(chunks.getLast().isLast()).isTrue();
        assertThat(chunks.subList(0, chunks.size() - 1))
                .allSatisfy(c -> assertThat(c.isLast()).isFalse());
        assertThat(chunks.getLast().usage()).isEqualTo(whole.usage());
    }

    @Test
    void differentSeedsGiveDifferentAnswers() {
        String a = engine.complete(hello(30).seed(1L).ignoreEos(true).build())
                .block()
                .content();
        String b = engine.complete(hello(30).seed(2L).ignoreEos(true).build())
                .block()
                .content();

        assertThat(a).isNotEqualTo(b);
    }

    @Test
    void streamedTextFromRandomBytesIsValidUtf8() throws CharacterCodingException {
        String text = engine.complete(hello(200).ignoreEos(true).seed(11L).build())
                .block()
                .content();

        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        String roundTrip = StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(utf8))
                .toString();
        assertThat(roundTrip).isEqualTo(text);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c)) {
                assertThat(i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1)))
                        .isTrue();
                i++;
            } else {
                assertThat(Character.isLowSurrogate(c))
                        .as("lone low surrogate at %d", i)
                        .isFalse();
            }
        }
    }

    @Test
    void aStopStringEndsTheAnswerJustBeforeItsFirstMatch() {
        ChatRequest request = hello(60).ignoreEos(true).build();
        String full = engine.complete(request).block().content();
        String stop = full.substring(20, 22);

        ChatResult stopped =
                engine.complete(request.toBuilder().stop(stop).build()).block();

        assertThat(stopped.content()).isEqualTo(full.substring(0, full.indexOf(stop)));
        assertThat(stopped.finishReason()).isEqualTo(FinishReason.STOP);
        assertThat(stopped.usage().completionTokens()).isLessThan(60);
    }

    @Test
    void cancellingAStreamFreesItsSlotSoTheNextRequestStartsAtOnce() {
        long before = engine.stats().generatedTokens();
        // about 1,900 tokens: seconds of work if the native side kept generating after the cancel
        ChatRequest longOne = hello(1900).ignoreEos(true).build();
        List<ChatChunk> seen = engine.stream(longOne).take(3).collectList().block();
        assertThat(seen).hasSize(3);

        long t0 = System.nanoTime();
        ChatResult next = engine.complete(hello(8).ignoreEos(true).build()).block();
        Duration waited = Duration.ofNanos(System.nanoTime() - t0);

        assertThat(next.usage().completionTokens()).isEqualTo(8);
        assertThat(waited).isLessThan(Duration.ofSeconds(1));
        long cancelledTokens = engine.stats().generatedTokens() - before - 8;
        assertThat(cancelledTokens).isLessThan(50);
        assertThat(engine.stats().activeSlots()).isZero();
    }

    @Test
    void aFullQueueRefusesAdmissionImmediately() {
        long rejectedBefore = engine.stats().rejectedRequests();
        try (EngineLease slot = engine.tryAdmit().orElseThrow();
                EngineLease queued = engine.tryAdmit().orElseThrow()) {
            assertThat(engine.stats().queued()).isEqualTo(2);

            long t0 = System.nanoTime();
            Optional<EngineLease> third = engine.tryAdmit();
            Duration took = Duration.ofNanos(System.nanoTime() - t0);

            assertThat(third).isEmpty();
            assertThat(took).isLessThan(Duration.ofMillis(50));
            StepVerifier.create(engine.stream(ChatRequest.of("hi")))
                    .expectError(EngineBusyException.class)
                    .verify(Duration.ofSeconds(1));
            assertThat(engine.stats().rejectedRequests()).isEqualTo(rejectedBefore + 2);
            assertThat(slot.isHeld()).isTrue();
            assertThat(queued.isHeld()).isTrue();
        }
        assertThat(engine.stats().queued()).isZero();
        assertThat(engine.tryAdmit()).hasValueSatisfying(EngineLease::close);
    }

    @Test
    void aQueuedRequestRunsWhenTheSlotFrees() {
        EngineLease first = engine.tryAdmit().orElseThrow();
        EngineLease second = engine.tryAdmit().orElseThrow();
        List<String> order = new CopyOnWriteArrayList<>();

        Disposable running = engine.stream(first, hello(1900).ignoreEos(true).build())
                .doOnNext(c -> order.add("first"))
                .subscribe();
        waitUntil(() -> !order.isEmpty());
        ChatResult[] queuedResult = new ChatResult[1];
        Disposable queued = engine.complete(second, hello(5).ignoreEos(true).build())
                .doOnNext(r -> order.add("second-done"))
                .subscribe(r -> queuedResult[0] = r);

        // Held for a while, the slot lets no queued request run.
        await().during(Duration.ofMillis(100))
                .atMost(Duration.ofSeconds(1))
                .pollInterval(Duration.ofMillis(10))
                .untilAsserted(() -> assertThat(order).doesNotContain("second-done"));
        assertThat(engine.stats().activeSlots()).isEqualTo(1);
        assertThat(engine.stats().queued()).isEqualTo(1);
        assertThat(engine.estimatedQueueWait()).isPositive();

        running.dispose();
        waitUntil(() -> queuedResult[0] != null);
        assertThat(queuedResult[0].usage().completionTokens()).isEqualTo(5);
        assertThat(first.isHeld()).isFalse();
        assertThat(second.isHeld()).isFalse();
        queued.dispose();
    }

    @Test
    void aLeaseRunsOneRequestOnly() {
        EngineLease lease = engine.tryAdmit().orElseThrow();
        engine.complete(lease, hello(2).build()).block();

        StepVerifier.create(engine.stream(lease, hello(2).build()))
                .expectErrorMessage("lease already used or closed")
                .verify(Duration.ofSeconds(5));
    }

    @Test
    void aClosedLeaseGivesItsPlaceBack() {
        EngineLease lease = engine.tryAdmit().orElseThrow();
        assertThat(engine.stats().queued()).isEqualTo(1);

        lease.close();
        lease.close();

        assertThat(engine.stats().queued()).isZero();
        assertThat(lease.isHeld()).isFalse();
    }

    @Test
    void aPromptLongerThanASlotIsRejectedAsInvalid() {
        ChatRequest huge = ChatRequest.of("x ".repeat(3000));

        StepVerifier.create(engine.complete(huge))
                .expectErrorSatisfies(e -> assertThat(e)
                        .isInstanceOf(InvalidChatRequestException.class)
                        .hasMessageContaining("a slot holds 2048 tokens"))
                .verify(Duration.ofSeconds(10));
        assertThat(engine.stats().activeSlots()).isZero();
        assertThat(engine.stats().queued()).isZero();
    }

    @Test
    void measuresSpeedAndTimeToFirstToken() {
        engine.complete(hello(30).ignoreEos(true).build()).block();

        EngineStats stats = engine.stats();
        assertThat(stats.tokensPerSecond()).isPositive();
        assertThat(stats.timeToFirstToken()).isPositive().isLessThan(Duration.ofSeconds(5));
        assertThat(stats.capacity()).isEqualTo(1);
        assertThat(stats.maxQueue()).isEqualTo(1);
        assertThat(stats.completedRequests()).isPositive();
        assertThat(engine.estimatedQueueWait()).isZero();
    }

    @Test
    void countsTokensWithTheModelsTokenizer() {
        assertThat(engine.countTokens("")).isZero();
        // the vocabulary has "▁the": one token for " the", bytes for what it lacks
        assertThat(engine.countTokens("the")).isEqualTo(1);
        assertThat(engine.countTokens("é")).isEqualTo(3); // ▁ plus two byte tokens
    }

    @Test
    void aLeaseFromAnotherEngineIsRefused() {
        assertThatThrownBy(() ->
                        engine.stream(new EngineLease(new Admission(1, 0, System::nanoTime)), ChatRequest.of("hi")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("another engine");
    }

    static void waitUntil(java.util.function.BooleanSupplier condition) {
        await().atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(5))
                .until(condition::getAsBoolean);
    }
}
