package org.pmult.server.config;

import java.util.Objects;
import java.util.Optional;

/**
 * A configuration record refusing the value of one of its fields. It names the field as a
 * structured value, so the configuration builder reports the problem at the file and line of the
 * setting that gave that field, without reading the message. Where the field is refused for
 * another field's value (a clash), it also names that field and states the problem from its side,
 * so a clash between a built-in default and a setting the administrator wrote is reported at that
 * setting. Problems describe other fields in words, not by name: each syntax names them its own way.
 */
public final class InvalidFieldException extends IllegalArgumentException {

    private final String field;
    private final String problem;
    private final String clashingField;
    private final String clashingProblem;

    /**
     * @param field   the field as configuration keys name it, e.g. {@code max-connections}
     * @param problem the value and what was expected, e.g. {@code 0 (expected: 1..100000)}
     */
    public InvalidFieldException(String field, String problem) {
        super(field + ": " + problem);
        this.field = Objects.requireNonNull(field, "field");
        this.problem = Objects.requireNonNull(problem, "problem");
        this.clashingField = null;
        this.clashingProblem = null;
    }

    /**
     * A clash: {@code field} is refused for the value of {@code clashingField}.
     *
     * @param clashingProblem the same problem stated at {@code clashingField}, e.g. {@code 0 (expected:
     *                        at least the spare connections per event loop, 1)}
     */
    public InvalidFieldException(String field, String problem, String clashingField, String clashingProblem) {
        super(field + ": " + problem);
        this.field = Objects.requireNonNull(field, "field");
        this.problem = Objects.requireNonNull(problem, "problem");
        this.clashingField = Objects.requireNonNull(clashingField, "clashingField");
        this.clashingProblem = Objects.requireNonNull(clashingProblem, "clashingProblem");
    }

    public String field() {
        return field;
    }

    public String problem() {
        return problem;
    }

    /** The field whose value this one clashes with, if the refusal is a clash. */
    public Optional<String> clashingField() {
        return Optional.ofNullable(clashingField);
    }

    /** The problem as stated at {@link #clashingField()}. */
    public String clashingProblem() {
        return clashingProblem;
    }
}
