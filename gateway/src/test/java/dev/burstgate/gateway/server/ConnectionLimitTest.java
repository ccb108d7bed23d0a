package dev.burstgate.gateway.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConnectionLimitTest {

    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final ConnectionLimit limit = new ConnectionLimit(3, new ConnectionMeters(registry));

    @Test
    void closesConnectionsBeyondTheLimitAtOnceAndAdmitsAgainWhenOneCloses() {
        List<EmbeddedChannel> admitted = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            EmbeddedChannel c = new EmbeddedChannel();
            assertThat(limit.admit(c)).isTrue();
            admitted.add(c);
        }
        EmbeddedChannel extra = new EmbeddedChannel();
        assertThat(limit.admit(extra)).isFalse();
        assertThat(extra.isOpen()).isFalse();
        assertThat(limit.open()).isEqualTo(3);
        assertThat(registry.counter(ConnectionMeters.CLOSED, "reason", "max_connections")
                        .count())
                .isEqualTo(1);

        admitted.get(0).close();
        assertThat(limit.open()).isEqualTo(2);
        EmbeddedChannel next = new EmbeddedChannel();
        assertThat(limit.admit(next)).isTrue();
        assertThat(next.isOpen()).isTrue();
        assertThat(limit.open()).isEqualTo(3);
    }
}
