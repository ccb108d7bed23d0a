package dev.burstgate.gateway.tier;

import static org.assertj.core.api.Assertions.assertThat;

import dev.burstgate.gateway.BurstgateApplication;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.SmartLifecycle;
import org.springframework.http.client.ReactorResourceFactory;

/**
 * A gateway with a cloud pool stops promptly. The pool's health checks (every 2 s) would otherwise keep handing the
 * Netty event loops work while they shut down, so the loops wait out their whole 15 s time-out: the demo gateway took
 * 23 s to exit after SIGTERM, close to a container platform's 30 s before it kills.
 */
class CloudPoolShutdownIT {

    /** Far below the event loops' 15 s shutdown time-out, well above what a stop takes here (about 2 s). */
    static final Duration STOP_WITHIN = Duration.ofSeconds(8);

    @Test
    void stopsWithinSecondsAfterTheCloudPoolHasServed() throws Exception {
        Path dataDir = Files.createTempDirectory("burstgate-pool-shutdown");
        // The demo's simulated cloud pool: three in-process local-engine servers behind the load balancer.
        ConfigurableApplicationContext app = new SpringApplicationBuilder(BurstgateApplication.class)
                .run("--server.port=0", "--burstgate.data-dir=" + dataDir, "--burstgate.tiers.local.enabled=false");
        try {
            SmartLifecycle loops = app.getBean(ReactorResourceFactory.class);
            LoadBalancerStop checks = app.getBean(LoadBalancerStop.class);
            assertThat(checks.getPhase())
                    .as("health checks end before the event loops stop")
                    .isGreaterThan(loops.getPhase());

            int port = Integer.parseInt(app.getEnvironment().getProperty("local.server.port", "0"));
            String body =
                    "{\"model\":\"cloud\",\"max_tokens\":4,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
            HttpResponse<String> answer = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/v1/chat/completions"))
                                    .header("Authorization", "Bearer sk-burstgate-demo")
                                    .header("Content-Type", "application/json")
                                    .POST(HttpRequest.BodyPublishers.ofString(body))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
            assertThat(answer.headers().firstValue("X-Burstgate-Tier")).hasValue("cloud");
            // A few rounds of the load balancer's real health checks: their schedule running on the event loops is what
            // the
            // stop below must cope with, so it runs in real time.
            Thread.sleep(4_500);

            long started = System.nanoTime();
            app.close();
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            System.out.printf("CloudPoolShutdownIT: the gateway stopped in %d ms%n", took.toMillis());
            assertThat(took).as("time to stop the gateway").isLessThan(STOP_WITHIN);
        } finally {
            app.close();
        }
    }
}
