package dev.burstgate.gateway.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LedgerCopyTest {

    private static String quoted(String s) {
        return LedgerCopy.quoted(new StringBuilder("x,"), s).toString();
    }

    @Test
    void quotesEveryStringAndDoublesItsQuotes() {
        assertThat(quoted("acme")).isEqualTo("x,\"acme\"");
        assertThat(quoted("")).isEqualTo("x,\"\"");
        assertThat(quoted("\"")).isEqualTo("x,\"\"\"\"");
        assertThat(quoted("a \"b\", c\nd\"")).isEqualTo("x,\"a \"\"b\"\", c\nd\"\"\"");
        assertThat(quoted("\"\"x")).isEqualTo("x,\"\"\"\"\"x\"");
    }

    @Test
    void writesNothingForNull() {
        assertThat(quoted(null)).isEqualTo("x,");
    }
}
