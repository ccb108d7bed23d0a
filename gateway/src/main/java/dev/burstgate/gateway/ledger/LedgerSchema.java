package dev.burstgate.gateway.ledger;

import java.util.concurrent.locks.ReentrantLock;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.output.MigrateResult;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.dao.DataAccessResourceFailureException;

/**
 * The ledger's schema, migrated by Flyway ({@code db/migration}) the first time the database answers rather than
 * at start-up, so that the gateway starts and serves while its database is down. The ledger writer migrates before
 * its first write (retrying with its backoff), and the cost reports before their first query; until it has
 * succeeded, nothing is read from or written to the ledger tables.
 *
 * <p>Without Flyway ({@code spring.flyway.enabled=false}) the schema is someone else's, and taken as ready.
 */
final class LedgerSchema {

    private static final Logger log = LoggerFactory.getLogger(LedgerSchema.class);

    private final @Nullable Flyway flyway;
    private final ReentrantLock lock = new ReentrantLock();
    private volatile boolean ready;
    private volatile @Nullable DataAccessException lastFailure;

    /** @param flyway the migration to run; null when the schema is managed outside the gateway */
    LedgerSchema(@Nullable Flyway flyway) {
        this.flyway = flyway;
        this.ready = flyway == null;
    }

    /** Whether the schema is known to be up to date. */
    boolean isReady() {
        return ready;
    }

    /**
     * Migrates the schema unless that has been done. A caller that finds another one migrating waits for it and
     * shares its outcome rather than trying again.
     *
     * @throws DataAccessException when the database cannot be migrated now (not reachable, or the migration failed)
     */
    void ensure() {
        if (ready) {
            return;
        }
        if (!lock.tryLock()) {
            lock.lock();
            try {
                if (ready) {
                    return;
                }
                DataAccessException failure = lastFailure;
                throw failure != null
                        ? failure
                        : new DataAccessResourceFailureException("the ledger schema is not ready");
            } finally {
                lock.unlock();
            }
        }
        try {
            if (ready || flyway == null) {
                return;
            }
            MigrateResult result = flyway.migrate();
            ready = true;
            lastFailure = null;
            log.info(
                    "The ledger schema is at version {} ({} migrations applied now)",
                    result.targetSchemaVersion != null ? result.targetSchemaVersion : result.initialSchemaVersion,
                    result.migrationsExecuted);
        } catch (RuntimeException e) {
            // FlywayException for the database's own errors; anything else from the driver or the pool counts the same.
            DataAccessException failure = new DataAccessResourceFailureException(
                    "cannot migrate the ledger schema: "
                            + (e instanceof FlywayException ? e.getMessage() : e.toString()),
                    e);
            lastFailure = failure;
            throw failure;
        } finally {
            lock.unlock();
        }
    }
}
