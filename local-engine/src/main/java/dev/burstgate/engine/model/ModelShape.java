package dev.burstgate.engine.model;

import java.util.Objects;

/**
 * Dimensions of a generated llama-architecture model.
 *
 * @param name          {@code general.name}, also the file name stem
 * @param embedding     embedding length (hidden size)
 * @param blocks        number of transformer blocks
 * @param heads         attention heads
 * @param kvHeads       key/value heads (grouped-query attention when fewer than {@code heads})
 * @param feedForward   feed-forward length
 * @param context       training context length
 * @param vocabulary    vocabulary size, at least {@link Vocabulary#BASE_SIZE}
 * @param tensorType    storage type of the weight matrices
 */
public record ModelShape(
        String name,
        int embedding,
        int blocks,
        int heads,
        int kvHeads,
        int feedForward,
        int context,
        int vocabulary,
        TensorType tensorType) {

    /** The test model: about 520 KB, loads in well under a second and generates hundreds of tokens per second. */
    public static final ModelShape TINY =
            new ModelShape("burstgate-tiny", 64, 2, 4, 4, 128, 256, Vocabulary.BASE_SIZE, TensorType.F32);

    /**
     * A model shaped like a ~1B llama (TinyLlama-like widths, 16 blocks, 32k vocabulary) in {@code Q8_0}: about 1 GB,
     * for benchmarks where compute dominates.
     */
    public static final ModelShape LLAMA_1B =
            new ModelShape("burstgate-1b-shape", 2048, 16, 32, 4, 5632, 2048, 32000, TensorType.Q8_0);

    public ModelShape {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(tensorType, "tensorType");
        if (!name.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException("name must be a plain file name stem, got '" + name + "'");
        }
        positive("embedding", embedding);
        positive("blocks", blocks);
        positive("heads", heads);
        positive("kvHeads", kvHeads);
        positive("feedForward", feedForward);
        positive("context", context);
        if (embedding % heads != 0) {
            throw new IllegalArgumentException(
                    "embedding (" + embedding + ") must be a multiple of heads (" + heads + ")");
        }
        if (heads % kvHeads != 0) {
            throw new IllegalArgumentException("heads (" + heads + ") must be a multiple of kvHeads (" + kvHeads + ")");
        }
        if ((embedding / heads) % 2 != 0) {
            throw new IllegalArgumentException("head size embedding/heads must be even, got " + embedding / heads);
        }
        if (vocabulary < Vocabulary.BASE_SIZE) {
            throw new IllegalArgumentException(
                    "vocabulary must be at least " + Vocabulary.BASE_SIZE + ", got " + vocabulary);
        }
        if (tensorType == TensorType.Q8_0 && (embedding % 32 != 0 || feedForward % 32 != 0)) {
            throw new IllegalArgumentException("Q8_0 needs embedding and feedForward to be multiples of 32, got "
                    + embedding + " and " + feedForward);
        }
    }

    /** Dimension of one attention head, also the rope dimension. */
    public int headSize() {
        return embedding / heads;
    }

    /** Width of the key and value projections. */
    public int kvWidth() {
        return headSize() * kvHeads;
    }

    private static void positive(String field, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(field + " must be positive, got " + value);
        }
    }
}
