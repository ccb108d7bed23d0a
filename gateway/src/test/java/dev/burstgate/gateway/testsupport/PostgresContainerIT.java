package dev.burstgate.gateway.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.postgresql.PostgreSQLContainer;

@Testcontainers
class PostgresContainerIT {

    @Container
    static final PostgreSQLContainer POSTGRES = DataServices.postgres();

    @Test
    void answersSqlWithTheConfiguredDatabaseAndUser() throws Exception {
        try (Connection c = DriverManager.getConnection(POSTGRES.getJdbcUrl(), "burstgate", "burstgate");
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("select current_database(), current_user, 6 * 7, version()")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("burstgate");
            assertThat(rs.getString(2)).isEqualTo("burstgate");
            assertThat(rs.getInt(3)).isEqualTo(42);
            assertThat(rs.getString(4)).startsWith("PostgreSQL");
        }
    }

    @Test
    void keepsWhatIsWrittenWithinATransaction() throws Exception {
        try (Connection c = DriverManager.getConnection(POSTGRES.getJdbcUrl(), "burstgate", "burstgate");
                Statement s = c.createStatement()) {
            s.execute("create table if not exists probe (id bigint primary key, cost numeric(18,9) not null)");
            s.execute("insert into probe values (1, 0.020000000), (2, 1.100000000)");
            try (ResultSet rs = s.executeQuery("select sum(cost) from probe")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getBigDecimal(1)).isEqualByComparingTo("1.12");
            }
        }
    }

    @Test
    void rejectsAWrongPassword() {
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> DriverManager.getConnection(POSTGRES.getJdbcUrl(), "burstgate", "wrong")
                                .close())
                .isInstanceOf(java.sql.SQLException.class);
    }
}
