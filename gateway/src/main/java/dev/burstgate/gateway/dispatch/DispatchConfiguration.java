package dev.burstgate.gateway.dispatch;

import dev.burstgate.gateway.budget.BudgetProperties;
import dev.burstgate.gateway.budget.BudgetStore;
import dev.burstgate.gateway.tier.TierBackend;
import dev.burstgate.gateway.usage.CostEvents;
import dev.burstgate.policies.capability.TierCapabilities;
import dev.burstgate.policies.cost.PriceTable;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The dispatcher over every tier's backend, and the cost-record factory it and the chat route publish with. */
@Configuration(proxyBeanMethods = false)
class DispatchConfiguration {

    @Bean
    CostRecords costRecords(PriceTable prices, CostEvents events) {
        return new CostRecords(prices, events, System::nanoTime);
    }

    @Bean
    Dispatcher dispatcher(
            List<TierBackend> backends,
            PriceTable prices,
            BudgetStore budgets,
            CostRecords records,
            BudgetProperties budgetProps,
            TierCapabilities capabilities,
            ObjectProvider<ShadowHook> shadows) {
        return new Dispatcher(
                backends,
                prices,
                budgets,
                records,
                budgetProps.defaultCompletionTokens(),
                capabilities,
                shadows.getIfAvailable(() -> ShadowHook.OFF));
    }
}
