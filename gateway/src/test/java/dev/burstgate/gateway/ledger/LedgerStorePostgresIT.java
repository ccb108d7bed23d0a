package dev.burstgate.gateway.ledger;

import com.zaxxer.hikari.HikariDataSource;
import dev.burstgate.gateway.testsupport.DataServices;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.testcontainers.postgresql.PostgreSQLContainer;

/** The ledger store on PostgreSQL (its COPY path). */
class LedgerStorePostgresIT extends LedgerStoreContract {

    static final PostgreSQLContainer POSTGRES = DataServices.postgres();
    static HikariDataSource pg;

    @BeforeAll
    static void start() {
        POSTGRES.start();
        pg = LedgerTestData.postgres(POSTGRES);
    }

    @AfterAll
    static void stop() {
        pg.close();
        POSTGRES.stop();
    }

    @Override
    DataSource dataSource() {
        return pg;
    }
}
