package org.pmult.server.config;

import java.util.Objects;

/**
 * A configuration error pmult refuses to start with. The message always begins with where the
 * problem is ({@code pmult.conf:12: unknown statement "timout" in client "mfd"}).
 */
public final class ConfigException extends RuntimeException {

    private final String location;
    private final String problem;

    /**
     * @param location {@code FILE:LINE}, or just {@code FILE} or {@code --url} when there is no line
     * @param problem  what is wrong, naming the statement or key
     */
    public ConfigException(String location, String problem) {
        super(location + ": " + problem);
        this.location = Objects.requireNonNull(location, "location");
        this.problem = Objects.requireNonNull(problem, "problem");
    }

    public ConfigException(String location, String problem, Throwable cause) {
        this(location, problem);
        initCause(cause);
    }

    /** {@code FILE:LINE} or {@code FILE}. */
    public String location() {
        return location;
    }

    /** The message without the location. */
    public String problem() {
        return problem;
    }
}
