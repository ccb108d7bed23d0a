package dev.burstgate.gateway.testsupport;

import org.testcontainers.utility.DockerImageName;

/**
 * The container images the integration tests run. The official images are the defaults, so a developer with Docker
 * needs nothing else; CI (which reaches no image registry) builds look-alike images locally and names them through
 * a system property or an environment variable.
 */
public final class TestImages {

    /** System property {@value} (or env {@code BURSTGATE_TEST_POSTGRES_IMAGE}) overrides the PostgreSQL image. */
    public static final String POSTGRES_PROPERTY = "burstgate.test.postgres-image";
    /** System property {@value} (or env {@code BURSTGATE_TEST_REDIS_IMAGE}) overrides the Redis image. */
    public static final String REDIS_PROPERTY = "burstgate.test.redis-image";
    /**
     * System property {@value} (or env {@code BURSTGATE_TEST_LLAMA_SERVER_IMAGE}) overrides the native llama.cpp
     * {@code llama-server} image. CI builds one from Debian unstable's {@code llama.cpp-tools}
     * ({@code .ci/images/llama-server}).
     */
    public static final String LLAMA_SERVER_PROPERTY = "burstgate.test.llama-server-image";

    static final String POSTGRES_DEFAULT = "postgres:17-alpine";
    static final String REDIS_DEFAULT = "redis:7-alpine";
    /**
     * llama.cpp's own CPU server image. There is no Docker Official Image for llama.cpp; this is the project's
     * published one (entrypoint {@code llama-server}, port 8080), which a developer with Docker can pull.
     */
    static final String LLAMA_SERVER_DEFAULT = "ghcr.io/ggml-org/llama.cpp:server";

    private TestImages() {}

    public static DockerImageName postgres() {
        return image(POSTGRES_PROPERTY, "BURSTGATE_TEST_POSTGRES_IMAGE", POSTGRES_DEFAULT, "postgres");
    }

    public static DockerImageName redis() {
        return image(REDIS_PROPERTY, "BURSTGATE_TEST_REDIS_IMAGE", REDIS_DEFAULT, "redis");
    }

    /**
     * An image whose entrypoint is llama.cpp's {@code llama-server}, listening on port 8080 when asked to; see
     * {@link NativeLlamaServer}.
     */
    public static DockerImageName llamaServer() {
        return image(
                LLAMA_SERVER_PROPERTY, "BURSTGATE_TEST_LLAMA_SERVER_IMAGE", LLAMA_SERVER_DEFAULT, LLAMA_SERVER_DEFAULT);
    }

    static DockerImageName image(String property, String env, String official, String substituteFor) {
        String override = System.getProperty(property);
        if (override == null || override.isBlank()) {
            override = System.getenv(env);
        }
        if (override == null || override.isBlank()) {
            return DockerImageName.parse(official);
        }
        return DockerImageName.parse(override.strip()).asCompatibleSubstituteFor(substituteFor);
    }
}
