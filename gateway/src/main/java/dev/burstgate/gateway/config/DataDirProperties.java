package dev.burstgate.gateway.config;

import jakarta.validation.constraints.NotNull;
import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Where the gateway keeps its files.
 *
 * @param dataDir generated tiny models, the embedded H2 ledger (when no datasource is set) and the ledger's journal;
 *     one per gateway instance, never shared
 */
@Validated
@ConfigurationProperties(prefix = "burstgate")
public record DataDirProperties(
        @DefaultValue("./data") @NotNull Path dataDir) {}
