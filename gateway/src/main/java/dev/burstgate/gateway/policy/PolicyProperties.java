package dev.burstgate.gateway.policy;

import jakarta.validation.constraints.NotBlank;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Which policies exist and which applies by default.
 *
 * @param policy the default policy name for tenants that name none
 * @param policiesDir a directory of extra policy YAML files, hot-reloaded
 */
@Validated
@ConfigurationProperties(prefix = "burstgate")
public record PolicyProperties(
        @DefaultValue("balanced") @NotBlank String policy,
        @Nullable Path policiesDir) {}
