package dev.burstgate.gateway.local.runner;

import java.util.ArrayList;
import java.util.List;

/**
 * The command line of one runner start: the configured command, then llama-server's options, then the extra
 * arguments, optionally under the parent guard ({@link #GUARD}).
 *
 * @param command the configured program and its first arguments
 * @param model the GGUF file as the command sees it
 * @param alias the model name the server reports (the local tier's name)
 * @param threads {@code --threads}
 * @param parallel {@code --parallel}
 * @param context {@code --ctx-size}, shared by the slots
 * @param gpuLayers {@code --n-gpu-layers}
 * @param extraArgs appended last, so they may override the options before them
 * @param watchParent whether the command runs under {@link #GUARD}
 */
public record RunnerCommand(
        List<String> command,
        String model,
        String alias,
        int threads,
        int parallel,
        int context,
        int gpuLayers,
        List<String> extraArgs,
        boolean watchParent) {

    /**
     * A POSIX shell guard around the runner: it starts the command in the background and ends it (SIGTERM) when its own
     * standard input, a pipe from the gateway, closes, which happens when the gateway stops it and also when the
     * gateway's process dies in any way, SIGKILL included. It exits with the command's status, so the gateway sees a
     * runner that died. A {@code docker run} command is ended the same way: its client passes SIGTERM on to the
     * container, which {@code --rm} then removes.
     */
    static final String GUARD = String.join(
            "\n",
            "exec 3<&0 </dev/null",
            "\"$@\" & c=$!",
            "{ cat <&3 >/dev/null; kill -TERM \"$c\" 2>/dev/null; } & w=$!",
            "exec 3<&-",
            "trap 'kill -TERM \"$c\" 2>/dev/null' TERM INT HUP",
            "wait \"$c\"; s=$?",
            "if [ \"$s\" -gt 128 ]; then wait \"$c\"; r=$?; [ \"$r\" -ne 127 ] && s=$r; fi",
            "kill \"$w\" 2>/dev/null",
            "exit \"$s\"");

    /** The name the guard's shell runs under ({@code $0}), as {@code ps} shows it. */
    static final String GUARD_NAME = "burstgate-runner";

    public RunnerCommand {
        if (command.isEmpty()) {
            throw new IllegalArgumentException("burstgate.tiers.local.runner.command is empty");
        }
        command = List.copyOf(command);
        extraArgs = List.copyOf(extraArgs);
    }

    /** The process's arguments for a runner listening on {@code 127.0.0.1:port}. */
    public List<String> argv(int port) {
        List<String> server = new ArrayList<>(command);
        server.addAll(List.of(
                "--host",
                "127.0.0.1",
                "--port",
                Integer.toString(port),
                "--model",
                model,
                "--alias",
                alias,
                "--threads",
                Integer.toString(threads),
                "--parallel",
                Integer.toString(parallel),
                "--ctx-size",
                Integer.toString(context),
                "--n-gpu-layers",
                Integer.toString(gpuLayers),
                "--jinja",
                "--metrics"));
        server.addAll(extraArgs);
        if (!watchParent) {
            return List.copyOf(server);
        }
        List<String> guarded = new ArrayList<>(server.size() + 4);
        guarded.addAll(List.of("/bin/sh", "-c", GUARD, GUARD_NAME));
        guarded.addAll(server);
        return List.copyOf(guarded);
    }
}
