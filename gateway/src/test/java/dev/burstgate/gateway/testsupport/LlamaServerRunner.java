package dev.burstgate.gateway.testsupport;

import dev.burstgate.engine.model.ModelShape;
import dev.burstgate.engine.model.TensorType;
import dev.burstgate.engine.model.TinyModelGenerator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The local tier's runner in tests: native llama.cpp {@code llama-server} from {@link TestImages#llamaServer()},
 * started by the gateway through a {@code docker run} command (the image's entrypoint is llama-server, so the options
 * the gateway appends go to it). The container shares the host's network, so it listens on the host's loopback port the
 * gateway picked, and carries a label unique to the test, by which the test finds it ({@link #containers()}) or kills
 * it. The model directory is mounted read-only at {@code /models}.
 */
public final class LlamaServerRunner {

    /**
     * A generated model slow enough (tens of tokens per second on one thread) that a request of a few thousand tokens
     * is still generating when a test cancels it or kills the runner, with a context of 4096 tokens.
     */
    public static final ModelShape SLOW =
            new ModelShape("burstgate-runner-slow", 512, 8, 8, 8, 2048, 4096, 357, TensorType.F32);

    /** The end-of-text token of generated models: a {@code logit_bias} of -100 on it makes a request run to its limit. */
    public static final int EOS = 2;

    private final String label = "burstgate.test.runner=" + UUID.randomUUID();
    private final Path modelDir;
    private final Path model;

    private LlamaServerRunner(Path modelDir, Path model) {
        this.modelDir = modelDir;
        this.model = model;
    }

    /** A runner of {@code shape} (generated, seed 7) in a fresh directory the container's user may read. */
    public static LlamaServerRunner of(ModelShape shape) {
        try {
            Path dir = Files.createTempDirectory("burstgate-runner");
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            Path model = new TinyModelGenerator(shape, 7).ensure(dir);
            Files.setPosixFilePermissions(model, PosixFilePermissions.fromString("rw-r--r--"));
            return new LlamaServerRunner(dir, model);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code burstgate.tiers.local.runner.command} as a list. */
    public List<String> command() {
        return List.of(
                "docker",
                "run",
                "--rm",
                "--network",
                "host",
                "--label",
                label,
                "-v",
                modelDir + ":/models:ro",
                TestImages.llamaServer().asCanonicalNameString());
    }

    /** The model as the container sees it. */
    public String model() {
        return "/models/" + model.getFileName();
    }

    /** The properties of runner mode with this runner. */
    public Map<String, String> properties() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("burstgate.tiers.local.enabled", "true");
        List<String> command = command();
        for (int i = 0; i < command.size(); i++) {
            p.put("burstgate.tiers.local.runner.command[" + i + "]", command.get(i));
        }
        p.put("burstgate.tiers.local.runner.model", model());
        return p;
    }

    /** Ids of this runner's containers, running or not yet removed. */
    public List<String> containers() {
        return docker("ps", "-aq", "--filter", "label=" + label);
    }

    /** SIGKILL to the runner's llama-server (its container's main process). */
    public void kill() {
        for (String id : docker("ps", "-q", "--filter", "label=" + label)) {
            docker("kill", "--signal", "KILL", id);
        }
    }

    /** Removes what is left of this runner's containers (after a test that failed). */
    public void removeContainers() {
        for (String id : containers()) {
            docker("rm", "-f", id);
        }
    }

    private static List<String> docker(String... args) {
        List<String> cmd = new ArrayList<>(List.of("docker"));
        cmd.addAll(Arrays.asList(args));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException(cmd + " failed: " + out);
            }
            return out.lines().map(String::strip).filter(s -> !s.isEmpty()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
