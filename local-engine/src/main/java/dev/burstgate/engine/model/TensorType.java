package dev.burstgate.engine.model;

/** Storage type of a generated model's weight matrices; norms are always {@code F32}. */
public enum TensorType {
    /** 32-bit floats. */
    F32(0, 0),
    /** 16-bit floats. */
    F16(1, 1),
    /** 8-bit blocks of 32 weights with one {@code F16} scale (34 bytes per block). */
    Q8_0(8, 7);

    private final int ggmlId;
    private final int fileType;

    TensorType(int ggmlId, int fileType) {
        this.ggmlId = ggmlId;
        this.fileType = fileType;
    }

    int ggmlId() {
        return ggmlId;
    }

    /** The {@code general.file_type} value of a model whose matrices use this type. */
    int fileType() {
        return fileType;
    }

    long byteSize(long elements) {
        return switch (this) {
            case F32 -> elements * 4;
            case F16 -> elements * 2;
            case Q8_0 -> {
                if (elements % 32 != 0) {
                    throw new IllegalArgumentException("Q8_0 needs a multiple of 32 elements, got " + elements);
                }
                yield elements / 32 * 34;
            }
        };
    }
}
