package dev.burstgate.gateway;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** Burstgate: an OpenAI-compatible gateway that routes each prompt to the local engine, the cloud pool or the legacy API. */
@SpringBootApplication
public class BurstgateApplication {

    public static void main(String[] args) {
        SpringApplication.run(BurstgateApplication.class, args);
    }
}
