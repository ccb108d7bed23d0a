package dev.burstgate.engine;

/** How much of llama.cpp's own logging reaches SLF4J (logger {@code dev.burstgate.engine.llama}). */
public enum NativeLogLevel {
    /** Silence llama.cpp entirely (nothing on stderr). */
    OFF,
    ERROR,
    WARN,
    INFO,
    DEBUG
}
