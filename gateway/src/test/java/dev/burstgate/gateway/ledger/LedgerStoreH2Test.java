package dev.burstgate.gateway.ledger;

import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The ledger store on H2 in PostgreSQL mode, the embedded default (parameterised inserts). */
class LedgerStoreH2Test extends LedgerStoreContract {

    static HikariDataSource h2;

    @BeforeAll
    static void start() throws IOException {
        Path dir = Files.createTempDirectory("burstgate-store-h2");
        h2 = LedgerTestData.h2(dir);
    }

    @AfterAll
    static void stop() {
        h2.close();
    }

    @Override
    DataSource dataSource() {
        return h2;
    }
}
