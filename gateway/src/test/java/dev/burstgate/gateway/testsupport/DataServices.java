package dev.burstgate.gateway.testsupport;

import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * Factories for the data services Burstgate uses in production, as Testcontainers containers (not yet started).
 * The ledger and budget integration tests build on these.
 */
public final class DataServices {

    public static final int REDIS_PORT = 6379;

    private DataServices() {}

    /** PostgreSQL for the cost ledger: database {@code burstgate}, user {@code burstgate}. */
    public static PostgreSQLContainer postgres() {
        return new PostgreSQLContainer(TestImages.postgres())
                .withDatabaseName("burstgate")
                .withUsername("burstgate")
                .withPassword("burstgate");
    }

    /** Redis for budgets and rate limits; ready once it answers on its port and logs that it accepts connections. */
    public static GenericContainer<?> redis() {
        return new GenericContainer<>(TestImages.redis())
                .withExposedPorts(REDIS_PORT)
                .waitingFor(Wait.forLogMessage(".*Ready to accept connections.*\\n", 1));
    }

    /** {@code redis://host:port} of a started Redis container. */
    public static String redisUri(GenericContainer<?> redis) {
        return "redis://" + redis.getHost() + ":" + redis.getMappedPort(REDIS_PORT);
    }
}
