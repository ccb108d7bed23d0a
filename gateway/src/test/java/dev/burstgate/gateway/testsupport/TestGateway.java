package dev.burstgate.gateway.testsupport;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import org.springframework.core.env.Environment;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * The gateway of a {@link GatewayIT} test as its clients see it: its ports and URLs, clients bound to it, its data
 * directory and the mocks it calls. Given to a test or lifecycle method that declares a parameter of this type.
 */
public final class TestGateway {

    private final GatewayFixture fixture;
    private final Environment environment;

    TestGateway(GatewayFixture fixture, Environment environment) {
        this.fixture = fixture;
        this.environment = environment;
    }

    /** The API port. */
    public int port() {
        return environment.getRequiredProperty("local.server.port", Integer.class);
    }

    /** The management port (Prometheus, the actuator endpoints). */
    public int managementPort() {
        return environment.getRequiredProperty("local.management.port", Integer.class);
    }

    /** {@code path} (with its query, if any) on the API port. */
    public String url(String path) {
        return "http://localhost:" + port() + path;
    }

    /** A client of the API port, with WebTestClient's default response timeout (5 s). */
    public WebTestClient client() {
        return WebTestClient.bindToServer().baseUrl(url("")).build();
    }

    /** A client of the API port that waits up to {@code responseTimeout} for each answer. */
    public WebTestClient client(Duration responseTimeout) {
        return WebTestClient.bindToServer()
                .baseUrl(url(""))
                .responseTimeout(responseTimeout)
                .build();
    }

    /** A client of the management port. */
    public WebTestClient management() {
        return WebTestClient.bindToServer()
                .baseUrl("http://localhost:" + managementPort())
                .build();
    }

    /** The paid legacy API the gateway calls. */
    public PaidApiMock legacy() {
        return Objects.requireNonNull(fixture.legacy(), "no legacy mock: @GatewayIT(legacyMock = false)");
    }

    /** The cloud pool's one node. */
    public PaidApiMock cloud() {
        return Objects.requireNonNull(fixture.cloud(), "no cloud mock: @GatewayIT(cloudMock = true) asks for one");
    }

    /** The gateway's {@code burstgate.data-dir}. */
    public Path dataDir() {
        return fixture.dataDir();
    }

    /**
     * The properties {@link GatewayIT} set (not the test's own), for starting another gateway like this one: the data
     * directory, the tiers, the tenants, the admin key.
     */
    public Map<String, String> properties() {
        return fixture.properties();
    }
}
