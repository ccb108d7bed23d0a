package dev.burstgate.policies.cli;

/** Exit codes of {@code policy-lab}; documented in the module README. */
final class ExitCodes {
    /** Success. */
    static final int OK = 0;
    /** An unexpected internal error (a bug); the stack trace goes to stderr. */
    static final int INTERNAL = 1;
    /** Bad command line: unknown option, missing argument (picocli's usage error). */
    static final int USAGE = 2;
    /** A bad input file: missing, unreadable, or a bad line (the message names line and field). */
    static final int BAD_INPUT = 3;
    /** A policy that does not exist or does not validate (the message names file, field and value). */
    static final int BAD_POLICY = 4;

    private ExitCodes() {}
}
