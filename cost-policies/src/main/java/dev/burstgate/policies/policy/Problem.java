package dev.burstgate.policies.policy;

/**
 * One thing wrong with a policy file.
 *
 * @param file where the policy came from (a path or {@code preset:NAME})
 * @param field the dotted field path, e.g. {@code burst.max-local-queue-wait-ms}
 * @param value the offending value as written ("" when missing)
 * @param message what is wrong
 */
public record Problem(String file, String field, String value, String message) {

    @Override
    public String toString() {
        return file + ": field '" + field + "'" + (value.isEmpty() ? "" : " = '" + value + "'") + ": " + message;
    }
}
