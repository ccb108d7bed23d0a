package dev.burstgate.gateway.ledger;

import dev.burstgate.gateway.access.Access;
import dev.burstgate.gateway.access.AccessRoutes;
import dev.burstgate.gateway.config.DataDirProperties;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.InstantSource;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.flyway.autoconfigure.FlywayMigrationStrategy;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;
import tools.jackson.databind.json.JsonMapper;

/**
 * The cost ledger on {@code spring.datasource.*}: its writer, which every {@code CostRecord} reaches as a
 * {@code CostRecordListener} bean, its journal under {@code burstgate.data-dir}, and the cost reports under
 * {@code /admin/costs}. The schema (Flyway, {@code db/migration}) is migrated when the database first answers, not at
 * start-up ({@link LedgerSchema}), so the gateway starts without its database. With
 * {@code burstgate.ledger.enabled=false} there is no writer and the reports answer 503.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(LedgerProperties.class)
class LedgerConfiguration {

    static final String ENABLED = "burstgate.ledger.enabled";

    /** Boot's Flyway run at start-up does nothing: {@link LedgerSchema} migrates once the database answers. */
    @Bean
    @ConditionalOnBooleanProperty(name = ENABLED, matchIfMissing = true)
    FlywayMigrationStrategy ledgerDeferredMigration() {
        return flyway -> {};
    }

    @Bean
    @ConditionalOnBooleanProperty(name = ENABLED, matchIfMissing = true)
    LedgerSchema ledgerSchema(ObjectProvider<Flyway> flyway) {
        return new LedgerSchema(flyway.getIfAvailable());
    }

    @Bean
    @ConditionalOnBooleanProperty(name = ENABLED, matchIfMissing = true)
    LedgerStore ledgerStore(DataSource dataSource) {
        return new LedgerStore(dataSource);
    }

    @Bean
    @ConditionalOnBooleanProperty(name = ENABLED, matchIfMissing = true)
    LedgerJournal ledgerJournal(LedgerProperties props, DataDirProperties burstgate, MeterRegistry meters) {
        Path dir = props.journal().dir(burstgate.dataDir());
        try {
            return LedgerJournal.open(
                    dir,
                    props.spillFile(burstgate.dataDir()),
                    props.journal().segmentSize().toBytes(),
                    props.journal().fsyncInterval(),
                    System::nanoTime,
                    meters);
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "Cannot open the ledger journal in " + dir
                            + " (burstgate.ledger.journal.dir, under burstgate.data-dir by default): " + e,
                    e);
        }
    }

    @Bean
    @ConditionalOnBooleanProperty(name = ENABLED, matchIfMissing = true)
    LedgerWriter ledgerWriter(
            LedgerStore store,
            LedgerSchema schema,
            LedgerJournal journal,
            LedgerProperties props,
            MeterRegistry meters) {
        return new LedgerWriter(store, schema, journal, props, meters);
    }

    @Bean
    @ConditionalOnBooleanProperty(name = ENABLED, matchIfMissing = true)
    ShadowHistory shadowHistory(DataSource dataSource, LedgerSchema schema) {
        return new ShadowHistory(dataSource, schema);
    }

    @Bean
    @ConditionalOnBooleanProperty(name = ENABLED, matchIfMissing = true)
    CostReports costReports(DataSource dataSource, LedgerSchema schema) {
        return new CostReports(dataSource, schema);
    }

    @Bean
    CostsEndpoint costsEndpoint(ObjectProvider<CostReports> reports, JsonMapper json, InstantSource clock) {
        return new CostsEndpoint(reports.getIfAvailable(), json, clock);
    }

    @Bean
    RouterFunction<ServerResponse> costsRoute(CostsEndpoint costs) {
        return AccessRoutes.route()
                .GET("/admin/costs/summary", Access.ADMIN, costs::summary)
                .GET("/admin/costs/requests", Access.ADMIN, costs::requests)
                .build();
    }
}
