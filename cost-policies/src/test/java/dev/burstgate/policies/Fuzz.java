package dev.burstgate.policies;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.random.RandomGenerator;

/**
 * Runs a property over generated inputs. Input {@code i} of a seed is generated from its own {@link SplittableRandom}
 * ({@link #random}), so one input can be generated again from its seed and index alone ({@link #input}). Every input
 * is checked; the inputs that fail are collected, and the run fails with the first few, each with its seed, index,
 * text (shortened) and failure.
 */
public final class Fuzz {

    /** How many failing inputs a failure report shows. */
    private static final int SHOWN = 5;

    /** The most characters of an input or a failure message shown; longer ones keep their start and end. */
    private static final int SHORT = 240;

    private Fuzz() {}

    /** A property of one input; any exception or assertion error it throws is a failure. */
    @FunctionalInterface
    public interface Property<T> {
        void check(T input) throws Exception;
    }

    /** Checks {@code property} on {@code count} inputs of {@code seed}; fails listing the first failing ones. */
    public static <T> void check(long seed, int count, Function<RandomGenerator, T> generator, Property<T> property) {
        List<String> shown = new ArrayList<>();
        int failed = 0;
        Throwable first = null;
        for (int i = 0; i < count; i++) {
            T input = input(seed, i, generator);
            try {
                property.check(input);
            } catch (Exception | AssertionError e) {
                failed++;
                if (first == null) {
                    first = e;
                }
                if (shown.size() < SHOWN) {
                    shown.add("input " + i + ": " + show(input) + "\n    -> "
                            + e.getClass().getSimpleName() + ": " + shorten(String.valueOf(e.getMessage())));
                }
            }
        }
        if (first != null) {
            throw new AssertionError(
                    failed + " of " + count + " inputs of seed " + seed + " failed (Fuzz.input(" + seed
                            + ", index, generator) generates one again); the first ones:\n  "
                            + String.join("\n  ", shown),
                    first);
        }
    }

    /** Input {@code index} of {@code seed}, as {@link #check} generates it. */
    public static <T> T input(long seed, int index, Function<RandomGenerator, T> generator) {
        return generator.apply(random(seed, index));
    }

    /** The generator of input {@code index} of {@code seed}. */
    public static RandomGenerator random(long seed, int index) {
        return new SplittableRandom(seed + index * 0x9E3779B97F4A7C15L);
    }

    /**
     * An input as text: bytes as UTF-8 (bytes that are not as U+FFFD), controls and lone surrogates as {@code \}{@code
     * uXXXX}, shortened to {@value #SHORT} characters.
     */
    public static String show(Object input) {
        String text = input instanceof byte[] bytes ? new String(bytes, StandardCharsets.UTF_8) : String.valueOf(input);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean paired = Character.isHighSurrogate(c)
                    && i + 1 < text.length()
                    && Character.isLowSurrogate(text.charAt(i + 1));
            if (paired) {
                sb.append(c).append(text.charAt(++i));
            } else if (c < 0x20 || c >= 0x7F && c <= 0x9F || Character.isSurrogate(c)) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.length() <= SHORT ? sb.toString() : shorten(sb.toString()) + " (" + text.length() + " characters)";
    }

    /** {@code text} if at most {@value #SHORT} characters, else its start and end around an ellipsis. */
    public static String shorten(String text) {
        if (text.length() <= SHORT) {
            return text;
        }
        int head = SHORT * 2 / 3;
        return text.substring(0, head) + " \u2026 " + text.substring(text.length() - (SHORT - head));
    }
}
