package dev.burstgate.gateway.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.burstgate.gateway.BurstgateApplication;
import dev.burstgate.gateway.tenant.ApiKeys;
import dev.burstgate.gateway.testsupport.DataServices;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * Pipelined requests written in one go are all answered, in the order sent, and a last one saying {@code Connection:
 * close} closes the connection after its own answer. Rate limits are in Redis, as in the deployed stack, so every
 * {@code /v1} request is answered asynchronously and later requests wait while earlier ones are in progress: the
 * case where Reactor Netty, reading a queued {@code Connection: close} early, answered the first request and closed.
 */
@Testcontainers
class PipeliningIT {

    static final String KEY = "sk-pipelining";
    static final String ADMIN_KEY = "sk-pipelining-admin";
    static final int REQUESTS = 50;

    @Container
    static final GenericContainer<?> REDIS = DataServices.redis();

    static ConfigurableApplicationContext gateway;
    static int port;

    @BeforeAll
    static void start() throws IOException {
        gateway = new SpringApplicationBuilder(BurstgateApplication.class)
                .run(
                        "--server.port=0",
                        "--spring.data.redis.url=" + DataServices.redisUri(REDIS),
                        "--burstgate.data-dir=" + Files.createTempDirectory("burstgate-pipelining"),
                        "--burstgate.demo=false",
                        "--burstgate.tiers.local.enabled=false",
                        "--burstgate.admin-key-sha256=" + ApiKeys.sha256(ADMIN_KEY),
                        "--burstgate.tenants[0].name=acme",
                        "--burstgate.tenants[0].key-sha256=" + ApiKeys.sha256(KEY),
                        "--burstgate.tenants[0].requests-per-second=100000");
        port = Integer.parseInt(gateway.getEnvironment().getProperty("local.server.port", "0"));
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
    }

    static String closing(String request) {
        return request.replace("\r\n\r\n", "\r\nConnection: close\r\n\r\n");
    }

    /** Writes every request in one write and reads answers until the gateway closes; returns their statuses. */
    static List<Integer> pipeline(List<String> requests) throws IOException {
        List<Integer> statuses = new ArrayList<>();
        try (RawConnection c = RawConnection.open(port, Duration.ofSeconds(10))) {
            c.send(String.join("", requests));
            while (statuses.size() < requests.size()) {
                statuses.add(c.read().status());
            }
            assertThat(c.closedByGateway())
                    .as("closed after the answer to the last request")
                    .isTrue();
        } catch (IOException e) {
            throw new AssertionError("answered " + statuses.size() + " of " + requests.size() + ": " + statuses, e);
        }
        return statuses;
    }

    @Test
    void answersFiftyPipelinedRequestsWhoseLastClosesTheConnection() throws IOException {
        List<String> requests = new ArrayList<>();
        for (int i = 0; i < REQUESTS - 1; i++) {
            requests.add(RawConnection.get("/v1/models", KEY));
        }
        requests.add(closing(RawConnection.get("/v1/models", KEY)));
        assertThat(pipeline(requests)).hasSize(REQUESTS).containsOnly(200);
    }

    @Test
    void answersPipelinedRequestsInTheOrderSent() throws IOException {
        List<String> requests = new ArrayList<>();
        List<Integer> expected = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            switch (i % 4) {
                case 0 -> requests.add(RawConnection.get("/v1/models", KEY));
                case 1 -> requests.add(RawConnection.get("/v1/models", "sk-wrong"));
                case 2 -> requests.add(RawConnection.get("/admin/costs/summary", ADMIN_KEY));
                default -> requests.add(RawConnection.get("/v1/nothing", KEY));
            }
            expected.add(
                    switch (i % 4) {
                        case 0, 2 -> 200;
                        case 1 -> 401;
                        default -> 404;
                    });
        }
        requests.set(11, closing(requests.get(11)));
        assertThat(pipeline(requests)).containsExactlyElementsOf(expected);
    }

    @Test
    void answersNothingSentAfterTheRequestThatClosesTheConnection() throws IOException {
        List<Integer> statuses = new ArrayList<>();
        try (RawConnection c = RawConnection.open(port, Duration.ofSeconds(10))) {
            c.send(RawConnection.get("/v1/models", KEY)
                    + closing(RawConnection.get("/v1/models", KEY))
                    + RawConnection.get("/v1/nothing", KEY));
            statuses.add(c.read().status());
            statuses.add(c.read().status());
            assertThat(c.closedByGateway()).isTrue();
        }
        assertThat(statuses).containsExactly(200, 200);
    }
}
