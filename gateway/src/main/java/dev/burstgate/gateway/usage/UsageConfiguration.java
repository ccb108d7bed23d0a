package dev.burstgate.gateway.usage;

import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Where cost records go: every {@link CostRecordListener} bean (meters, recent records, the ledger). */
@Configuration(proxyBeanMethods = false)
class UsageConfiguration {

    @Bean
    RecentRecords recentRecords() {
        return new RecentRecords(1000);
    }

    @Bean
    CostMetrics costMetrics(MeterRegistry meters) {
        return new CostMetrics(meters);
    }

    @Bean
    CostEvents costEvents(ObjectProvider<CostRecordListener> listeners) {
        return new CostEvents(new ArrayList<>(listeners.orderedStream().toList()));
    }
}
