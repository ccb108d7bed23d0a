package dev.burstgate.gateway.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.burstgate.gateway.api.ChatCompletionRequest;
import dev.burstgate.gateway.api.ChatRequestParser;
import dev.burstgate.gateway.tier.AnswerConfidence;
import dev.burstgate.gateway.tier.UpstreamChunk;
import dev.burstgate.policies.policy.Policy;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

class CascadeCheckTest {

    private final JsonMapper json = JsonMapper.builder().build();

    private static final Policy.Cascade AT_055 = new Policy.Cascade(0.55, Policy.Signal.MEAN_PROB, true, null);

    private ChatCompletionRequest request(String extra) {
        String body = "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]" + extra + "}";
        return new ChatRequestParser(json, Map.of()).parse(body.getBytes(StandardCharsets.UTF_8));
    }

    private static CascadeCheck.Answer text(String content, String finish) {
        return new CascadeCheck.Answer(content, 0, finish);
    }

    private static AnswerConfidence confidence(double mean, double min) {
        return new AnswerConfidence(5, mean, min, 1.0);
    }

    @Test
    void anAnswerBelowTheThresholdEscalatesWithTheFiguresInTheReason() {
        assertThat(CascadeCheck.escalation(AT_055, request(""), text("x", "stop"), confidence(0.41, 0.1)))
                .isEqualTo("local confidence 0.41 < 0.55");
    }

    @Test
    void anAnswerAtOrAboveTheThresholdIsKept() {
        assertThat(CascadeCheck.escalation(AT_055, request(""), text("x", "stop"), confidence(0.55, 0.1)))
                .isNull();
        assertThat(CascadeCheck.escalation(AT_055, request(""), text("x", "stop"), confidence(0.9, 0.01)))
                .isNull();
    }

    @Test
    void theMinProbSignalComparesTheWeakestToken() {
        Policy.Cascade min = new Policy.Cascade(0.2, Policy.Signal.MIN_PROB, false, null);
        assertThat(CascadeCheck.escalation(min, request(""), text("x", "stop"), confidence(0.9, 0.15)))
                .isEqualTo("local min-prob 0.15 < 0.20");
        assertThat(CascadeCheck.escalation(min, request(""), text("x", "stop"), confidence(0.3, 0.25)))
                .isNull();
    }

    @Test
    void figuresThatRoundAlikeAreShownWithMoreDecimals() {
        assertThat(CascadeCheck.escalation(AT_055, request(""), text("x", "stop"), confidence(0.5499, 0.1)))
                .isEqualTo("local confidence 0.5499 < 0.5500");
    }

    @Test
    void withoutAConfidenceOnlyTheStructuralCheckApplies() {
        assertThat(CascadeCheck.escalation(AT_055, request(""), text("x", "stop"), null))
                .isNull();
        assertThat(CascadeCheck.escalation(AT_055, request(""), text("x", "length"), null))
                .isEqualTo("local answer cut at max_tokens");
    }

    @Test
    void theStructuralCheckWantsParsingJsonAndTheRequiredToolCall() {
        ChatCompletionRequest jsonObject = request(",\"response_format\":{\"type\":\"json_object\"}");
        AnswerConfidence sure = confidence(0.99, 0.9);
        assertThat(CascadeCheck.escalation(AT_055, jsonObject, text("{\"a\":1}", "stop"), sure))
                .isNull();
        assertThat(CascadeCheck.escalation(AT_055, jsonObject, text("{\"a\":", "stop"), sure))
                .isEqualTo("local answer is not valid JSON");
        assertThat(CascadeCheck.escalation(AT_055, jsonObject, text("[1]", "stop"), sure))
                .isEqualTo("local answer is not valid JSON");
        String tools = ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":{}}}]";
        ChatCompletionRequest required = request(tools + ",\"tool_choice\":\"required\"");
        assertThat(CascadeCheck.escalation(AT_055, required, text("no call", "stop"), sure))
                .isEqualTo("local answer made no tool call");
        assertThat(CascadeCheck.escalation(AT_055, required, new CascadeCheck.Answer("", 1, "tool_calls"), sure))
                .isNull();
        assertThat(CascadeCheck.escalation(
                        AT_055, request(tools + ",\"tool_choice\":\"auto\""), text("no", "stop"), sure))
                .isNull();
    }

    @Test
    void withoutTheStructuralCheckOnlyTheConfidenceCounts() {
        Policy.Cascade lenient = new Policy.Cascade(0.55, Policy.Signal.MEAN_PROB, false, null);
        assertThat(CascadeCheck.escalation(
                        lenient,
                        request(",\"response_format\":{\"type\":\"json_object\"}"),
                        text("not json", "length"),
                        confidence(0.9, 0.5)))
                .isNull();
    }

    @Test
    void aStreamedAnswerIsReadFromItsChunks() {
        ObjectNode first = json.createObjectNode();
        first.putArray("choices").addObject().putObject("delta").put("content", "{\"a\"");
        ObjectNode last = json.createObjectNode();
        ObjectNode choice = last.putArray("choices").addObject();
        choice.putObject("delta").put("content", ":1}");
        choice.put("finish_reason", "stop");
        CascadeCheck.Answer a = CascadeCheck.Answer.ofChunks(
                List.of(new UpstreamChunk("in-process", first), new UpstreamChunk("in-process", last)));
        assertThat(a).isEqualTo(new CascadeCheck.Answer("{\"a\":1}", 0, "stop"));
    }
}
