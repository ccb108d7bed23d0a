package dev.burstgate.gateway.cache;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.json.JsonMapper;

/** The exact-match response cache ({@code burstgate.cache.*}). */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(CacheProperties.class)
class CacheConfiguration {

    @Bean
    ResponseCache responseCache(CacheProperties props, JsonMapper json) {
        return new ResponseCache(props, json);
    }
}
