package dev.burstgate.gateway.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.burstgate.gateway.tenant.ApiKeys;
import dev.burstgate.gateway.testsupport.GatewayIT.Tenant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.PropertySource;
import org.springframework.test.context.TestContextAnnotationUtils;
import org.springframework.test.context.support.TestPropertySourceUtils;

/** What {@link GatewayIT} makes of its attributes, and where its properties rank among a test's. */
class GatewayFixtureTest {

    @GatewayIT(
            cloudMock = true,
            adminKey = "sk-admin",
            tenants = {
                @Tenant(name = "acme", key = "sk-acme", policy = "balanced", requestsPerSecond = 5),
                @Tenant(name = "globex", key = "sk-globex", dailyBudget = "1.25", allowedPolicies = "*")
            })
    static class Annotated {
        @Nested
        class Inner {}
    }

    @GatewayIT(demo = true, localTier = true, legacyMock = false, properties = "burstgate.cache.enabled=false")
    static class Demo {}

    static class Plain {}

    @AfterEach
    void close() throws Exception {
        for (Class<?> c : List.of(Annotated.class, Demo.class)) {
            GatewayFixture.of(c).close();
        }
    }

    @Test
    void setsTheDataDirectoryTheMocksTheTenantsAndTheAdminKey() {
        GatewayFixture f = GatewayFixture.of(Annotated.class);

        assertThat(f.dataDir()).isDirectory();
        assertThat(f.properties())
                .containsExactlyInAnyOrderEntriesOf(Map.ofEntries(
                        Map.entry("burstgate.data-dir", f.dataDir().toString()),
                        Map.entry("burstgate.demo", "false"),
                        Map.entry("burstgate.tiers.local.enabled", "false"),
                        Map.entry(
                                "burstgate.tiers.legacy.url",
                                f.legacy().baseUrl().toString()),
                        Map.entry(
                                "burstgate.tiers.cloud.endpoints",
                                f.cloud().baseUrl().toString()),
                        Map.entry("burstgate.tenants[0].name", "acme"),
                        Map.entry("burstgate.tenants[0].key-sha256", ApiKeys.sha256("sk-acme")),
                        Map.entry("burstgate.tenants[0].policy", "balanced"),
                        Map.entry("burstgate.tenants[0].requests-per-second", "5"),
                        Map.entry("burstgate.tenants[1].name", "globex"),
                        Map.entry("burstgate.tenants[1].key-sha256", ApiKeys.sha256("sk-globex")),
                        Map.entry("burstgate.tenants[1].allowed-policies", "*"),
                        Map.entry("burstgate.tenants[1].budget.daily", "1.25"),
                        Map.entry("burstgate.admin-key-sha256", ApiKeys.sha256("sk-admin"))));
    }

    @Test
    void runsTheLocalTierOnOneThreadWithDemoModesOwnModel() {
        GatewayFixture f = GatewayFixture.of(Demo.class);

        assertThat(f.legacy()).isNull();
        assertThat(f.properties())
                .containsOnlyKeys("burstgate.data-dir", "burstgate.demo", "burstgate.tiers.local.threads")
                .containsEntry("burstgate.demo", "true")
                .containsEntry("burstgate.tiers.local.threads", "1");
    }

    @Test
    void isASpringBootTestOnARandomPortWithTheTestsOwnProperties() {
        SpringBootTest boot = TestContextAnnotationUtils.findMergedAnnotation(Demo.class, SpringBootTest.class);

        assertThat(boot.webEnvironment()).isEqualTo(SpringBootTest.WebEnvironment.RANDOM_PORT);
        assertThat(boot.properties()).containsExactly("burstgate.cache.enabled=false");
    }

    @Test
    void aNestedClassSharesItsEnclosingClasssFixtureAndOtherClassesHaveNone() {
        assertThat(GatewayFixture.of(Annotated.Inner.class)).isSameAs(GatewayFixture.of(Annotated.class));
        assertThat(GatewayFixture.of(Plain.class)).isNull();
        assertThat(new GatewayFixture.PropertiesFactory().createContextCustomizer(Plain.class, List.of()))
                .isNull();
    }

    @Test
    void ranksBelowTheTestsOwnPropertiesAndAboveEverythingElse() {
        GatewayFixture f = GatewayFixture.of(Annotated.class);
        for (List<String> before : List.of(
                List.<String>of(),
                List.of(GatewayFixture.DYNAMIC_PROPERTIES),
                List.of(TestPropertySourceUtils.INLINED_PROPERTIES_PROPERTY_SOURCE_NAME),
                List.of(
                        GatewayFixture.DYNAMIC_PROPERTIES,
                        TestPropertySourceUtils.INLINED_PROPERTIES_PROPERTY_SOURCE_NAME),
                List.of(
                        TestPropertySourceUtils.INLINED_PROPERTIES_PROPERTY_SOURCE_NAME,
                        GatewayFixture.DYNAMIC_PROPERTIES))) {
            try (GenericApplicationContext context = new GenericApplicationContext()) {
                MutablePropertySources sources = context.getEnvironment().getPropertySources();
                sources.addLast(new MapPropertySource("Config resource 'application.yml'", Map.of()));
                for (String name : before.reversed()) {
                    sources.addFirst(new MapPropertySource(name, Map.of()));
                }

                new GatewayFixture.PropertiesCustomizer(f).customizeContext(context, null);

                List<String> names =
                        sources.stream().map(PropertySource::getName).toList();
                assertThat(names.indexOf(GatewayFixture.PROPERTY_SOURCE))
                        .as("%s", names)
                        .isEqualTo(before.size());
                assertThat(names.indexOf(GatewayFixture.PROPERTY_SOURCE))
                        .as("%s", names)
                        .isLessThan(names.indexOf("systemProperties"))
                        .isLessThan(names.indexOf("Config resource 'application.yml'"));
                assertThat(context.getEnvironment().getProperty("burstgate.demo"))
                        .isEqualTo("false");
            }
        }
    }
}
