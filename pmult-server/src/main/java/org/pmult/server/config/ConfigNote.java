package org.pmult.server.config;

import java.util.Objects;

/**
 * Something the loader accepted but the operator should know about: a GNU pmult statement with no
 * effect here, a skipped block, a configuration with no clients.
 *
 * @param severity whether to log it as a warning or as information
 * @param text     the remark, starting with its {@code FILE:LINE} where it has one
 */
public record ConfigNote(Severity severity, String text) {

    public enum Severity { INFO, WARNING }

    public ConfigNote {
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(text, "text");
    }

    public static ConfigNote info(String text) {
        return new ConfigNote(Severity.INFO, text);
    }

    public static ConfigNote warning(String text) {
        return new ConfigNote(Severity.WARNING, text);
    }

    @Override
    public String toString() {
        return (severity == Severity.WARNING ? "warning: " : "note: ") + text;
    }
}
