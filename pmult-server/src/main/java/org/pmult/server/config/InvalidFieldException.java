package org.pmult.server.config;

import java.util.Objects;

/**
 * A configuration record refusing the value of one of its fields. It names the field as a
 * structured value, so the configuration builder reports the problem at the file and line of the
 * setting that gave that field, without reading the message.
 */
public final class InvalidFieldException extends IllegalArgumentException {

    private final String field;
    private final String problem;

    /**
     * @param field   the field as configuration keys name it, e.g. {@code max-connections}
     * @param problem the value and what was expected, e.g. {@code 0 (expected: 1..100000)}
     */
    public InvalidFieldException(String field, String problem) {
        super(field + ": " + problem);
        this.field = Objects.requireNonNull(field, "field");
        this.problem = Objects.requireNonNull(problem, "problem");
    }

    public String field() {
        return field;
    }

    public String problem() {
        return problem;
    }
}
