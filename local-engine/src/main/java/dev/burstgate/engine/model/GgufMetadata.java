package dev.burstgate.engine.model;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The scalar metadata of a GGUF file's header (arrays such as the vocabulary are skipped), read without loading the
 * model, so a bad file can be named before llama.cpp sees it.
 *
 * @param version        GGUF version
 * @param scalars        scalar key/values in file order (strings, numbers, booleans)
 * @param specialTokens  the texts of the {@code bos} and {@code eos} tokens, when the header names them
 * @param byteTokens     byte value to token id, for the vocabulary's byte-fallback tokens ({@code <0xE0>}...)
 */
public record GgufMetadata(
        int version, Map<String, Object> scalars, Map<String, String> specialTokens, Map<Integer, Integer> byteTokens) {

    private static final int MAGIC = 0x46554747;
    private static final long MAX_STRING = 1 << 24;

    public GgufMetadata {
        scalars = Map.copyOf(scalars);
        specialTokens = Map.copyOf(specialTokens);
        byteTokens = Map.copyOf(byteTokens);
    }

    public GgufMetadata(int version, Map<String, Object> scalars) {
        this(version, scalars, Map.of(), Map.of());
    }

    /** The text of the beginning-of-sequence token, if known. */
    public Optional<String> bosToken() {
        return Optional.ofNullable(specialTokens.get("bos"));
    }

    /** The text of the end-of-sequence token, if known. */
    public Optional<String> eosToken() {
        return Optional.ofNullable(specialTokens.get("eos"));
    }

    /** {@code general.architecture}, if present. */
    public Optional<String> architecture() {
        return string("general.architecture");
    }

    /** {@code general.name}, if present. */
    public Optional<String> name() {
        return string("general.name");
    }

    /** {@code <architecture>.context_length}, if present. */
    public Optional<Integer> contextLength() {
        return architecture()
                .map(a -> scalars.get(a + ".context_length"))
                .filter(Number.class::isInstance)
                .map(v -> ((Number) v).intValue());
    }

    /** A string value, if present and a string. */
    public Optional<String> string(String key) {
        return Optional.ofNullable(scalars.get(key))
                .filter(String.class::isInstance)
                .map(String.class::cast);
    }

    /** Whether the file starts with the GGUF magic. */
    public static boolean isGguf(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] magic = in.readNBytes(4);
            return magic.length == 4
                    && (magic[0] & 0xff | (magic[1] & 0xff) << 8 | (magic[2] & 0xff) << 16 | (magic[3] & 0xff) << 24)
                            == MAGIC;
        }
    }

    /**
     * Reads the header.
     *
     * @throws IOException if the file cannot be read or is not a well-formed GGUF header
     */
    public static GgufMetadata read(Path file) throws IOException {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
            if (readI32(in) != MAGIC) {
                throw new IOException("not a GGUF file (bad magic)");
            }
            int version = readI32(in);
            if (version < 2 || version > 3) {
                throw new IOException("unsupported GGUF version " + version);
            }
            readI64(in); // tensor count
            long kvCount = readI64(in);
            if (kvCount < 0 || kvCount > 1_000_000) {
                throw new IOException("implausible metadata count " + kvCount);
            }
            Map<String, Object> scalars = new LinkedHashMap<>();
            java.util.List<String> tokens = java.util.List.of();
            for (long i = 0; i < kvCount; i++) {
                String key = readString(in);
                int type = readI32(in);
                if (key.equals("tokenizer.ggml.tokens") && type == 9) {
                    tokens = readStrings(in);
                    continue;
                }
                Object value = readValue(in, type);
                if (value != null) {
                    scalars.put(key, value);
                }
            }
            Map<String, String> special = new LinkedHashMap<>();
            for (String name : java.util.List.of("bos", "eos")) {
                Object id = scalars.get("tokenizer.ggml." + name + "_token_id");
                if (id instanceof Number n && n.longValue() >= 0 && n.longValue() < tokens.size()) {
                    special.put(name, tokens.get((int) n.longValue()));
                }
            }
            Map<Integer, Integer> bytes = new LinkedHashMap<>();
            for (int id = 0; id < tokens.size(); id++) {
                String t = tokens.get(id);
                if (t.length() == 6 && t.startsWith("<0x") && t.endsWith(">")) {
                    try {
                        bytes.putIfAbsent(Integer.parseInt(t.substring(3, 5), 16), id);
                    } catch (NumberFormatException e) {
                        // not a byte token
                    }
                }
            }
            return new GgufMetadata(version, scalars, special, bytes);
        } catch (EOFException e) {
            throw new IOException("truncated GGUF header", e);
        }
    }

    /** The value of a scalar entry; null for an array, which is skipped. */
    private static @Nullable Object readValue(DataInputStream in, int type) throws IOException {
        return switch (type) {
            case 0 -> in.readUnsignedByte();
            case 1 -> (int) in.readByte();
            case 2 -> Short.toUnsignedInt(Short.reverseBytes(in.readShort()));
            case 3 -> (int) Short.reverseBytes(in.readShort());
            case 4 -> Integer.toUnsignedLong(readI32(in));
            case 5 -> readI32(in);
            case 6 -> Float.intBitsToFloat(readI32(in));
            case 7 -> in.readUnsignedByte() != 0;
            case 8 -> readString(in);
            case 9 -> {
                int elementType = readI32(in);
                long count = readI64(in);
                if (count < 0) {
                    throw new IOException("negative array length");
                }
                for (long i = 0; i < count; i++) {
                    readValue(in, elementType);
                }
                yield null;
            }
            case 10, 11 -> readI64(in);
            case 12 -> Double.longBitsToDouble(readI64(in));
            default -> throw new IOException("unknown metadata type " + type);
        };
    }

    /** An array's strings; an array of another type is skipped and gives an empty list. */
    private static java.util.List<String> readStrings(DataInputStream in) throws IOException {
        int elementType = readI32(in);
        long count = readI64(in);
        if (count < 0 || count > 10_000_000) {
            throw new IOException("implausible array length " + count);
        }
        java.util.List<String> out = new java.util.ArrayList<>();
        for (long i = 0; i < count; i++) {
            if (elementType == 8) {
                out.add(readString(in));
            } else {
                readValue(in, elementType);
            }
        }
        return elementType == 8 ? out : java.util.List.of();
    }

    private static String readString(DataInputStream in) throws IOException {
        long len = readI64(in);
        if (len < 0 || len > MAX_STRING) {
            throw new IOException("implausible string length " + len);
        }
        return new String(in.readNBytes((int) len), StandardCharsets.UTF_8);
    }

    private static int readI32(DataInputStream in) throws IOException {
        return Integer.reverseBytes(in.readInt());
    }

    private static long readI64(DataInputStream in) throws IOException {
        return Long.reverseBytes(in.readLong());
    }
}
