package dev.burstgate.policies.policy;

import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What the registry holds under one name, for listings such as {@code GET /admin/policies}.
 *
 * @param policy the policy in force
 * @param status {@link Status#LOADED}, or {@link Status#STALE} when its file became invalid and the last good
 *     version is kept
 * @param error why the file was rejected (STALE only)
 * @param loadedAt when the policy in force was loaded
 * @param version the revision of the policy in force under this name: 1 when first loaded, one more at every change
 *     (a file edit, or tuned thresholds applied or rolled back)
 * @param tuned whether its thresholds come from a tuning overlay rather than its own file
 */
public record PolicyEntry(
        Policy policy, Status status, @Nullable String error, Instant loadedAt, long version, boolean tuned) {

    /** Load status of an entry. */
    public enum Status {
        /** The policy in force matches its source. */
        LOADED,
        /** The source no longer validates; the last good version stays in force. */
        STALE
    }

    public PolicyEntry {
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(loadedAt, "loadedAt");
        if (version < 1) {
            throw new IllegalArgumentException("version must be >= 1 but was " + version);
        }
    }

    /** A first version, thresholds from its own file. */
    public PolicyEntry(Policy policy, Status status, @Nullable String error, Instant loadedAt) {
        this(policy, status, error, loadedAt, 1, false);
    }

    public String name() {
        return policy.name();
    }

    public String source() {
        return policy.source();
    }
}
