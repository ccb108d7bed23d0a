package dev.burstgate.engine.model;

import java.util.ArrayList;
import java.util.List;

/**
 * A SentencePiece-style ({@code tokenizer.ggml.model=llama}) vocabulary: {@code <unk> <s> </s>}, the 256 byte-fallback
 * tokens (so any text tokenizes), the word boundary {@code ▁}, printable ASCII, a few words, then filler words up to the
 * requested size.
 */
final class Vocabulary {

    static final int UNKNOWN = 0;
    static final int BOS = 1;
    static final int EOS = 2;

    /** {@code <unk> <s> </s>} + 256 bytes + {@code ▁} + 94 printable ASCII + 3 words. */
    static final int BASE_SIZE = 357;

    // llama_token_type
    private static final int NORMAL = 1;
    private static final int UNKNOWN_TYPE = 2;
    private static final int CONTROL = 3;
    private static final int BYTE = 6;

    private static final String BOUNDARY = "\u2581";

    final List<String> tokens;
    final float[] scores;
    final int[] types;

    Vocabulary(int size) {
        tokens = new ArrayList<>(size);
        scores = new float[size];
        types = new int[size];
        add("<unk>", 0, UNKNOWN_TYPE);
        add("<s>", 0, CONTROL);
        add("</s>", 0, CONTROL);
        for (int b = 0; b < 256; b++) {
            add(String.format("<0x%02X>", b), 0, BYTE);
        }
        add(BOUNDARY, -1, NORMAL);
        for (char c = 33; c <= 126; c++) {
            add(String.valueOf(c), -2 - (c - 33), NORMAL);
        }
        // a chain SentencePiece can merge: ▁ + t -> ▁t, ▁t + h -> ▁th, ▁th + e -> ▁the
        add(BOUNDARY + "t", -0.5f, NORMAL);
        add(BOUNDARY + "th", -0.4f, NORMAL);
        add(BOUNDARY + "the", -0.3f, NORMAL);
        if (tokens.size() != BASE_SIZE) {
            throw new IllegalStateException("base vocabulary has " + tokens.size() + " tokens");
        }
        for (int i = 0; tokens.size() < size; i++) {
            add(BOUNDARY + "w" + Integer.toString(i, 26), -100 - i, NORMAL);
        }
    }

    private void add(String token, float score, int type) {
        int id = tokens.size();
        tokens.add(token);
        scores[id] = score;
        types[id] = type;
    }
}
