package dev.burstgate.policies.cli;

import dev.burstgate.policies.policy.Policy;
import dev.burstgate.policies.policy.PolicyException;
import dev.burstgate.policies.policy.PolicyRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import org.jspecify.annotations.Nullable;

/** Resolves {@code --policy NAME|FILE} against the one registry the commands share. */
final class Policies {

    private Policies() {}

    static PolicyRegistry registry(@Nullable Path dir) {
        InstantSource clock = InstantSource.system();
        if (dir == null) {
            return PolicyRegistry.presets(clock);
        }
        PolicyRegistry r = PolicyRegistry.withDirectory(dir, clock);
        return r;
    }

    /** A file path (existing, or ending in .yaml/.yml) is parsed; anything else is a registry name. */
    static Policy resolve(String nameOrFile, PolicyRegistry registry) throws IOException {
        Path p = Path.of(nameOrFile);
        boolean looksLikeFile = nameOrFile.endsWith(".yaml") || nameOrFile.endsWith(".yml");
        if (Files.isRegularFile(p) || looksLikeFile) {
            if (!Files.isRegularFile(p)) {
                throw new PolicyException("policy file " + nameOrFile + " does not exist");
            }
            return Policy.read(p);
        }
        return registry.get(nameOrFile);
    }
}
