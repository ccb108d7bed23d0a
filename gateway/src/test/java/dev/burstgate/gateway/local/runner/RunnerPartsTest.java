package dev.burstgate.gateway.local.runner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.burstgate.gateway.tier.AttemptFailure;
import dev.burstgate.gateway.tier.TiersProperties;
import dev.burstgate.policies.routing.LocalEngineState;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.mock.env.MockEnvironment;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** The runner's command line, log levels, load and admission, and how its answers and failures are read. */
class RunnerPartsTest {

    static final JsonMapper JSON = JsonMapper.builder().build();

    static RunnerCommand command(boolean watchParent) {
        return new RunnerCommand(
                List.of("docker", "run", "img"),
                "/models/m.gguf",
                "burstgate-local",
                3,
                2,
                4096,
                0,
                List.of("--flash-attn", "on"),
                watchParent);
    }

    @Test
    void theCommandGetsTheServersOptionsOnLoopbackThenTheExtraArguments() {
        assertThat(command(false).argv(8123))
                .containsExactly(
                        "docker",
                        "run",
                        "img",
                        "--host",
                        "127.0.0.1",
                        "--port",
                        "8123",
                        "--model",
                        "/models/m.gguf",
                        "--alias",
                        "burstgate-local",
                        "--threads",
                        "3",
                        "--parallel",
                        "2",
                        "--ctx-size",
                        "4096",
                        "--n-gpu-layers",
                        "0",
                        "--jinja",
                        "--metrics",
                        "--flash-attn",
                        "on");
    }

    @Test
    void underTheParentGuardTheCommandRunsAsTheGuardsArguments() {
        List<String> argv = command(true).argv(8123);
        assertThat(argv.subList(0, 4)).containsExactly("/bin/sh", "-c", RunnerCommand.GUARD, "burstgate-runner");
        assertThat(argv.subList(4, argv.size())).isEqualTo(command(false).argv(8123));
    }

    @Test
    void modelThreadsSlotsAndContextDefaultToTheLocalTiersKeys() {
        MockEnvironment env = new MockEnvironment()
                .withProperty("burstgate.tiers.local.model", "/data/local.gguf")
                .withProperty("burstgate.tiers.local.threads", "6")
                .withProperty("burstgate.tiers.local.parallel", "3")
                .withProperty("burstgate.tiers.local.runner.command", "llama-server")
                .withProperty("burstgate.tiers.local.runner.context", "8192");
        RunnerCommand c = RunnerConfiguration.command(
                Binder.get(env).bindOrCreate("burstgate.tiers.local.runner", RunnerProperties.class),
                Binder.get(env)
                        .bindOrCreate("burstgate.tiers", TiersProperties.class)
                        .local());

        assertThat(c.command()).containsExactly("llama-server");
        assertThat(c.model()).isEqualTo("/data/local.gguf");
        assertThat(c.threads()).isEqualTo(6);
        assertThat(c.parallel()).isEqualTo(3);
        assertThat(c.context()).isEqualTo(8192);
        assertThat(c.watchParent()).isTrue();
        assertThat(RunnerConfiguration.wanted(env)).isTrue();
        assertThat(RunnerConfiguration.wanted(env.withProperty("burstgate.tiers.local.enabled", "false")))
                .isFalse();
    }

    @Test
    void anEmptyCommandLeavesTheLocalTierToTheInProcessEngine() {
        MockEnvironment env = new MockEnvironment()
                .withProperty("burstgate.tiers.local.runner.command", "")
                .withProperty("burstgate.tiers.local.runner.extra-args", "");

        assertThat(RunnerConfiguration.wanted(env)).isFalse();
        RunnerProperties runner = Binder.get(env).bindOrCreate("burstgate.tiers.local.runner", RunnerProperties.class);
        assertThat(runner.configured()).isFalse();
        assertThat(runner.extraArgs()).isEmpty();
    }

    @Test
    void aRunnerWithoutAModelIsRefusedNamingBothKeys() {
        MockEnvironment env =
                new MockEnvironment().withProperty("burstgate.tiers.local.runner.command", "llama-server");
        RunnerProperties runner = Binder.get(env).bindOrCreate("burstgate.tiers.local.runner", RunnerProperties.class);
        TiersProperties.Local local = Binder.get(env)
                .bindOrCreate("burstgate.tiers", TiersProperties.class)
                .local();

        assertThatThrownBy(() -> RunnerConfiguration.command(runner, local))
                .hasMessageContaining("burstgate.tiers.local.runner.model")
                .hasMessageContaining("burstgate.tiers.local.model");
    }

