package dev.burstgate.gateway.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.burstgate.gateway.tier.UpstreamChunk;
import dev.burstgate.policies.Tier;
import dev.burstgate.policies.cost.Usage;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

class AttemptMeterTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static UpstreamChunk chunk(String json) {
        return new UpstreamChunk("node", (ObjectNode) JSON.readTree(json));
    }

    @Test
    void aStreamedToolCallWithoutUsageIsEstimatedFromItsDeltas() {
        AttemptMeter meter = new AttemptMeter(Tier.CLOUD, null);
        meter.see(
                chunk(
                        "{\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"tool_calls\":[{\"index\":0,"
                                + "\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"weather\",\"arguments\":\"\"}}]}}]}"));
        meter.see(chunk("{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,"
                + "\"function\":{\"arguments\":\"{\\\"city\\\":\"}}]}}]}"));
        meter.see(chunk("{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,"
                + "\"function\":{\"arguments\":\"\\\"Paris\\\"}\"}}]}}]}"));
        meter.see(chunk("{\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}"));
        assertThat(meter.estimated()).isTrue();
        assertThat(meter.usage(40, true)).isEqualTo(new Usage(10, 3));
    }

    @Test
    void aNonStreamedToolCallCountsItsArgumentsCharacters() {
        AttemptMeter meter = new AttemptMeter(Tier.LEGACY, null);
        meter.see(chunk("{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":null,"
                + "\"tool_calls\":[{\"id\":\"c\",\"type\":\"function\",\"function\":{\"name\":\"lookup\","
                + "\"arguments\":\"{\\\"query\\\":\\\"the weather in Paris tomorrow\\\"}\"}}]}}]}"));
        assertThat(meter.usage(0, false).completionTokens()).isPositive();
    }
}
