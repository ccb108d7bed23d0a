package dev.burstgate.policies.policy;

import java.util.List;
import java.util.stream.Collectors;

/** A policy file that does not validate, or a policy name that is not registered. */
public final class PolicyException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final transient List<Problem> problems;

    public PolicyException(List<Problem> problems) {
        super(problems.stream().map(Problem::toString).collect(Collectors.joining("; ")));
        this.problems = List.copyOf(problems);
    }

    public PolicyException(String message) {
        super(message);
        this.problems = List.of();
    }

    /** Every problem found (empty for an unknown name). */
    public List<Problem> problems() {
        return problems;
    }
}
