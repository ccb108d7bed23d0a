package dev.burstgate.gateway.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RequestIdsTest {

    @Test
    void carriesTheTimeAndThirtyTwoHexDigits() {
        long at = Instant.parse("2026-11-29T04:41:07.123Z").toEpochMilli();
        String id = RequestIds.next(at);
        assertThat(id).matches("req_[0-9a-f]{32}").startsWith("req_01a2259b5733");
        assertThat(java.util.HexFormat.fromHexDigitsToLong(id, 4, 16)).isEqualTo(at);
    }

    @Test
    void laterRequestsSortAfterEarlierOnes() {
        long start = Instant.parse("2026-11-29T00:00:00Z").toEpochMilli();
        List<String> ids = new ArrayList<>();
        for (int ms = 0; ms < 2_000; ms++) {
            ids.add(RequestIds.next(start + ms * 7L));
        }
        assertThat(ids).isSorted();
    }

    @Test
    void idsOfTheSameMillisecondDiffer() {
        long at = Instant.parse("2026-11-29T00:00:00Z").toEpochMilli();
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 100_000; i++) {
            ids.add(RequestIds.next(at));
        }
        assertThat(ids).hasSize(100_000);
    }
}
