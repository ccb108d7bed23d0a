package dev.burstgate.engine.bench;

import dev.burstgate.engine.model.ModelShape;
import dev.burstgate.engine.model.TinyModelGenerator;
import java.nio.file.Path;

/**
 * Writes a generated model into a directory (once) and prints its path:
 * {@code java -cp CLASSPATH dev.burstgate.engine.bench.GenerateModel DIR [tiny|1b] [SEED]}.
 */
public final class GenerateModel {

    private GenerateModel() {}

    public static void main(String[] args) {
        Path dir = Path.of(args.length > 0 ? args[0] : "target/bench-models");
        ModelShape shape = args.length > 1 && args[1].equals("1b") ? ModelShape.LLAMA_1B : ModelShape.TINY;
        long seed = args.length > 2 ? Long.parseLong(args[2]) : TinyModelGenerator.DEFAULT_SEED;
        long t0 = System.nanoTime();
        Path model = new TinyModelGenerator(shape, seed).ensure(dir);
        System.err.printf("%s ready in %d ms%n", model, (System.nanoTime() - t0) / 1_000_000);
        System.out.println(model.toAbsolutePath());
    }
}