    @Test
    void logLinesKeepTheirLevelAndRequestChatterGoesToDebugOnceServing() {
        assertThat(RunnerLog.parse("0.00.512.393 E srv  load_model: failed", true))
                .isEqualTo(new RunnerLog.Line(Level.ERROR, "srv  load_model: failed"));
        assertThat(RunnerLog.parse("0.00.022.928 W srv  llama_server: security: no API key", true)
                        .level())
                .isEqualTo(Level.WARN);
        assertThat(RunnerLog.parse("0.00.068.972 I srv  llama_server: model loaded", false)
                        .level())
                .isEqualTo(Level.INFO);
        assertThat(RunnerLog.parse("0.07.470.640 I slot get_availabl: id  0 | task -1", true)
                        .level())
                .isEqualTo(Level.DEBUG);
        assertThat(RunnerLog.parse("docker: Error response from daemon", false))
                .isEqualTo(new RunnerLog.Line(Level.INFO, "docker: Error response from daemon"));
    }

    @Test
    void theLoadAdmitsSlotsPlusWaitingPlacesAndRoutingSeesTheQueue() {
        AtomicReference<@Nullable URI> base = new AtomicReference<>(URI.create("http://127.0.0.1:1"));
        RunnerLoad load = new RunnerLoad(base::get, 2, 1);

        assertThat(load.state()).isEqualTo(new LocalEngineState(0, 0, true));
        assertThat(load.tryAdmit()).isTrue();
        assertThat(load.tryAdmit()).isTrue();
        LocalEngineState full = load.state();
        assertThat(full.admitting()).isTrue(); // one waiting place left
        assertThat(full.queueWaitMs()).isPositive();
        assertThat(load.tryAdmit()).isTrue();
        assertThat(load.state().queueLength()).isEqualTo(1);
        assertThat(load.state().admitting()).isFalse();
        assertThat(load.tryAdmit()).isFalse();

        load.release(Duration.ofMillis(200));
        assertThat(load.tryAdmit()).isTrue();
        base.set(null);
        assertThat(load.state().admitting()).as("no healthy runner").isFalse();
        load.close();
    }

    @Test
    void requestsReachingTheRunnerAnotherWayCountFromItsMetrics() {
        AtomicReference<@Nullable URI> base = new AtomicReference<>(URI.create("http://127.0.0.1:1"));
        RunnerLoad load = new RunnerLoad(base::get, 2, 0);
        load.read("""
                # HELP llamacpp:requests_processing Number of requests processing.
                # TYPE llamacpp:requests_processing gauge
                llamacpp:requests_processing 2
                llamacpp:requests_deferred 0
                llamacpp:predicted_tokens_seconds 38.5
                """);

        assertThat(load.activeSlots()).isEqualTo(2);
        assertThat(load.tokensPerSecond()).isEqualTo(38.5);
        assertThat(load.state().admitting()).isFalse();
        assertThat(load.tryAdmit()).isFalse();
        load.close();
    }

    @Test
    void theBodyGetsTheTiersModelUsageInTheStreamAndTheDefaultLimit() {
        ObjectNode body = (ObjectNode) JSON.readTree("{\"model\":\"auto\",\"stream\":true,"
                + "\"stream_options\":{\"include_usage\":false},\"messages\":[],\"tools\":[{\"type\":\"function\"}]}");

        String sent =
                new String(RunnerBackend.payload(JSON, body, "burstgate-local", true, 256), StandardCharsets.UTF_8);

        assertThat(sent)
                .isEqualTo("{\"model\":\"burstgate-local\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
                        + "\"messages\":[],\"tools\":[{\"type\":\"function\"}],\"max_tokens\":256}");
        ObjectNode limited = (ObjectNode) JSON.readTree("{\"max_completion_tokens\":9,\"messages\":[]}");
        assertThat(new String(RunnerBackend.payload(JSON, limited, "m", false, 256), StandardCharsets.UTF_8))
                .isEqualTo("{\"max_completion_tokens\":9,\"messages\":[],\"model\":\"m\"}");
    }

