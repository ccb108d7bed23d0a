package dev.burstgate.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class StopMatcherTest {

    @Test
    void passesTextThroughWhenThereAreNoStops() {
        StopMatcher m = new StopMatcher(List.of());

        assertThat(m.accept("abc")).isEqualTo(new StopMatcher.Result("abc", false));
        assertThat(m.flush()).isEmpty();
    }

    @Test
    void holdsBackAPossibleStopStartUntilTheNextPieceDecides() {
        StopMatcher m = new StopMatcher(List.of("END"));

        assertThat(m.accept("abcE")).isEqualTo(new StopMatcher.Result("abc", false));
        assertThat(m.accept("Nx")).isEqualTo(new StopMatcher.Result("ENx", false));
    }

    @Test
    void findsAStopSplitAcrossThreePieces() {
        StopMatcher m = new StopMatcher(List.of("END"));

        assertThat(m.accept("hello E").text()).isEqualTo("hello ");
        assertThat(m.accept("N")).isEqualTo(StopMatcher.Result.NOTHING);
        assertThat(m.accept("Dtail")).isEqualTo(new StopMatcher.Result("", true));
    }

    @Test
    void theEarliestOfSeveralStopsWins() {
        StopMatcher m = new StopMatcher(List.of("zz", "b"));

        assertThat(m.accept("aazzb")).isEqualTo(new StopMatcher.Result("aa", true));
    }

    @Test
    void flushReturnsHeldBackTextAtTheEnd() {
        StopMatcher m = new StopMatcher(List.of("STOP"));

        m.accept("abST");

        assertThat(m.flush()).isEqualTo("ST");
    }
}
