package dev.burstgate.policies.simulation;

/** A line of an input file that cannot be used; the message names the file, the line and the field. */
public final class BadInputException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final long line;
    private final String field;

    public BadInputException(String file, long line, String field, String problem) {
        super(file + ":" + line + ": field '" + field + "': " + problem);
        this.line = line;
        this.field = field;
    }

    public long line() {
        return line;
    }

    public String field() {
        return field;
    }
}
