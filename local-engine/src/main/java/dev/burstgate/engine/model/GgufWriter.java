package dev.burstgate.engine.model;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * A minimal GGUF v3 writer (ggml {@code docs/gguf.md}): metadata key/values, tensor infos, then 32-byte aligned tensor
 * data streamed from {@link TensorData} sources so large files never sit in memory.
 */
final class GgufWriter {

    static final int ALIGNMENT = 32;

    private static final int MAGIC = 0x46554747; // "GGUF" little-endian
    private static final int VERSION = 3;

    // metadata value types
    private static final int T_UINT32 = 4;
    private static final int T_INT32 = 5;
    private static final int T_FLOAT32 = 6;
    private static final int T_BOOL = 7;
    private static final int T_STRING = 8;
    private static final int T_ARRAY = 9;

    /** Fills a tensor's bytes, in order, into successive buffers. */
    @FunctionalInterface
    interface TensorData {
        /** Writes the next bytes of the tensor; {@code buffer} has at least {@code remaining} bytes free or is full. */
        void fill(ByteBuffer buffer, long offset, long remaining);
    }

    private record Tensor(String name, long[] dims, TensorType type, long size, TensorData data) {}

    private final LeBuffer meta = new LeBuffer();
    private int kvCount;
    private final List<Tensor> tensors = new ArrayList<>();

    GgufWriter putString(String key, String value) {
        key(key, T_STRING);
        meta.string(value);
        return this;
    }

    GgufWriter putU32(String key, int value) {
        key(key, T_UINT32);
        meta.i32(value);
        return this;
    }

    GgufWriter putF32(String key, float value) {
        key(key, T_FLOAT32);
        meta.f32(value);
        return this;
    }

    GgufWriter putBool(String key, boolean value) {
        key(key, T_BOOL);
        meta.u8(value ? 1 : 0);
        return this;
    }

    GgufWriter putStrings(String key, List<String> values) {
        key(key, T_ARRAY);
        meta.i32(T_STRING);
        meta.i64(values.size());
        values.forEach(meta::string);
        return this;
    }

    GgufWriter putF32s(String key, float[] values) {
        key(key, T_ARRAY);
        meta.i32(T_FLOAT32);
        meta.i64(values.length);
        for (float v : values) {
            meta.f32(v);
        }
        return this;
    }

    GgufWriter putI32s(String key, int[] values) {
        key(key, T_ARRAY);
        meta.i32(T_INT32);
        meta.i64(values.length);
        for (int v : values) {
            meta.i32(v);
        }
        return this;
    }

    /** Adds a tensor; {@code dims} in ggml order (first dimension varies fastest). */
    GgufWriter tensor(String name, TensorType type, TensorData data, long... dims) {
        long elements = 1;
        for (long d : dims) {
            elements *= d;
        }
        tensors.add(new Tensor(name, dims.clone(), type, type.byteSize(elements), data));
        return this;
    }

    private void key(String key, int type) {
        meta.string(key);
        meta.i32(type);
        kvCount++;
    }

    /** Size of the file {@link #write(Path)} produces. */
    long size() {
        long size = header().length;
        for (Tensor t : tensors) {
            size += align(t.size());
        }
        return size;
    }

    private byte[] header() {
        LeBuffer header = new LeBuffer();
        header.i32(MAGIC);
        header.i32(VERSION);
        header.i64(tensors.size());
        header.i64(kvCount);
        header.bytes(meta.toArray());
        long offset = 0;
        for (Tensor t : tensors) {
            header.string(t.name());
            header.i32(t.dims().length);
            for (long d : t.dims()) {
                header.i64(d);
            }
            header.i32(t.type().ggmlId());
            header.i64(offset);
            offset = align(offset + t.size());
        }
        while (header.size() % ALIGNMENT != 0) {
            header.u8(0);
        }
        return header.toArray();
    }

    /** Writes the file; returns its size in bytes. */
    long write(Path target) throws IOException {
        try (FileChannel ch = FileChannel.open(
                target, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            writeFully(ch, ByteBuffer.wrap(header()));
            ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
            for (Tensor t : tensors) {
                long written = 0;
                while (written < t.size()) {
                    buf.clear();
                    long remaining = t.size() - written;
                    if (remaining < buf.capacity()) {
                        buf.limit((int) remaining);
                    }
                    t.data().fill(buf, written, remaining);
                    if (buf.position() == 0) {
                        throw new IllegalStateException("tensor " + t.name() + " produced no data at " + written);
                    }
                    buf.flip();
                    written += buf.remaining();
                    writeFully(ch, buf);
                }
                long pad = align(t.size()) - t.size();
                if (pad > 0) {
                    writeFully(ch, ByteBuffer.allocate((int) pad));
                }
            }
            return ch.position();
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }

    static long align(long offset) {
        return (offset + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    }

    /** A growable little-endian byte buffer for the header. */
    private static final class LeBuffer {
        private ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);

        private void ensure(int n) {
            if (buf.remaining() < n) {
                ByteBuffer bigger = ByteBuffer.allocate(Math.max(buf.capacity() * 2, buf.position() + n))
                        .order(ByteOrder.LITTLE_ENDIAN);
                buf.flip();
                bigger.put(buf);
                buf = bigger;
            }
        }

        void u8(int v) {
            ensure(1);
            buf.put((byte) v);
        }

        void i32(int v) {
            ensure(4);
            buf.putInt(v);
        }

        void i64(long v) {
            ensure(8);
            buf.putLong(v);
        }

        void f32(float v) {
            ensure(4);
            buf.putFloat(v);
        }

        void string(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            i64(b.length);
            bytes(b);
        }

        void bytes(byte[] b) {
            ensure(b.length);
            buf.put(b);
        }

        int size() {
            return buf.position();
        }

        byte[] toArray() {
            byte[] out = new byte[buf.position()];
            buf.duplicate().flip().get(out);
            return out;
        }
    }
}
