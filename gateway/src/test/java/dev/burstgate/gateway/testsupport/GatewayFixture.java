package dev.burstgate.gateway.testsupport;

import dev.burstgate.engine.model.TinyModelGenerator;
import dev.burstgate.gateway.tenant.ApiKeys;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.PropertySource;
import org.springframework.test.context.ContextConfigurationAttributes;
import org.springframework.test.context.ContextCustomizer;
import org.springframework.test.context.ContextCustomizerFactory;
import org.springframework.test.context.MergedContextConfiguration;
import org.springframework.test.context.TestContextAnnotationUtils;
import org.springframework.test.context.TestContextAnnotationUtils.AnnotationDescriptor;
import org.springframework.test.context.support.TestPropertySourceUtils;

/**
 * What a {@link GatewayIT} class runs against, one per annotated class (its {@code @Nested} classes share it): the
 * mocks, the data directory and the properties made of them. Made when Spring first builds the class's test
 * configuration, before its application context starts; closed after the class.
 */
final class GatewayFixture implements AutoCloseable {

    /** The property source of {@code @DynamicPropertySource} methods. */
    static final String DYNAMIC_PROPERTIES = "Dynamic Test Properties";

    static final String PROPERTY_SOURCE = "Gateway IT Properties";

    private static final Map<Class<?>, GatewayFixture> FIXTURES = new ConcurrentHashMap<>();

    private final Class<?> owner;
    private final @Nullable PaidApiMock legacy;
    private final @Nullable PaidApiMock cloud;
    private final Path dataDir;
    private final Map<String, String> properties;

    private GatewayFixture(Class<?> owner, GatewayIT gateway) throws IOException {
        this.owner = owner;
        this.dataDir = Files.createTempDirectory("burstgate-" + owner.getSimpleName());
        this.legacy = gateway.legacyMock() ? new PaidApiMock() : null;
        this.cloud = gateway.cloudMock() ? new PaidApiMock() : null;
        Map<String, String> p = new LinkedHashMap<>();
        p.put("burstgate.data-dir", dataDir.toString());
        p.put("burstgate.demo", Boolean.toString(gateway.demo()));
        if (!gateway.localTier()) {
            p.put("burstgate.tiers.local.enabled", "false");
        } else {
            p.put("burstgate.tiers.local.threads", "1");
            if (!gateway.demo()) {
                // Where demo mode would generate it.
                p.put(
                        "burstgate.tiers.local.model",
                        TinyModelGenerator.ensureTinyModel(dataDir.resolve("models"))
                                .toString());
            }
        }
        if (legacy != null) {
            p.put("burstgate.tiers.legacy.url", legacy.baseUrl().toString());
        }
        if (cloud != null) {
            p.put("burstgate.tiers.cloud.endpoints", cloud.baseUrl().toString());
        }
        GatewayIT.Tenant[] tenants = gateway.tenants();
        for (int i = 0; i < tenants.length; i++) {
            GatewayIT.Tenant t = tenants[i];
            String prefix = "burstgate.tenants[" + i + "].";
            p.put(prefix + "name", t.name());
            p.put(prefix + "key-sha256", ApiKeys.sha256(t.key()));
            putUnlessEmpty(p, prefix + "policy", t.policy());
            putUnlessEmpty(p, prefix + "allowed-policies", t.allowedPolicies());
            putUnlessEmpty(
                    p,
                    prefix + "requests-per-second",
                    t.requestsPerSecond() == 0 ? "" : Integer.toString(t.requestsPerSecond()));
            putUnlessEmpty(p, prefix + "budget.daily", t.dailyBudget());
            putUnlessEmpty(p, prefix + "budget.monthly", t.monthlyBudget());
        }
        putUnlessEmpty(
                p,
                "burstgate.admin-key-sha256",
                gateway.adminKey().isEmpty() ? "" : ApiKeys.sha256(gateway.adminKey()));
        this.properties = Map.copyOf(p);
    }

    private static void putUnlessEmpty(Map<String, String> p, String key, String value) {
        if (!value.isEmpty()) {
            p.put(key, value);
        }
    }

    /** The fixture of {@code testClass}, a {@link GatewayIT} class or one nested in it; null for any other class. */
    static @Nullable GatewayFixture of(Class<?> testClass) {
        AnnotationDescriptor<GatewayIT> found =
                TestContextAnnotationUtils.findAnnotationDescriptor(testClass, GatewayIT.class);
        if (found == null) {
            return null;
        }
        return FIXTURES.computeIfAbsent(found.getRootDeclaringClass(), owner -> {
            try {
                return new GatewayFixture(owner, found.getAnnotation());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    Class<?> owner() {
        return owner;
    }

    @Nullable
    PaidApiMock legacy() {
        return legacy;
    }

    @Nullable
    PaidApiMock cloud() {
        return cloud;
    }

    Path dataDir() {
        return dataDir;
    }

    Map<String, String> properties() {
        return properties;
    }

    void resetMocks() {
        if (legacy != null) {
            legacy.reset();
        }
        if (cloud != null) {
            cloud.reset();
        }
    }

    @Override
    public void close() throws IOException {
        FIXTURES.remove(owner, this);
        if (legacy != null) {
            legacy.close();
        }
        if (cloud != null) {
            cloud.close();
        }
    }

    /**
     * Puts a fixture's properties into the environment of its class's application context: below the test's own
     * properties ({@code @DynamicPropertySource} methods, {@link GatewayIT#properties()}, {@code @TestPropertySource}),
     * above everything else, as if they were the test's own.
     */
    record PropertiesCustomizer(GatewayFixture fixture) implements ContextCustomizer {

        @Override
        public void customizeContext(ConfigurableApplicationContext context, MergedContextConfiguration config) {
            MutablePropertySources sources = context.getEnvironment().getPropertySources();
            MapPropertySource own = new MapPropertySource(PROPERTY_SOURCE, Map.copyOf(fixture.properties()));
            String lastOfTheTests = null;
            for (PropertySource<?> s : sources) {
                if (List.of(DYNAMIC_PROPERTIES, TestPropertySourceUtils.INLINED_PROPERTIES_PROPERTY_SOURCE_NAME)
                        .contains(s.getName())) {
                    lastOfTheTests = s.getName();
                }
            }
            if (lastOfTheTests == null) {
                sources.addFirst(own);
            } else {
                sources.addAfter(lastOfTheTests, own);
            }
        }
    }

    /** Registered by {@link GatewayIT}: the {@link PropertiesCustomizer} of a {@link GatewayIT} class. */
    static final class PropertiesFactory implements ContextCustomizerFactory {

        @Override
        public @Nullable ContextCustomizer createContextCustomizer(
                Class<?> testClass, List<ContextConfigurationAttributes> configAttributes) {
            GatewayFixture fixture = of(testClass);
            return fixture == null ? null : new PropertiesCustomizer(fixture);
        }
    }
}
