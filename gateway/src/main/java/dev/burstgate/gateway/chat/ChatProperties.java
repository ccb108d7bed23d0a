package dev.burstgate.gateway.chat;

import jakarta.validation.Valid;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * What clients may send.
 *
 * @param models extra model names clients may name in {@code model}, each mapping to {@code auto}, {@code local},
 *     {@code cloud} or {@code legacy}
 * @param limits request limits
 */
@Validated
@ConfigurationProperties(prefix = "burstgate")
public record ChatProperties(
        @DefaultValue Map<String, String> models,
        @DefaultValue @Valid Limits limits) {

    /**
     * Request limits.
     *
     * @param maxBodySize the largest request body (413 beyond)
     */
    public record Limits(@DefaultValue("1MB") DataSize maxBodySize) {}
}
