package dev.burstgate.gateway.routing;

import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Request ids ({@code X-Burstgate-Request-Id}): {@code req_} and 32 hex digits, the first 12 the time in milliseconds
 * since the epoch, the other 20 random (80 bits, without a secure random's cost). Ids of later requests sort after
 * those of earlier ones (to the millisecond), so the ledger's primary key grows at its end, like a UUIDv7's, instead
 * of at a random page of the index for every row.
 */
public final class RequestIds {

    private static final HexFormat HEX = HexFormat.of();
    private static final long MILLIS_MASK = (1L << 48) - 1;

    private RequestIds() {}

    /** A new id for a request received at {@code epochMillis}. */
    public static String next(long epochMillis) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long high = ((epochMillis & MILLIS_MASK) << 16) | (random.nextInt() & 0xFFFF);
        return "req_" + HEX.toHexDigits(high) + HEX.toHexDigits(random.nextLong());
    }
}
