package dev.burstgate.engine;

import java.time.Duration;

/** Moving averages of generation speed, time to first token and slot hold time. Thread safe. */
final class EngineMetrics {

    /** Weight of the newest sample in the moving averages. */
    static final double ALPHA = 0.2;
    /** Slot hold time assumed before any request has been measured. */
    static final Duration DEFAULT_SERVICE_TIME = Duration.ofSeconds(1);

    private double tokensPerSecond;
    private double ttftNanos = -1;
    private double serviceNanos = -1;
    private long completed;
    private long tokens;

    synchronized void firstToken(long nanos) {
        ttftNanos = ttftNanos < 0 ? nanos : ttftNanos + ALPHA * (nanos - ttftNanos);
    }

    /**
     * Records a finished request.
     *
     * @param generated      tokens generated
     * @param decodeNanos    time from first to last token
     * @param holdNanos      time the request held its slot
     */
    synchronized void finished(int generated, long decodeNanos, long holdNanos) {
        completed++;
        tokens += generated;
        if (generated >= 2 && decodeNanos > 0) {
            double rate = (generated - 1) / (decodeNanos / 1e9);
            tokensPerSecond = tokensPerSecond == 0 ? rate : tokensPerSecond + ALPHA * (rate - tokensPerSecond);
        }
        if (generated >= 1 && holdNanos > 0) {
            serviceNanos = serviceNanos < 0 ? holdNanos : serviceNanos + ALPHA * (holdNanos - serviceNanos);
        }
    }

    synchronized double tokensPerSecond() {
        return tokensPerSecond;
    }

    synchronized Duration timeToFirstToken() {
        return ttftNanos < 0 ? Duration.ZERO : Duration.ofNanos((long) ttftNanos);
    }

    synchronized Duration serviceTime() {
        return serviceNanos < 0 ? DEFAULT_SERVICE_TIME : Duration.ofNanos((long) serviceNanos);
    }

    synchronized long completed() {
        return completed;
    }

    synchronized long tokens() {
        return tokens;
    }
}
