package dev.burstgate.gateway.testsupport;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.springframework.test.context.junit.jupiter.SpringExtension;

/**
 * The JUnit side of {@link GatewayIT}: resolves {@link TestGateway} parameters, resets the mocks before each test (the
 * extension's callback runs before the test's own {@code @BeforeEach} methods) and closes them after the class.
 */
final class GatewayExtension implements BeforeEachCallback, AfterAllCallback, ParameterResolver {

    @Override
    public void beforeEach(ExtensionContext context) {
        fixture(context).resetMocks();
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        GatewayFixture fixture = GatewayFixture.of(context.getRequiredTestClass());
        if (fixture != null && fixture.owner() == context.getRequiredTestClass()) {
            fixture.close();
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == TestGateway.class;
    }

    @Override
    public TestGateway resolveParameter(ParameterContext parameter, ExtensionContext context) {
        // The application context of the class under way: for a @Nested class's test, the nested class's, as Spring
        // injects into every instance of the hierarchy.
        return new TestGateway(
                fixture(context), SpringExtension.getApplicationContext(context).getEnvironment());
    }

    private static GatewayFixture fixture(ExtensionContext context) {
        GatewayFixture fixture = GatewayFixture.of(context.getRequiredTestClass());
        if (fixture == null) {
            throw new ParameterResolutionException(context.getRequiredTestClass() + " is not a @GatewayIT test");
        }
        return fixture;
    }
}
