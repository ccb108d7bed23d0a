package dev.burstgate.gateway.ledger;

import dev.burstgate.gateway.access.AccessRoutes;
import dev.burstgate.gateway.access.Access;
import dev.burstgate.gateway.config.BurstgateProperties;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.InstantSource;
import javax.sql.DataSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.sql.init.dependency.DependsOnDatabaseInitialization;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;
import tools.jackson.databind.json.JsonMapper;

/**
 * The cost ledger on {@code spring.datasource.*} (schema by Flyway, {@code db/migration}): its writer, which every
 * {@code CostRecord} reaches as a {@code CostRecordListener} bean, and the cost reports under {@code /admin/costs}.
 * With {@code burstgate.ledger.enabled=false} there is no writer and the reports answer 503.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(LedgerProperties.class)
class LedgerConfiguration {

  static final String ENABLED = "burstgate.ledger.enabled";

  @Bean
  @ConditionalOnBooleanProperty(name = ENABLED, matchIfMissing = true)
  @DependsOnDatabaseInitialization
  LedgerStore ledgerStore(DataSource dataSource) {
    return new LedgerStore(dataSource);
  }

  @Bean
  @ConditionalOnBooleanProperty(name = ENABLED, matchIfMissing = true)
  LedgerWriter ledgerWriter(LedgerStore store, LedgerProperties props, BurstgateProperties burstgate,
      MeterRegistry meters) {
    return new LedgerWriter(store, new SpillFile(props.spillFile(burstgate.dataDir())), props, meters);
  }

  @Bean
  @ConditionalOnBooleanProperty(name = ENABLED, matchIfMissing = true)
  @DependsOnDatabaseInitialization
  CostReports costReports(DataSource dataSource) {
    return new CostReports(dataSource);
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