    @Test
    void aScoredAttemptAsksForTheTopFiveLogprobsUnlessTheClientAskedForItsOwn() {
        ObjectNode plain = (ObjectNode) JSON.readTree("{\"logprobs\":false,\"top_logprobs\":3,\"messages\":[]}");
        assertThat(new String(RunnerBackend.payload(JSON, plain, "m", false, 8, true), StandardCharsets.UTF_8))
                .isEqualTo("{\"messages\":[],\"model\":\"m\",\"max_tokens\":8,\"logprobs\":true,\"top_logprobs\":5}");
        ObjectNode asked = (ObjectNode) JSON.readTree("{\"logprobs\":true,\"top_logprobs\":2,\"messages\":[]}");
        assertThat(new String(RunnerBackend.payload(JSON, asked, "m", false, 8, true), StandardCharsets.UTF_8))
                .isEqualTo("{\"logprobs\":true,\"top_logprobs\":2,\"messages\":[],\"model\":\"m\",\"max_tokens\":8}");
    }

    @Test
    void theConfidenceIsTheGeometricMeanOfTheSampledTokensAndTheLogprobsLeaveTheAnswer() {
        RunnerBackend.Scoring scoring = new RunnerBackend.Scoring(false);
        ObjectNode first = (ObjectNode) JSON.readTree("{\"choices\":[{\"delta\":{\"content\":\"a\"},"
                + "\"logprobs\":{\"content\":[{\"id\":1,\"logprob\":-0.5,\"top_logprobs\":"
                + "[{\"id\":1,\"logprob\":-0.5},{\"id\":2,\"logprob\":-1.5}]}]},\"finish_reason\":null}]}");
        ObjectNode last = (ObjectNode) JSON.readTree("{\"choices\":[{\"delta\":{\"content\":\"b\"},"
                + "\"logprobs\":{\"content\":[{\"id\":3,\"logprob\":-2.5,\"top_logprobs\":"
                + "[{\"id\":1,\"logprob\":-0.2}]}]},\"finish_reason\":\"length\"}]}");
        assertThat(scoring.see(first)).isFalse();
        assertThat(scoring.see(last)).isTrue();
        var confidence = scoring.confidence();
        assertThat(confidence).isNotNull();
        assertThat(confidence.tokens()).isEqualTo(2);
        assertThat(confidence.meanProb()).isCloseTo(Math.exp(-1.5), org.assertj.core.api.Assertions.within(1e-12));
        assertThat(confidence.minProb()).isCloseTo(Math.exp(-2.5), org.assertj.core.api.Assertions.within(1e-12));
        assertThat(first.path("choices").get(0).has("logprobs")).isFalse();
        assertThat(last.path("choices").get(0).has("logprobs")).isFalse();

        ObjectNode kept = (ObjectNode) JSON.readTree(
                "{\"choices\":[{\"logprobs\":{\"content\":[{\"logprob\":-1}]},\"finish_reason\":\"stop\"}]}");
        RunnerBackend.Scoring asked = new RunnerBackend.Scoring(true);
        asked.see(kept);
        assertThat(kept.path("choices").get(0).has("logprobs")).isTrue();
        assertThat(asked.confidence().meanProb())
                .isCloseTo(Math.exp(-1), org.assertj.core.api.Assertions.within(1e-12));
    }

    @Test
    void aPromptTooLongGoesToAnotherTierAndOtherClientErrorsAreTheRequests() {
        String tooLong = "{\"error\":{\"code\":400,\"message\":\"the request exceeds the available context size\","
                + "\"type\":\"exceed_context_size_error\"}}";
        assertThat(RunnerBackend.statusFailure(400, tooLong).kind()).isEqualTo(AttemptFailure.Kind.CONTEXT_EXCEEDED);
        assertThat(RunnerBackend.statusFailure(400, "{\"error\":{}}").kind()).isEqualTo(AttemptFailure.Kind.REFUSED);
        AttemptFailure loading = RunnerBackend.statusFailure(503, "Loading model");
        assertThat(loading.kind()).isEqualTo(AttemptFailure.Kind.UPSTREAM_ERROR);
        assertThat(loading.endpoint()).isEqualTo("runner");
        assertThat(loading.publicMessage()).isEqualTo("answered an error (HTTP 503)");
    }

    @Test
    void aRefusedConnectionMeansTheRunnerIsRestartingAndNamesNoAddress() {
        AttemptFailure f = RunnerBackend.failure(new java.net.ConnectException("Connection refused: /127.0.0.1:40111"));
        assertThat(f.kind()).isEqualTo(AttemptFailure.Kind.UNAVAILABLE);
        assertThat(f.getMessage()).doesNotContain("127.0.0.1");
        assertThat(f.publicMessage()).isEqualTo("is unavailable");
    }
}
