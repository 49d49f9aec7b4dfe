package org.pmult.server.config;

import java.util.Objects;

/**
 * Where something in a configuration file stands; prints as {@code FILE:LINE}, or {@code FILE} when
 * the line is unknown (0).
 *
 * @param file the file as named to the reader, or {@code reference.conf} for a built-in default
 * @param line 1-based line number, or 0 when there is none
 */
public record ConfigLocation(String file, int line) {

    public ConfigLocation {
        Objects.requireNonNull(file, "file");
    }

    /** The built-in defaults' file. */
    public static final String BUILT_IN = "reference.conf";

    /** Whether this is in the built-in defaults, not in a file the administrator wrote. */
    public boolean builtIn() {
        return file.equals(BUILT_IN);
    }

    /** A whole file, without a line. */
    public static ConfigLocation of(String file) {
        return new ConfigLocation(file, 0);
    }

    @Override
    public String toString() {
        return line > 0 ? file + ":" + line : file;
    }
}
