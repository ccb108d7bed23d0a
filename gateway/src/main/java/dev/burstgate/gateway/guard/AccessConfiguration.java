package dev.burstgate.gateway.guard;

import dev.burstgate.gateway.access.Access;
import dev.burstgate.gateway.access.AccessRoutes;
import dev.burstgate.gateway.access.AccessRule;
import dev.burstgate.gateway.tenant.RateLimits;
import dev.burstgate.gateway.tenant.TenantRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.server.RouterFunction;

/**
 * The access rules and their filter. Router functions built with {@link AccessRoutes} bring their rules; other
 * endpoints declare {@link AccessRule} beans. The prefixes {@code /v1/**} (tenant key) and {@code /admin/**} (admin
 * key) make an unknown path under them ask for their key before it is answered 404.
 */
@Configuration(proxyBeanMethods = false)
class AccessConfiguration {

    private static final Logger log = LoggerFactory.getLogger(AccessConfiguration.class);

    @Bean
    AccessRule apiPrefixAccess() {
        return AccessRule.anyMethod("/v1/**", Access.TENANT);
    }

    @Bean
    AccessRule adminPrefixAccess() {
        return AccessRule.anyMethod("/admin/**", Access.ADMIN);
    }

    @Bean
    AccessRules accessRules(ObjectProvider<RouterFunction<?>> routerFunctions, ObjectProvider<AccessRule> declared) {
        AccessRules rules = AccessRules.of(
                routerFunctions.orderedStream().toList(),
                declared.orderedStream().toList());
        if (log.isDebugEnabled()) {
            rules.rules().forEach(r -> log.debug("access: {}", r));
        }
        return rules;
    }

    @Bean
    AccessFilter accessFilter(AccessRules rules, TenantRegistry tenants, RateLimits rateLimits) {
        return new AccessFilter(rules, tenants, rateLimits);
    }
}
