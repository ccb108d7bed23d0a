package dev.burstgate.gateway.testsupport;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.annotation.AliasFor;
import org.springframework.test.context.ContextCustomizerFactories;

/**
 * A whole gateway on a random port for an integration test, set up the way nearly every such test needs it: a data
 * directory of its own, the paid legacy API as a {@link PaidApiMock} (and the cloud pool as a second one, on request),
 * demo mode and the local tier off unless asked for, and the tenants and admin key declared here. A test reaches the
 * gateway, its mocks and clients for it through a {@link TestGateway} parameter of a test or lifecycle method. The mocks
 * are reset before each test and closed after the class; {@code @Nested} classes share their enclosing class's.
 *
 * <p>What only one test needs stays in that test: {@link #properties()}, or its own {@code @DynamicPropertySource},
 * both of which win over the properties this annotation sets.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ContextCustomizerFactories(GatewayFixture.PropertiesFactory.class)
@ExtendWith(GatewayExtension.class)
public @interface GatewayIT {

    /** {@code burstgate.demo}: simulated stand-ins for the tiers not configured (the local tiny model, cloud nodes). */
    boolean demo() default false;

    /**
     * Whether the local tier runs, on one thread: on the tiny model demo mode generates, or without demo mode on the
     * tiny model generated into the data directory first. Off, {@code burstgate.tiers.local.enabled=false}.
     */
    boolean localTier() default false;

    /** Whether the legacy tier is a {@link PaidApiMock} ({@code burstgate.tiers.legacy.url}); without it, none is set. */
    boolean legacyMock() default true;

    /** Whether the cloud pool is one {@link PaidApiMock} ({@code burstgate.tiers.cloud.endpoints}). */
    boolean cloudMock() default false;

    /** {@code burstgate.tenants}, in order from index 0. */
    Tenant[] tenants() default {};

    /** The admin key ({@code burstgate.admin-key-sha256} is its hash); none when empty. */
    String adminKey() default "";

    /** Further properties, {@code key=value}: {@link SpringBootTest#properties()}. */
    @AliasFor(annotation = SpringBootTest.class, attribute = "properties")
    String[] properties() default {};

    /** One of {@code burstgate.tenants}; an empty or zero attribute leaves its property unset. */
    @Target({})
    @Retention(RetentionPolicy.RUNTIME)
    @interface Tenant {

        String name();

        /** The tenant's API key ({@code key-sha256} is its hash). */
        String key();

        String policy() default "";

        String allowedPolicies() default "";

        int requestsPerSecond() default 0;

        /** {@code budget.daily}, in USD. */
        String dailyBudget() default "";

        /** {@code budget.monthly}, in USD. */
        String monthlyBudget() default "";
    }
}
