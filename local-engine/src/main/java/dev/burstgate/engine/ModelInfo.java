package dev.burstgate.engine;

import java.nio.file.Path;

/**
 * What the engine has loaded.
 *
 * @param name            model name ({@code general.name}, else the file name)
 * @param path            the GGUF file
 * @param architecture    {@code general.architecture}
 * @param contextSize     total context (KV cache) in tokens, shared by the slots
 * @param contextPerSlot  context of one request: prompt plus completion
 * @param parallel        parallel slots
 * @param threads         CPU threads used for generation
 */
public record ModelInfo(
        String name, Path path, String architecture, int contextSize, int contextPerSlot, int parallel, int threads) {}
